import { Prisma } from "@prisma/client";
import { BUCKET_COUNT } from "@/lib/assignment";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { toDbPlan } from "@/lib/experiments/analysis-plan";
import { armRows } from "@/lib/experiments/arm-rows";
import { assertBucketsFree, lockLayer } from "@/lib/experiments/bucket-conflicts";
import { createExperimentInput } from "@/lib/experiments/experiment-input";
import { experimentInclude, serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { assertExperimentMetrics } from "@/lib/metrics/metric-catalogue";
import { parseInput } from "@/lib/validation";

/** Creates a draft experiment. Without layerBuckets it takes the whole layer, which must then be free. */
export async function createExperiment(actor: Actor, raw: unknown) {
  const input = parseInput(createExperimentInput, raw, "experiment");
  await assertExperimentMetrics(input.primaryMetric, input.guardrailMetrics);
  const layer = await db.layer.findUnique({ where: { key: input.layer } });
  if (!layer)
    throw new AppError("unprocessable", `no layer "${input.layer}"`, [{ path: "layer", message: "no such layer" }]);
  const layerBuckets = input.layerBuckets ?? [[0, BUCKET_COUNT] as [number, number]];
  try {
    return await db.$transaction(async (tx) => {
      await lockLayer(tx, layer.id);
      await assertBucketsFree(tx, layer.id, layerBuckets);
      const e = await tx.experiment.create({
        data: {
          key: input.key,
          name: input.name,
          hypothesis: input.hypothesis,
          type: input.type,
          layerId: layer.id,
          hashSeed: input.hashSeed ?? input.key,
          primaryMetric: input.primaryMetric,
          guardrailMetrics: input.guardrailMetrics.filter((m) => m !== input.primaryMetric),
          coverage: input.coverage,
          attributionWindowDays: input.attributionWindowDays ?? null,
          layerBuckets,
          analysisPlan: toDbPlan(input.analysisPlan),
          plannedUsers: input.plannedUsers ?? null,
          minUsersPerArm: input.minUsersPerArm,
          minEventsPerArm: input.minEventsPerArm,
          guardrailHarm: input.guardrailHarm,
          webhookUrl: input.webhookUrl ?? null,
          createdById: actor.kind === "user" ? actor.userId : null,
          arms: { create: await armRows(tx, input.arms) },
        },
        include: experimentInclude,
      });
      const view = serializeExperiment(e);
      await recordAudit(tx, actor, {
        action: "experiment.create",
        entityType: "Experiment",
        entityId: e.id,
        after: view,
      });
      return view;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError("conflict", `an experiment with key "${input.key}" already exists`, [
        { path: "key", message: "is taken" },
      ]);
    }
    throw err;
  }
}
