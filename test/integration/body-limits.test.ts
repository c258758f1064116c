import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as layersRoute } from "@/app/api/v1/layers/route";
import { POST as rankRoute } from "@/app/api/v1/rank/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { serveWithNode } from "@/lib/http/node-adapter";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_bodies");

let server: http.Server;
let port = 0;
const serverSockets: net.Socket[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => void serveWithNode(rankRoute.core, req, res));
  // As scripts/web.ts: a client waiting for "100 Continue" is answered by the route.
  server.on(
    "checkContinue",
    (req: http.IncomingMessage, res: http.ServerResponse) => void serveWithNode(rankRoute.core, req, res),
  );
  server.on("connection", (s) => serverSockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * Sends a POST with a declared body of `size` bytes, writing as fast as the server takes it; returns
 * the answer and how many body bytes the server read (its socket's bytes less the request head).
 */
function rawPost(
  size: number,
  headers: string[] = [],
  { chunked = false } = {},
): Promise<{ answer: string; bodyBytesRead: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    // Chunked: the length is not declared, so only the streaming cap can stop the body.
    const chunk = chunked
      ? Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(64 << 10, 0x20), Buffer.from("\r\n")])
      : Buffer.alloc(64 << 10, 0x20);
    const pump = () => {
      while (sent < size && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", pump);
      }
    };
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("error", () => {}); // the server closes while we still write: expected
    const head = [
      `POST /api/v1/rank HTTP/1.1`,
      `host: 127.0.0.1`,
      `content-type: application/json`,
      chunked ? "transfer-encoding: chunked" : `content-length: ${size}`,
      ...headers,
      "",
      "",
    ].join("\r\n");
    socket.on("close", () =>
      resolve({ answer, bodyBytesRead: serverSockets.at(-1)!.bytesRead - Buffer.byteLength(head) }),
    );
    socket.write(head);
    pump();
  });
}

describe("bodies are read only after the key and the declared length are checked", () => {
  it("a 15 MB POST to /api/v1/rank without a key is answered 401 having read < 64 KB of it", async () => {
    const { answer, bodyBytesRead } = await rawPost(15 << 20);
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer).toContain('"code":"unauthorized"');
    expect(bodyBytesRead).toBeLessThan(64 << 10);
  });

  it(
    "a client that waits for 100 Continue is refused without ever being asked for the body; a valid one gets " + "it",
    async () => {
      const ask = (headers: string[], body: string) =>
        new Promise<string>((resolve) => {
          const socket = net.connect(port, "127.0.0.1");
          let answer = "";
          socket.on("data", (d) => {
            answer += d.toString("latin1");
            if (answer.startsWith("HTTP/1.1 100")) {
              socket.write(body);
              answer = "(continued) ";
            }
          });
          socket.on("error", () => {});
          socket.on("close", () => resolve(answer));
          socket.write(
            [
              `POST /api/v1/rank HTTP/1.1`,
              `host: 127.0.0.1`,
              `content-type: application/json`,
              `content-length: ${Buffer.byteLength(body)}`,
              "expect: 100-continue",
              "connection: close",
              ...headers,
              "",
              "",
            ].join("\r\n"),
          );
        });
      const body = JSON.stringify({ userId: "u", candidates: rankCandidates(2), k: 1 });
      const refused = await ask([], body);
      expect(refused).toMatch(/^HTTP\/1\.1 401/);
      const { key } = await createApiKey(SYSTEM_ACTOR, { name: "cont", scopes: ["serve"] });
      const served = await ask([`authorization: Bearer ${key}`], body);
      expect(served).toMatch(/^\(continued\) HTTP\/1\.1 200/);
    },
  );

  it("a declared length over the route's limit is refused with 413 before reading, even with a valid key", async () => {
    const { key } = await createApiKey(SYSTEM_ACTOR, { name: "serve", scopes: ["serve"] });
    const { answer, bodyBytesRead } = await rawPost(15 << 20, [`authorization: Bearer ${key}`]);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    // The key lookup is asynchronous; meanwhile Node may read a little more, never the body.
    expect(bodyBytesRead).toBeLessThan(256 << 10);
  });

  it("a body without a declared length is cut off with 413 once it passes the route's limit", async () => {
    const { key } = await createApiKey(SYSTEM_ACTOR, { name: "chunked", scopes: ["serve"] });
    const { answer, bodyBytesRead } = await rawPost(30 << 20, [`authorization: Bearer ${key}`], { chunked: true });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":"payload_too_large"');
    // The rank route's limit is 8 MB; reading stops there (plus what the socket had buffered).
    expect(bodyBytesRead).toBeGreaterThan(8 << 20);
    expect(bodyBytesRead).toBeLessThan(10 << 20);
  });

  it(
    "Next.js routes stream the body with a hard cap: a 50 MB body without Content-Length is cut off after the " +
      "limit",
    async () => {
      const { key } = await createApiKey(SYSTEM_ACTOR, { name: "w", scopes: ["experiments:write"] });
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= 50 << 20) return controller.close();
          pulled += 64 << 10;
          controller.enqueue(new Uint8Array(64 << 10).fill(0x20));
        },
      });
      const req = new Request("http://test/api/v1/layers", {
        method: "POST",
        body,
        duplex: "half",
        headers: { authorization: `Bearer ${key}` },
      } as RequestInit);
      const res = await layersRoute(req, { params: Promise.resolve({}) });
      expect(res.status).toBe(413);
      expect(pulled).toBeLessThan(3 << 20);
      const anonymous = new Request("http://test/api/v1/layers", {
        method: "POST",
        body: "x".repeat(1000),
        headers: { "content-length": String(50 << 20) },
      });
      expect((await layersRoute(anonymous, { params: Promise.resolve({}) })).status).toBe(401);
      expect(await db.layer.count()).toBe(0);
    },
  );
});
