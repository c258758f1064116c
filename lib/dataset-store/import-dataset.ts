import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Prisma } from "@prisma/client";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { datasetDir, uploadsDir } from "@/lib/dataset-store/dataset-paths";
import { serializeDataset } from "@/lib/dataset-store/dataset-service";
import { CsvImportError, importCsv } from "@/lib/datasets";
import { ensurePrivateDir } from "@/lib/platform/private-dir";
import { parseInput, safeString } from "@/lib/validation";

export const importDatasetQuery = z.object({ name: safeString().trim().min(1, "is required").max(200) });
const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/**
 * Imports KuaiRand-layout CSV logs as a dataset. The upload is streamed to disk, converted by
 * lib/datasets (which writes its shards atomically), and only then registered: a bad row is
 * reported with its line number and leaves no dataset and no files behind.
 */
export async function importDatasetCsv(actor: Actor, rawQuery: unknown, body: ReadableStream<Uint8Array> | null) {
  const { name } = parseInput(importDatasetQuery, rawQuery, "query");
  if (!body) throw new AppError("bad_request", "send the CSV file as the request body");
  const id = randomUUID();
  ensurePrivateDir(uploadsDir());
  const upload = path.join(uploadsDir(), `${id}.csv`);
  const outDir = datasetDir(id);
  try {
    let bytes = 0;
    const source = Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>);
    source.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_UPLOAD_BYTES) source.destroy(new AppError("payload_too_large", `uploads are limited to ${MAX_UPLOAD_BYTES} bytes`));
    });
    await pipeline(source, fs.createWriteStream(upload));
    const manifest = await importCsv({ csvPath: upload, outDir }).catch((err: unknown) => {
      if (err instanceof CsvImportError) throw new AppError("bad_request", `CSV rejected at ${err.message}`, [{ path: `line ${err.line}`, message: err.message }]);
      throw err;
    });
    const size = manifest.shards.reduce((s, sh) => s + sh.bytes, manifest.users.bytes + manifest.items.bytes);
    const d = await db.$transaction(async (tx) => {
      const row = await tx.dataset.create({
        data: { id, name, origin: "imported", status: "ready", storagePath: outDir, manifest: manifest as unknown as Prisma.InputJsonValue, requests: manifest.summary.requests, bytes: size, finishedAt: new Date(), createdById: actor.kind === "user" ? actor.userId : null },
        include: { scenario: { select: { key: true } } },
      });
      await recordAudit(tx, actor, { action: "dataset.import", entityType: "Dataset", entityId: id, after: { name, requests: manifest.summary.requests } });
      return row;
    });
    return serializeDataset(d);
  } catch (err) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw err;
  } finally {
    fs.rmSync(upload, { force: true });
  }
}
