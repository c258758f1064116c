import fs from "node:fs";
import type { z } from "zod";
import { db } from "@/lib/db/client";
import type { datasetJobPayload } from "@/lib/dataset-store/dataset-input";
import { markDatasetReady } from "@/lib/dataset-store/mark-dataset-ready";
import { datasetDir, uploadPath } from "@/lib/dataset-store/dataset-paths";
import { CsvImportError, importCsv } from "@/lib/dataset-format";
import { PermanentJobError, type JobHandler } from "@/lib/jobs/define-job";

/**
 * The `import-dataset` job: converts an uploaded CSV into dataset shards (lib/dataset-format streams it,
 * line by line with a cap on line length). A bad row fails the job for good, naming its line; the
 * dataset is then marked failed and the upload removed (markDatasetFailed).
 */
export const runDatasetImport: JobHandler<z.infer<typeof datasetJobPayload>> = async ({ datasetId }, ctx) => {
  const d = await db.dataset.findUnique({ where: { id: datasetId } });
  if (!d || d.origin !== "imported") throw new PermanentJobError(`dataset ${datasetId} is not an import`);
  if (d.status === "ready") return { datasetId, alreadyBuilt: true };
  const csvPath = uploadPath(d.id);
  if (!fs.existsSync(csvPath)) throw new PermanentJobError("the uploaded file is gone; upload it again");
  const dir = datasetDir(d.id);
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    const manifest = await importCsv({ csvPath, outDir: dir }).catch((err: unknown) => {
      throw err instanceof CsvImportError ? new PermanentJobError(`CSV rejected at ${err.message}`) : err;
    });
    const bytes = await markDatasetReady(d.id, dir, manifest);
    fs.rmSync(csvPath, { force: true });
    await ctx.log(`imported ${manifest.summary.requests} requests (${(bytes / 1e6).toFixed(1)} MB of shards)`);
    return { datasetId: d.id, requests: manifest.summary.requests, bytes };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
};
