import fs from "node:fs";
import { db } from "@/lib/db/client";
import { datasetDir, uploadPath } from "@/lib/dataset-store/dataset-paths";

/**
 * When a dataset job gives up (failed for good or cancelled): the dataset is marked failed and its files (and any
 * upload) are gone.
 */
export async function markDatasetFailed(
  { datasetId }: { datasetId: string },
  outcome: { state: "failed" | "cancelled"; error: string | null },
) {
  fs.rmSync(datasetDir(datasetId), { recursive: true, force: true });
  fs.rmSync(uploadPath(datasetId), { force: true });
  await db.dataset.updateMany({
    where: { id: datasetId, status: "building" },
    data: {
      status: "failed",
      error: outcome.state === "cancelled" ? "cancelled" : outcome.error,
      finishedAt: new Date(),
    },
  });
}
