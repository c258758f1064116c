import type { Prisma } from "@prisma/client";
import { armBucketRanges } from "@/lib/assignment";
import { planName } from "@/lib/experiments/analysis-plan";
import { toPlacement } from "@/lib/experiments/placement";

export type ExperimentRow = Prisma.ExperimentGetPayload<{ include: { arms: true; layer: true } }>;

export const experimentInclude = { arms: { orderBy: { position: "asc" } }, layer: true } as const;

/** The API's view of an experiment (docs/architecture.md §9), with each arm's exact share of the hash space. */
export function serializeExperiment(e: ExperimentRow) {
  const placement = toPlacement(e);
  const hashRanges = armBucketRanges(placement);
  return {
    id: e.id,
    key: e.key,
    name: e.name,
    hypothesis: e.hypothesis,
    layer: e.layer.key,
    hashSeed: e.hashSeed,
    type: e.type,
    status: e.status,
    primaryMetric: e.primaryMetric,
    guardrailMetrics: e.guardrailMetrics,
    coverage: e.coverage,
    /** Days from a user's first exposure during which their events count; null: until the stop. */
    attributionWindowDays: e.attributionWindowDays,
    layerBuckets: placement.layerBuckets,
    analysisPlan: planName(e.analysisPlan),
    plannedUsers: e.plannedUsers,
    minUsersPerArm: e.minUsersPerArm,
    minEventsPerArm: e.minEventsPerArm,
    guardrailHarm: e.guardrailHarm as Record<string, number>,
    webhookUrl: e.webhookUrl,
    startedAt: e.startedAt?.toISOString() ?? null,
    stoppedAt: e.stoppedAt?.toISOString() ?? null,
    /** Recorded when it was stopped; null before (and for experiments stopped before decisions were recorded). */
    decision: e.decision ? { decision: e.decision, arm: e.decisionArm, note: e.decisionNote } : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    arms: e.arms.map((a, i) => ({
      key: a.key,
      name: a.name,
      control: a.isControl,
      policyVersionId: a.policyVersionId,
      weight: a.weight,
      ranges: a.ranges,
      hashRanges: hashRanges[i],
      /** Set when the guardrail job stopped the arm: its users get the control's policy since. */
      stoppedAt: a.stoppedAt?.toISOString() ?? null,
      stopReason: a.stopReason,
    })),
  };
}
