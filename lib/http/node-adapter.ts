import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@/lib/errors";
import { errorResult, type ApiCore, type ApiResult } from "@/lib/http/api-route";
import { declaredLength } from "@/lib/http/read-body";

/**
 * Request bodies are read into reused buffers. A fresh 200 KB Buffer per rank request counts as V8
 * external memory, and that pressure (not the heap) started most full GCs of a web process under
 * rank load (seen with --trace-incremental-marking). A buffer goes back to the pool only after the
 * request's handler returned; nothing keeps a view of it (the JSON parser copies what it reads).
 */
const POOL_SIZE = 16;
const POOLED_MAX = 4 << 20;
const pool: Buffer[] = [];

/**
 * The body into a pooled buffer, from the stream's events: its async iterator costs a promise and a
 * microtask per chunk (a 200-candidate rank body arrives in several). Past `limit` bytes reading
 * stops (the caller answers 413 and closes the connection).
 */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; release: () => void }> {
  return new Promise((resolve, reject) => {
    let buf = pool.pop() ?? Buffer.allocUnsafe(256 << 10);
    let size = 0;
    const release = () => {
      if (pool.length < POOL_SIZE && buf.length <= POOLED_MAX) pool.push(buf);
    };
    const done = (err: Error | null) => {
      req.off("data", onData).off("end", onEnd).off("error", done).off("close", onClose);
      if (!err) return resolve({ body: buf.subarray(0, size), release });
      req.pause();
      release();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit)
        return done(new AppError("payload_too_large", `request body exceeds ${limit} bytes`));
      if (size + chunk.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(2 * buf.length, size + chunk.length));
        buf.copy(bigger, 0, 0, size);
        buf = bigger;
      }
      chunk.copy(buf, size);
      size += chunk.length;
    };
    const onEnd = () => done(null);
    // "close" before "end": the client went away mid-body.
    const onClose = () => done(new Error("the connection closed before the request body ended"));
    req.on("data", onData).on("end", onEnd).on("error", done).on("close", onClose);
  });
}

/**
 * Runs an /api/v1 route's core straight from Node's HTTP server. The web process uses it for the
 * serving hot path (/api/v1/rank, /api/v1/events): the same route code, without Next.js's router
 * and without building Web Request/Response objects around 40 KB bodies. The body is read only when
 * the route asks for it (after the key and the declared length were checked), up to its limit.
 */
export async function serveWithNode(
  core: ApiCore,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string> = {},
): Promise<void> {
  const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`;
  let read: { body: Buffer; release: () => void } | undefined;
  let result: ApiResult;
  try {
    result = await core({
      url,
      authorization: req.headers.authorization ?? null,
      contentLength: declaredLength(req.headers["content-length"]),
      clientIp: req.socket.remoteAddress ?? "unknown",
      params: {},
      bodyBytes: async (limit) => {
        // A client that waits for "100 Continue" (curl does for large bodies) gets it only now, so
        // one refused before this never sends its body at all.
        if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
        return (read = await readBody(req, limit)).body;
      },
      // A copy: the pooled buffer is reused once the handler returns.
      request: () =>
        new Request(url, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: read ? Uint8Array.from(read.body) : undefined,
        }),
    });
  } catch (err) {
    result = errorResult(err);
  } finally {
    read?.release();
  }
  const text = result.contentType ? (result.body as string) : JSON.stringify(result.body);
  // A body we refused without reading is not drained: close the connection instead.
  const close = !req.complete;
  res.writeHead(result.status, {
    ...headers,
    ...result.headers,
    "content-type": result.contentType ?? "application/json",
    "content-length": Buffer.byteLength(text),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
  // Once the answer is handed to the kernel the socket goes: Node would otherwise read and discard
  // the rest of the body (all 16 MB of it) before closing.
  if (close) res.once("finish", () => req.socket.destroy());
}
