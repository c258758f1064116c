import type { Prisma } from "@prisma/client";
import { db } from "@/lib/db/client";
import { defaultFixedAction } from "@/lib/dataset-store/behaviour-policy";
import { getDataset } from "@/lib/dataset-store/get-dataset";
import { openDataset } from "@/lib/dataset-format";
import { mtfGauc, pairedDifference, rolloutValue, snips, VALUE_METRICS } from "@/lib/evaluation";
import { PermanentJobError, type JobHandler } from "@/lib/jobs/define-job";
import { loadVersionPolicy } from "@/lib/policies/servable-policy";
import type { EvaluatePolicyInput } from "@/lib/policies/policy-input";
import { datasetLogSource } from "@/lib/rl";
import { findScenario } from "@/lib/scenarios/scenario-service";
import { fixedPolicyConfig } from "@/lib/serving/serving-policy";
import { FixedFusionPolicy, OraclePolicy, RandomPolicy, scenarioWithUsers, type Policy } from "@/lib/simulator";

/**
 * A version as a simulator policy. Fixed versions registered by hand (the platform default among
 * them) keep only their action in `config`, without a saved-policy document.
 */
async function versionPolicy(versionId: string): Promise<{ policy: Policy; label: string }> {
  const v = await db.policyVersion.findUnique({ where: { id: versionId }, include: { policy: true } });
  if (!v) throw new PermanentJobError(`no policy version ${versionId}`);
  const label = `${v.policy.key}@${v.version}`;
  if (v.policy.type === "fixed" && !v.weights) {
    const config = fixedPolicyConfig.safeParse(v.config);
    if (!config.success) throw new PermanentJobError(`fixed policy version ${label} has no valid action`);
    return { policy: new FixedFusionPolicy(config.data.action, label), label };
  }
  return loadVersionPolicy(versionId).catch((err: Error) => {
    throw new PermanentJobError(err.message);
  });
}

/** The policy the candidate is paired with: a given version, else the platform default now. */
async function evaluationBaseline(
  versionId: string | undefined,
): Promise<{ policy: Policy; label: string; versionId: string | null }> {
  if (versionId) return { ...(await versionPolicy(versionId)), versionId };
  const d = await defaultFixedAction();
  return { policy: new FixedFusionPolicy(d.action, "default-fixed"), label: d.label, versionId: d.versionId };
}

/**
 * The `evaluate-policy` job: rollout value in the simulator over several seeds (the same seeds for
 * every policy, so differences are paired) against a baseline (the platform default, or a given
 * version such as an experiment's control), random and the oracle; and, given held-out logs,
 * MTF-GAUC and a self-normalised importance-sampling estimate. Every run is kept as an
 * OfflineEvaluation (the launch gate reads them); one against the platform default is also stored
 * on the version as its own offline evaluation.
 */
export const runEvaluation: JobHandler<EvaluatePolicyInput> = async (input, ctx) => {
  const scenario = await findScenario(input.scenario).catch(() => {
    throw new PermanentJobError(`no scenario "${input.scenario}"`);
  });
  const loaded = await versionPolicy(input.policyVersionId);
  const baseline = await evaluationBaseline(input.baselineVersionId);
  const seeds = Array.from({ length: input.seeds }, (_, i) => i + 1);
  let done = 0;
  const value = await rolloutValue({
    scenario: scenarioWithUsers(scenario.config, input.users),
    seeds,
    sessionsPerSeed: input.sessionsPerSeed,
    policies: {
      candidate: () => loaded.policy,
      baseline: () => baseline.policy,
      random: () => new RandomPolicy(),
      oracle: (w) => new OraclePolicy(w),
    },
    onProgress: () => {
      ctx.signal.throwIfAborted();
      void ctx
        .progress((0.8 * ++done) / (seeds.length * 4), `rollouts: ${done} of ${seeds.length * 4}`)
        .catch(() => {});
    },
  });
  const estimates = Object.fromEntries(Object.entries(value.policies).map(([name, v]) => [name, v.estimate]));
  const vsBaseline = Object.fromEntries(
    VALUE_METRICS.map((m) => [m, pairedDifference(value, "candidate", "baseline", m)]),
  );
  let offline: Record<string, unknown> | null = null;
  if (input.datasetId) {
    const dataset = await getDataset(input.datasetId);
    if (dataset.status !== "ready" || !dataset.storagePath)
      throw new PermanentJobError(`dataset ${input.datasetId} is not ready`);
    await ctx.progress(0.85, "MTF-GAUC and SNIPS on held-out logs");
    const dir = dataset.storagePath;
    // Each estimator streams the logs once, from its own reader.
    const source = async () => datasetLogSource(await openDataset(dir));
    offline = {
      datasetId: dataset.id,
      gauc: await mtfGauc(loaded.policy, await source()),
      snips: await snips(loaded.policy, await source()),
    };
  }
  const evaluation = {
    scenario: scenario.key,
    seeds: input.seeds,
    sessionsPerSeed: input.sessionsPerSeed,
    users: input.users ?? null,
    baseline: baseline.label,
    baselineVersionId: baseline.versionId,
    rollout: estimates,
    vsBaseline,
    offline,
    evaluatedAt: new Date().toISOString(),
  };
  const result = evaluation as unknown as Prisma.InputJsonValue;
  await db.$transaction(async (tx) => {
    await tx.offlineEvaluation.create({
      data: {
        policyVersionId: input.policyVersionId,
        baselineVersionId: baseline.versionId,
        baselineLabel: baseline.label,
        scenario: scenario.key,
        result,
        jobId: ctx.jobId,
      },
    });
    if (!input.baselineVersionId)
      await tx.policyVersion.update({ where: { id: input.policyVersionId }, data: { evaluation: result } });
  });
  return { validConsumption: estimates.candidate.validConsumption, vsBaseline: vsBaseline.validConsumption };
};
