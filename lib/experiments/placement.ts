import type { Prisma } from "@prisma/client";
import type { BucketRange, ExperimentPlacement } from "@/lib/assignment";

type ExperimentWithArms = Prisma.ExperimentGetPayload<{ include: { arms: true } }>;

/** The assignment view of a stored experiment (arms in their stored order). */
export function toPlacement(e: ExperimentWithArms): ExperimentPlacement {
  const arms = [...e.arms].sort((a, b) => a.position - b.position);
  return {
    key: e.key,
    seed: e.hashSeed,
    coverage: e.coverage,
    layerBuckets: e.layerBuckets as unknown as BucketRange[],
    arms: arms.map((a) => ({
      key: a.key,
      ...(a.weight !== null ? { weight: a.weight } : {}),
      ...(a.ranges !== null ? { ranges: a.ranges as unknown as BucketRange[] } : {}),
    })),
  };
}
