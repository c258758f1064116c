import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@/lib/errors";
import { errorResult, type ApiCore, type ApiResult } from "@/lib/http/api-route";

const MAX_BODY = 16 << 20;

/**
 * Request bodies are read into reused buffers. A fresh 200 KB Buffer per rank request counts as V8
 * external memory, and that pressure (not the heap) started most full GCs of a web process under
 * rank load (seen with --trace-incremental-marking). A buffer goes back to the pool only after the
 * request's handler returned; nothing keeps a view of it (the JSON parser copies what it reads).
 */
const POOL_SIZE = 16;
const POOLED_MAX = 4 << 20;
const pool: Buffer[] = [];

async function readBody(req: IncomingMessage): Promise<{ body: Buffer; release: () => void }> {
  let buf = pool.pop() ?? Buffer.allocUnsafe(256 << 10);
  let size = 0;
  const release = () => {
    if (pool.length < POOL_SIZE && buf.length <= POOLED_MAX) pool.push(buf);
  };
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (size + chunk.length > MAX_BODY) throw new AppError("payload_too_large", `request body exceeds ${MAX_BODY} bytes`);
      if (size + chunk.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(2 * buf.length, size + chunk.length));
        buf.copy(bigger, 0, 0, size);
        buf = bigger;
      }
      chunk.copy(buf, size);
      size += chunk.length;
    }
  } catch (err) {
    release();
    throw err;
  }
  return { body: buf.subarray(0, size), release };
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
    const { body, release } = await readBody(req);
    try {
      result = await core({
        url,
        authorization: req.headers.authorization ?? null,
        params: {},
        bodyBytes: async () => body,
        // A copy: the pooled buffer is reused once the handler returns.
        request: () => new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body: Uint8Array.from(body) }),
      });
    } finally {
      release();
    }
  } catch (err) {
    result = errorResult(err);
  }
  const json = JSON.stringify(result.body);
  res.writeHead(result.status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}
