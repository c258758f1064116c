import type { Prisma } from "@prisma/client";
import { allocationIssues, rampDiff, type BucketRange } from "@/lib/assignment";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { planName, toDbPlan } from "@/lib/experiments/analysis-plan";
import { armRows } from "@/lib/experiments/arm-rows";
import { assertBucketsFree, lockLayer } from "@/lib/experiments/bucket-conflicts";
import { patchExperimentInput, type PatchExperimentInput } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { assertLaunchGate } from "@/lib/experiments/launch-gate";
import { toPlacement } from "@/lib/experiments/placement";
import { experimentInclude, serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { assertExperimentMetrics } from "@/lib/metrics/metric-catalogue";
import { parseInput } from "@/lib/validation";

/** What may change once an experiment has started: ramping (coverage, layer buckets) and wording. */
const RUNNING_FIELDS = new Set<keyof PatchExperimentInput>([
  "coverage",
  "layerBuckets",
  "name",
  "hypothesis",
  "webhookUrl",
  "override",
]);

/**
 * Draft: everything. Running: ramping only, and only when no user would move from one arm to
 * another (users may enter or leave); a ramp that brings users into a treatment passes the launch
 * gate again (arms and their versions cannot change while running). Stopped: nothing but wording.
 */
export async function updateExperiment(actor: Actor, ref: string, raw: unknown) {
  const patch = parseInput(patchExperimentInput, raw, "experiment change");
  const current = await findExperiment(ref);
  if (patch.primaryMetric !== undefined || patch.guardrailMetrics !== undefined)
    await assertExperimentMetrics(patch.primaryMetric, patch.guardrailMetrics);
  const fields = Object.keys(patch) as (keyof PatchExperimentInput)[];
  if (current.status === "running") {
    const locked = fields.filter((f) => !RUNNING_FIELDS.has(f));
    if (locked.length)
      throw new AppError(
        "conflict",
        `a running experiment only changes coverage, layerBuckets, name and hypothesis ` +
          `(not ${locked.join(", ")}); stop it and create a new one`,
      );
  }
  if (current.status === "stopped" && fields.some((f) => f !== "name" && f !== "hypothesis" && f !== "webhookUrl")) {
    throw new AppError("conflict", "a stopped experiment cannot change its allocation");
  }
  const plan = patch.analysisPlan ?? planName(current.analysisPlan);
  const plannedUsers = patch.plannedUsers !== undefined ? patch.plannedUsers : current.plannedUsers;
  if (plan === "fixedHorizon" && plannedUsers == null)
    throw new AppError("bad_request", "a fixed-horizon plan needs its planned users", [
      { path: "plannedUsers", message: "is required by a fixed-horizon plan" },
    ]);
  const guardrails = patch.guardrailMetrics ?? current.guardrailMetrics;
  const strayHarm = Object.keys(patch.guardrailHarm ?? {}).find((k) => !guardrails.includes(k));
  if (strayHarm)
    throw new AppError("bad_request", `"${strayHarm}" is not a guardrail of this experiment`, [
      { path: `guardrailHarm.${strayHarm}`, message: "is not a guardrail of this experiment" },
    ]);
  const arms = patch.arms;
  // The merged allocation must obey the same rules as a new one (e.g. coverage vs explicit ranges).
  const merged = { coverage: patch.coverage ?? current.coverage, arms: arms ?? toPlacement(current).arms };
  const issues = allocationIssues(merged);
  if (issues.length)
    throw new AppError(
      "bad_request",
      `invalid allocation: ${issues[0]}`,
      issues.map((message) => ({ path: "arms", message })),
    );

  let launchGate: Awaited<ReturnType<typeof assertLaunchGate>> | null = null;
  return db.$transaction(async (tx) => {
    await lockLayer(tx, current.layerId);
    const before = serializeExperiment(current);
    const layerBuckets = patch.layerBuckets ?? (current.layerBuckets as unknown as BucketRange[]);
    if (current.status === "running") {
      if (patch.layerBuckets) await assertBucketsFree(tx, current.layerId, layerBuckets, current.id);
      const from = toPlacement(current);
      const diff = rampDiff(current.layer.key, current.hashSeed, from, {
        ...from,
        coverage: patch.coverage ?? from.coverage,
        layerBuckets,
      });
      if (!diff.safe)
        throw new AppError(
          "conflict",
          `this change would move ${(diff.switchArms * 100).toFixed(2)}% of users between arms`,
        );
      const treatments = new Set(current.arms.filter((a) => !a.isControl).map((a) => a.key));
      if (diff.arms.some((a) => treatments.has(a.key) && a.enter > 0))
        launchGate = await assertLaunchGate(current, patch.override, "ramp up");
    }
    const data: Prisma.ExperimentUpdateInput = {
      name: patch.name,
      hypothesis: patch.hypothesis,
      type: patch.type,
      primaryMetric: patch.primaryMetric,
      guardrailMetrics: patch.guardrailMetrics,
      coverage: patch.coverage,
      attributionWindowDays: patch.attributionWindowDays,
      layerBuckets: patch.layerBuckets ? layerBuckets : undefined,
      analysisPlan: patch.analysisPlan ? toDbPlan(patch.analysisPlan) : undefined,
      plannedUsers: patch.plannedUsers,
      minUsersPerArm: patch.minUsersPerArm,
      minEventsPerArm: patch.minEventsPerArm,
      guardrailHarm: patch.guardrailHarm,
      webhookUrl: patch.webhookUrl,
    };
    if (arms) {
      await tx.arm.deleteMany({ where: { experimentId: current.id } });
      data.arms = { create: await armRows(tx, arms) };
    }
    const e = await tx.experiment.update({ where: { id: current.id }, data, include: experimentInclude });
    const after = serializeExperiment(e);
    await recordAudit(tx, actor, {
      action: current.status === "running" ? "experiment.ramp" : "experiment.update",
      entityType: "Experiment",
      entityId: e.id,
      before,
      after: launchGate ? { ...after, launchGate } : after,
    });
    return after;
  });
}
