import { AppError } from "@/lib/errors";

/** A Content-Length header as a number; null when absent or malformed (then the streaming cap still holds). */
export function declaredLength(header: string | null | undefined): number | null {
  return header !== undefined && header !== null && /^\d+$/.test(header) ? Number(header) : null;
}

/**
 * Reads a Web request body, refusing it with 413 as soon as more than `limit` bytes arrived (the rest
 * is never read), instead of buffering all of it and checking the size afterwards.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new AppError("payload_too_large", `request body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
