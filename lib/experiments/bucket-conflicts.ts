import type { Prisma } from "@prisma/client";
import { intersectRanges, normalizeRanges, type BucketRange } from "@/lib/assignment";
import { AppError } from "@/lib/errors";

/**
 * Serialises allocation changes within one layer (create, start, ramp) so that two concurrent
 * requests cannot both see the same buckets as free.
 */
export async function lockLayer(tx: Prisma.TransactionClient, layerId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`layer:${layerId}`}))`;
}

/** Throws 409 naming the experiment whose running allocation overlaps `ranges`. */
export async function assertBucketsFree(
  tx: Prisma.TransactionClient,
  layerId: string,
  ranges: readonly BucketRange[],
  exceptExperimentId?: string,
): Promise<void> {
  const running = await tx.experiment.findMany({
    where: { layerId, status: "running", ...(exceptExperimentId ? { id: { not: exceptExperimentId } } : {}) },
    select: { key: true, layerBuckets: true },
  });
  for (const other of running) {
    const overlap = intersectRanges(
      normalizeRanges(ranges),
      normalizeRanges(other.layerBuckets as unknown as BucketRange[]),
    );
    if (overlap.length > 0) {
      throw new AppError(
        "conflict",
        `layer buckets ${overlap.map(([s, e]) => `[${s}, ${e})`).join(", ")} belong to running experiment ` +
          `"${other.key}"`,
        [{ path: "layerBuckets", message: `overlaps running experiment "${other.key}"` }],
      );
    }
  }
}
