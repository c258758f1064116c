import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseJson } from "@/lib/http/parse-json";
import { serveWithNode } from "@/lib/http/node-adapter";

/**
 * serveWithNode reads bodies into pooled buffers: concurrent requests of all sizes (small, over the
 * split threshold, over the pooled buffer's initial 256 KB) must each see exactly their own body,
 * also while other requests reuse released buffers.
 */
let server: http.Server;
let url = "";

beforeAll(async () => {
  server = http.createServer((req, res) =>
    serveWithNode(
      async (input) => {
        const bytes = await input.bodyBytes(16 << 20);
        // Yield while holding the buffer, so that other requests run in between; then read it.
        await new Promise((r) => setTimeout(r, (bytes.length % 7) * 3));
        const body = parseJson(bytes) as { id: number; pad: string };
        return {
          status: 200,
          body: { id: body.id, length: bytes.length, padLength: body.pad.length, tail: body.pad.slice(-8) },
        };
      },
      req,
      res,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("serveWithNode body buffers", () => {
  it("gives every concurrent request its own body", async () => {
    const sizes = [10, 5_000, 80_000, 300_000, 1_200_000];
    const requests = Array.from({ length: 60 }, (_, id) => {
      const pad = `${String(id).padStart(8, "x")}`.repeat(Math.ceil(sizes[id % sizes.length] / 8));
      return { id, pad };
    });
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all(
        requests.map(async (r) => {
          const body = JSON.stringify(r);
          const res = await fetch(url, { method: "POST", body });
          return {
            sent: r,
            bytes: Buffer.byteLength(body),
            got: (await res.json()) as { id: number; length: number; padLength: number; tail: string },
          };
        }),
      );
      for (const { sent, bytes, got } of answers) {
        expect(got).toEqual({ id: sent.id, length: bytes, padLength: sent.pad.length, tail: sent.pad.slice(-8) });
      }
    }
  });
});
