import { Prisma } from "@prisma/client";
import { freeRanges, rangesSize, type BucketRange } from "@/lib/assignment";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { createLayerInput } from "@/lib/experiments/experiment-input";
import { parseInput } from "@/lib/validation";

export async function createLayer(actor: Actor, raw: unknown) {
  const input = parseInput(createLayerInput, raw, "layer");
  try {
    return await db.$transaction(async (tx) => {
      const layer = await tx.layer.create({ data: input });
      await recordAudit(tx, actor, { action: "layer.create", entityType: "Layer", entityId: layer.id, after: input });
      return layer;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError("conflict", `a layer with key "${input.key}" already exists`, [
        { path: "key", message: "is taken" },
      ]);
    }
    throw err;
  }
}

/** Layers with who owns which of their 10,000 buckets (running and draft experiments) and what is free. */
export async function listLayers() {
  const layers = await db.layer.findMany({
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
    include: {
      experiments: {
        where: { status: { in: ["running", "draft"] } },
        select: { id: true, key: true, status: true, layerBuckets: true, coverage: true },
      },
    },
  });
  return layers.map((l) => {
    const running = l.experiments.filter((e) => e.status === "running");
    const free = freeRanges(running.map((e) => ({ id: e.key, ranges: e.layerBuckets as unknown as BucketRange[] })));
    return {
      id: l.id,
      key: l.key,
      name: l.name,
      description: l.description,
      priority: l.priority,
      allocations: l.experiments.map((e) => ({
        experimentId: e.id,
        experiment: e.key,
        status: e.status,
        coverage: e.coverage,
        layerBuckets: e.layerBuckets as unknown as BucketRange[],
      })),
      freeBuckets: free,
      freeBucketCount: rangesSize(free),
    };
  });
}
