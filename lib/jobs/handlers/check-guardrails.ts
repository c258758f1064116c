import type { Experiment, Arm } from "@prisma/client";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { monitorActions, type MonitorAction } from "@/lib/experiments/auto-stop-decision";
import { experimentVerdict } from "@/lib/experiments/experiment-verdict";
import type { JobContext, JobHandler } from "@/lib/jobs/define-job";
import type { GuardrailCheckPayload } from "@/lib/jobs/registry";
import { queueWebhook } from "@/lib/webhooks/queue-webhook";

type MonitoredExperiment = Experiment & { arms: Arm[] };

type Enqueue = JobContext["enqueue"];

async function stopArm(enqueue: Enqueue, e: MonitoredExperiment, action: Extract<MonitorAction, { kind: "stopArm" }>) {
  const arm = e.arms.find((a) => a.key === action.arm)!;
  const stoppedAt = new Date();
  const guardrail = {
    metric: action.guardrail.metric,
    relativeChange: action.guardrail.relativeChange,
    interval: action.guardrail.interval?.relative ?? null,
    allowedHarm: action.guardrail.allowedHarm,
  };
  const stopped = await db.$transaction(async (tx) => {
    // Conditional, so two workers checking at once stop (and announce) an arm once.
    const { count } = await tx.arm.updateMany({
      where: { id: arm.id, stoppedAt: null },
      data: { stoppedAt, stopReason: action.reason },
    });
    if (count === 0) return false;
    // Touching the experiment is what tells every web process's serving snapshot to rebuild.
    await tx.experiment.update({ where: { id: e.id }, data: { updatedAt: stoppedAt } });
    await recordAudit(tx, SYSTEM_ACTOR, {
      action: "experiment.arm.autostop",
      entityType: "Experiment",
      entityId: e.id,
      before: { arms: [{ key: arm.key, stoppedAt: null }] },
      after: { arms: [{ key: arm.key, stoppedAt, stopReason: action.reason }], guardrail },
    });
    return true;
  });
  if (stopped)
    await queueWebhook(enqueue, e, "experiment.arm_stopped", {
      arm: arm.key,
      stoppedAt: stoppedAt.toISOString(),
      reason: action.reason,
      guardrail,
      servedNow: "control policy",
    });
  return stopped;
}

async function announceVerdict(
  enqueue: Enqueue,
  e: MonitoredExperiment,
  action: Extract<MonitorAction, { kind: "announceVerdict" }>,
) {
  const { count } = await db.arm.updateMany({
    where: { experimentId: e.id, key: action.arm, verdict: null },
    data: { verdict: action.verdict, verdictAt: new Date() },
  });
  if (count > 0)
    await queueWebhook(enqueue, e, "experiment.verdict", {
      arm: action.arm,
      verdict: action.verdict,
      reason: action.reason,
    });
  return count > 0;
}

/**
 * The `check-guardrails` job (scheduled every FUSIONLAB_GUARDRAIL_CHECK_SECONDS): re-analyses every
 * running experiment (or one), stops treatment arms whose guardrail shows harm by the sequential
 * test and announces first decisive verdicts. One experiment's failure does not stop the others.
 */
export const runGuardrailCheck: JobHandler<GuardrailCheckPayload> = async (payload, ctx) => {
  const experiments = await db.experiment.findMany({
    where: { status: "running", ...(payload.experimentId ? { id: payload.experimentId } : {}) },
    include: { arms: { orderBy: { position: "asc" } } },
  });
  const stopped: string[] = [];
  const verdicts: string[] = [];
  const failed: string[] = [];
  for (const e of experiments) {
    ctx.signal.throwIfAborted();
    try {
      const report = await experimentVerdict(e);
      const actions = monitorActions(
        report,
        e.arms.map((a) => ({ key: a.key, control: a.isControl, stopped: a.stoppedAt !== null, announced: a.verdict })),
      );
      for (const action of actions) {
        if (action.kind === "stopArm" && (await stopArm(ctx.enqueue, e, action))) {
          stopped.push(`${e.key}/${action.arm}`);
          await ctx.log(`stopped ${e.key}/${action.arm}: ${action.reason}`, "warn");
        }
        if (action.kind === "announceVerdict" && (await announceVerdict(ctx.enqueue, e, action)))
          verdicts.push(`${e.key}/${action.arm}: ${action.verdict}`);
      }
    } catch (err) {
      failed.push(e.key);
      await ctx.log(`${e.key}: ${(err as Error).message}`, "error");
    }
  }
  return { checked: experiments.length, stopped, verdicts, failed };
};
