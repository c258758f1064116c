import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@/lib/errors";
import { errorResult, type ApiCore, type ApiResult } from "@/lib/http/api-route";

const MAX_BODY = 16 << 20;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new AppError("payload_too_large", `request body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Runs an /api/v1 route's core straight from Node's HTTP server. The web process uses it for the
 * serving hot path (/api/v1/rank, /api/v1/events): the same route code, without Next.js's router
 * and without building Web Request/Response objects around 40 KB bodies.
 */
export async function serveWithNode(core: ApiCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
  let result: ApiResult;
  try {
    const body = await readBody(req);
    result = await core({
      url,
      authorization: req.headers.authorization ?? null,
      params: {},
      bodyBytes: async () => body,
      request: () => new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body: new Uint8Array(body) }),
    });
  } catch (err) {
    result = errorResult(err);
  }
  const json = JSON.stringify(result.body);
  res.writeHead(result.status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}
