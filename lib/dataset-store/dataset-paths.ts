import path from "node:path";
import { loadEnv } from "@/lib/config/env";

/**
 * Where dataset shards live: <data dir>/datasets/<dataset id>. Web and worker processes on several
 * machines must share this directory (e.g. a network volume) — the database holds only metadata.
 */
export function datasetDir(datasetId: string): string {
  return path.resolve(loadEnv().FUSIONLAB_DATA_DIR, "datasets", datasetId);
}

export function uploadsDir(): string {
  return path.resolve(loadEnv().FUSIONLAB_DATA_DIR, "uploads");
}

/** Where an import's upload waits for its job. */
export function uploadPath(datasetId: string): string {
  return path.join(uploadsDir(), `${datasetId}.csv`);
}
