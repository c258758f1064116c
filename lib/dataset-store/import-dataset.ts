import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { uploadPath, uploadsDir } from "@/lib/dataset-store/dataset-paths";
import { datasetNameTaken, nameTaken } from "@/lib/dataset-store/dataset-name";
import { serializeDataset } from "@/lib/dataset-store/dataset-service";
import { enqueueJob, type JobDeps } from "@/lib/jobs/job-service";
import { ensurePrivateDir } from "@/lib/platform/private-dir";
import { parseInput, safeString } from "@/lib/validation";

export const importDatasetQuery = z.object({ name: safeString().trim().min(1, "is required").max(200) });
/** Largest CSV upload accepted (also checked against Content-Length before anything is read). */
export const MAX_UPLOAD_BYTES = 512 << 20;

/**
 * Receives a KuaiRand-layout CSV upload: the body is streamed to disk (never held in memory, at
 * most MAX_UPLOAD_BYTES), then the `import-dataset` job converts it in a worker. Answers with the
 * dataset, `building` until the job is done; a bad row fails the job and the dataset with its line.
 */
export async function receiveDatasetUpload(
  actor: Actor,
  rawQuery: unknown,
  request: { body: ReadableStream<Uint8Array> | null; contentLength: number | null },
  deps?: JobDeps,
) {
  const { name } = parseInput(importDatasetQuery, rawQuery, "query");
  if (request.contentLength !== null && request.contentLength > MAX_UPLOAD_BYTES) throw tooLarge();
  if (!request.body) throw new AppError("bad_request", "send the CSV file as the request body");
  // Refused before a byte is stored; the unique index still settles a race between two uploads.
  if (await db.dataset.findUnique({ where: { name }, select: { id: true } })) throw datasetNameTaken(name);
  const id = randomUUID();
  ensurePrivateDir(uploadsDir());
  const file = uploadPath(id);
  try {
    let bytes = 0;
    const source = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream<Uint8Array>);
    source.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_UPLOAD_BYTES) source.destroy(tooLarge());
    });
    await pipeline(source, fs.createWriteStream(file, { mode: 0o600 }));
    if (bytes === 0) throw new AppError("bad_request", "the CSV file is empty");
    const notText = binaryReason(file);
    if (notText)
      throw new AppError("bad_request", `not a CSV file: ${notText}`, [{ path: "file", message: "not a CSV file" }]);
    await db
      .$transaction(async (tx) => {
        await tx.dataset.create({
          data: {
            id,
            name,
            origin: "imported",
            status: "building",
            createdById: actor.kind === "user" ? actor.userId : null,
          },
        });
        await recordAudit(tx, actor, {
          action: "dataset.import",
          entityType: "Dataset",
          entityId: id,
          after: { name, bytes },
        });
      })
      .catch(nameTaken(name));
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
  try {
    const job = await enqueueJob(actor, "import-dataset", { datasetId: id }, deps);
    return serializeDataset(
      await db.dataset.update({
        where: { id },
        data: { jobId: job.id },
        include: { scenario: { select: { key: true } } },
      }),
    );
  } catch (err) {
    fs.rmSync(file, { force: true });
    await db.dataset.update({
      where: { id },
      data: { status: "failed", error: `could not queue: ${(err as Error).message}` },
    });
    throw err;
  }
}

const SNIFF_BYTES = 8192;

/**
 * Why the upload's start is not CSV text (a PNG, a zip, any binary), or null. Judged by content,
 * not by the file name: NUL bytes or invalid UTF-8 in the first 8 KiB.
 */
function binaryReason(file: string): string | null {
  const head = Buffer.alloc(SNIFF_BYTES);
  const fd = fs.openSync(file, "r");
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, SNIFF_BYTES, 0);
  } finally {
    fs.closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "it is a PNG image";
  if (bytes.includes(0)) return "it contains binary data";
  try {
    // stream: a multi-byte character cut at the 8 KiB boundary is not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return "it is not UTF-8 text";
  }
  return null;
}

function tooLarge(): AppError {
  return new AppError("payload_too_large", `uploads are limited to ${MAX_UPLOAD_BYTES} bytes`);
}
