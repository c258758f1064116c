import type { Actor } from "@/lib/auth/actor";
import type { BucketRange } from "@/lib/assignment";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { assertBucketsFree, lockLayer } from "@/lib/experiments/bucket-conflicts";
import { startExperimentInput, stopExperimentInput } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { assertLaunchGate } from "@/lib/experiments/launch-gate";
import { experimentInclude, serializeExperiment } from "@/lib/experiments/serialize-experiment";

/**
 * draft → running (its buckets must be free of other running experiments, and every treatment must
 * pass the launch gate or be overridden with a reason: `{ override: { reason } }`) → stopped.
 */
export async function startExperiment(actor: Actor, ref: string, raw: unknown = {}) {
  const input = parseInput(startExperimentInput, raw ?? {});
  const current = await findExperiment(ref);
  if (current.status !== "draft")
    throw new AppError("conflict", `only a draft experiment can start (this one is ${current.status})`);
  const launchGate = await assertLaunchGate(current, input.override, "start");
  return db.$transaction(async (tx) => {
    await lockLayer(tx, current.layerId);
    await assertBucketsFree(tx, current.layerId, current.layerBuckets as unknown as BucketRange[], current.id);
    const e = await tx.experiment.update({
      where: { id: current.id, status: "draft" },
      data: { status: "running", startedAt: new Date() },
      include: experimentInclude,
    });
    await recordAudit(tx, actor, {
      action: "experiment.start",
      entityType: "Experiment",
      entityId: e.id,
      before: { status: "draft" },
      after: { status: "running", startedAt: e.startedAt, launchGate },
    });
    return serializeExperiment(e);
  });
}

/** running → stopped, recording the team's decision (ship an arm / ship nothing / rerun) and its note. */
export async function stopExperiment(actor: Actor, ref: string, raw: unknown) {
  const input = parseInput(stopExperimentInput, raw);
  const current = await findExperiment(ref);
  if (current.status !== "running")
    throw new AppError("conflict", `only a running experiment can stop (this one is ${current.status})`);
  if (input.arm && !current.arms.some((a) => a.key === input.arm)) {
    throw new AppError("bad_request", `experiment ${current.key} has no arm "${input.arm}"`, [
      { path: "arm", message: "is not an arm of this experiment" },
    ]);
  }
  const decision = { decision: input.decision, decisionArm: input.arm ?? null, decisionNote: input.note || null };
  return db.$transaction(async (tx) => {
    const e = await tx.experiment.update({
      where: { id: current.id, status: "running" },
      data: { status: "stopped", stoppedAt: new Date(), ...decision },
      include: experimentInclude,
    });
    await recordAudit(tx, actor, {
      action: "experiment.stop",
      entityType: "Experiment",
      entityId: e.id,
      before: { status: "running" },
      after: { status: "stopped", stoppedAt: e.stoppedAt, ...decision },
    });
    return serializeExperiment(e);
  });
}
