import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient } from "@/test/support/load";

/** The benchmark's lean HTTP client against a real node:http server. */
let server: http.Server;
let url: string;
const connections = new Set<string>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    connections.add(`${req.socket.remotePort}`);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const close = req.url === "/close";
      const status = req.url === "/missing" ? 404 : 200;
      // Echo what arrived: length, a checksum, the headers the client sent, and some non-ASCII text.
      let sum = 0;
      for (const b of body) sum = (sum + b) % 65_521;
      const reply = JSON.stringify({
        length: body.length,
        sum,
        auth: req.headers.authorization,
        type: req.headers["content-type"],
        text: "é中😀",
      });
      // Small replies in pieces, so that the client has to put a response together from several reads.
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(reply),
        ...(close ? { connection: "close" } : {}),
      });
      const bytes = Buffer.from(reply);
      res.write(bytes.subarray(0, 5));
      setTimeout(() => res.end(bytes.subarray(5)), 2);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("httpClient (load generator)", () => {
  it("sends bodies of every size, concurrently, and gets each its own response", async () => {
    const post = httpClient(url, { authorization: "Bearer k" }, 8);
    const bodies = Array.from({ length: 60 }, (_, i) => Buffer.alloc(((i * 7919) % 300_000) + 1, i % 251));
    const replies = await Promise.all(bodies.map((b) => post("/echo", b)));
    replies.forEach((r, i) => {
      expect(r.status).toBe(200);
      let sum = 0;
      for (const b of bodies[i]) sum = (sum + b) % 65_521;
      expect(JSON.parse(r.body)).toEqual({
        length: bodies[i].length,
        sum,
        auth: "Bearer k",
        type: "application/json",
        text: "é中😀",
      });
    });
    // Keep-alive: at most maxSockets connections for 60 requests.
    expect(connections.size).toBeLessThanOrEqual(8);
    post.close();
  });

  it("passes statuses through and opens a new connection after the server closes one", async () => {
    const post = httpClient(url, {}, 2);
    expect((await post("/missing", "{}")).status).toBe(404);
    for (let i = 0; i < 3; i++) expect((await post("/close", "{}")).status).toBe(200);
    expect(JSON.parse((await post("/echo", "abc")).body).length).toBe(3);
    post.close();
  });

  it("rejects when nothing listens", async () => {
    const post = httpClient("http://127.0.0.1:1", {});
    await expect(post("/x", "{}")).rejects.toThrow();
  });
});
