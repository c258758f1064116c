import type { Prisma } from "@prisma/client";
import { db } from "@/lib/db/client";
import type { DatasetManifest } from "@/lib/dataset-format";

/** When a dataset job has written every shard: the dataset is ready at `dir`; returns its size in bytes. */
export async function markDatasetReady(datasetId: string, dir: string, manifest: DatasetManifest): Promise<number> {
  const bytes = manifest.shards.reduce((s, sh) => s + sh.bytes, manifest.users.bytes + manifest.items.bytes);
  await db.dataset.update({
    where: { id: datasetId },
    data: {
      status: "ready",
      storagePath: dir,
      manifest: manifest as unknown as Prisma.InputJsonValue,
      requests: manifest.summary.requests,
      bytes,
      finishedAt: new Date(),
      error: null,
    },
  });
  return bytes;
}
