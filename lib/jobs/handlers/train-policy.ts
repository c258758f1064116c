import type { Prisma } from "@prisma/client";
import { db } from "@/lib/db/client";
import { getDataset } from "@/lib/dataset-store/get-dataset";
import { defaultFixedAction } from "@/lib/dataset-store/behaviour-policy";
import { openDataset } from "@/lib/dataset-format";
import { DEFAULT_ACTION_BOUNDS, normalizeAction } from "@/lib/fusion";
import { PermanentJobError, type JobContext, type JobHandler } from "@/lib/jobs/define-job";
import { savedPolicyOf } from "@/lib/policies/load-saved-policy";
import { rlType, type TrainPolicyInput } from "@/lib/policies/policy-input";
import { presetConfigs } from "@/lib/policies/presets";
import {
  datasetLogSource,
  heldOutValidation,
  parseFixedConfig,
  parseProgressiveConfig,
  promotionGate,
  saveFixedPolicy,
  trainOffline,
  trainProgressive,
  tuneFixedAction,
  type GateDecision,
  type SavedPolicy,
  type TrainingProgress,
} from "@/lib/rl";
import { findScenario } from "@/lib/scenarios/scenario-service";
import { FixedFusionPolicy, parseScenario, World } from "@/lib/simulator";
import { loadTf } from "@/lib/tf/backend";

type CurvePoint = Record<string, number | string>;

/** Progress reports become the version's training curve (and the job's live progress). */
function curveRecorder(ctx: JobContext) {
  const curve: CurvePoint[] = [];
  // Progress writes are chained, not fired side by side: otherwise an earlier message (e.g. "collecting")
  // can land after a later one and stay on the finished job.
  let writes: Promise<void> = Promise.resolve();
  const report = (fraction: number, message: string, point: CurvePoint) => {
    curve.push(point);
    writes = writes.then(() => ctx.progress(Math.min(0.95, fraction), message)).catch(() => {});
  };
  return { curve, report, flushed: () => writes };
}

/** A gate decision as flat curve fields (the UI charts them). */
function gatePoint(gate: GateDecision): CurvePoint {
  const point: CurvePoint = {
    candidate: gate.objective.behaviourMean + gate.objective.difference,
    incumbent: gate.objective.behaviourMean,
    difference: gate.objective.difference,
    lower: gate.objective.ci[0],
    upper: gate.objective.ci[1],
    gateSessions: gate.sessions,
  };
  for (const g of gate.guardrails) point[`${g.metric}Relative`] = g.relative;
  return point;
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;
const gateSummary = ({ objective: o, reason }: GateDecision) =>
  `reward ${signed(o.difference)} [${signed(o.ci[0])}, ${signed(o.ci[1])}] vs behaviour: ${reason}`;

function rlProgress(p: TrainingProgress, rounds: number): [number, string, CurvePoint] {
  if (p.phase === "collect")
    return [(p.round - 1) / rounds, `round ${p.round}/${rounds}: collecting ${p.requests} requests`, { ...p }];
  if (p.phase === "train") {
    const losses = Object.fromEntries(Object.entries(p.losses).map(([k, v]) => [k, Number(v)]));
    return [
      (p.round - 1 + (0.2 + (0.7 * p.step) / p.steps)) / rounds,
      `round ${p.round}/${rounds}: step ${p.step}/${p.steps}`,
      { phase: "train", round: p.round, step: p.step, ...losses },
    ];
  }
  const promoted = p.promoted ? " (promoted)" : "";
  const message = `round ${p.round}/${rounds}, step ${p.step}: ${gateSummary(p.gate)}${promoted}`;
  return [
    p.round / rounds,
    message,
    { phase: "evaluate", round: p.round, step: p.step, ...gatePoint(p.gate), promoted: p.promoted ? 1 : 0 },
  ];
}

/**
 * The policy a run improves on: the parent version if given, else the platform's default fixed
 * policy — never the centre of the action box by accident.
 */
async function behaviourOf(parent: SavedPolicy | undefined): Promise<{ saved: SavedPolicy; label: string }> {
  if (parent) return { saved: parent, label: "parent version" };
  const { action, label } = await defaultFixedAction();
  return { saved: saveFixedPolicy(action, DEFAULT_ACTION_BOUNDS), label };
}

/**
 * The `train-policy` job: tunes a fixed policy (CEM) or trains a user-state / Enhanced-State RL
 * policy (progressive rounds in the scenario, or offline on a logged dataset), then registers the
 * result as the policy's next version in ONE transaction — a failed or cancelled run leaves no
 * version behind. Simulator runs start from the behaviour they improve on and go through the
 * promotion gate (lib/rl/promotion-gate.ts); a run that improves nothing registers a version that
 * acts exactly like that behaviour, with `improved: false` in its metrics.
 */
export const runTraining: JobHandler<TrainPolicyInput> = async (input, ctx) => {
  const scenario = await findScenario(input.scenario).catch(() => {
    throw new PermanentJobError(`no scenario "${input.scenario}"`);
  });
  const existing = await db.policy.findUnique({ where: { key: input.policy } });
  if (existing && existing.type !== input.type)
    throw new PermanentJobError(`policy "${input.policy}" is ${existing.type}, not ${input.type}`);
  const parent = input.parentVersionId ? await savedPolicyOf(input.parentVersionId) : null;
  const preset = presetConfigs(input.type, input.preset);
  const agentConfig: Record<string, unknown> = { seed: input.seed, ...preset.agent, ...input.agentConfig };
  const trainingConfig: Record<string, unknown> = { seed: input.seed, ...preset.training, ...input.trainingConfig };
  const world = new World(parseScenario(scenario.config), input.seed);
  const behaviour = await behaviourOf(parent?.saved);
  await ctx.log(`improving on ${behaviour.label}${behaviour.saved.type === "fixed" ? " (fixed)" : ""}`);
  const { curve, report, flushed } = curveRecorder(ctx);
  const started = Date.now();
  let saved: SavedPolicy;
  let metrics: Record<string, unknown>;
  let datasetIds: string[] = [];

  if (input.type === "fixed") {
    const config = parseFixedConfig(agentConfig);
    const gateConfig = parseProgressiveConfig(trainingConfig);
    if (behaviour.saved.type !== "fixed")
      throw new PermanentJobError("a fixed policy can only continue from a fixed version");
    const start = behaviour.saved.action;
    const behaviourPolicy = new FixedFusionPolicy(start, "behaviour");
    const tuned = await tuneFixedAction({
      world,
      config,
      initial: normalizeAction(start),
      behaviour: behaviourPolicy,
      signal: ctx.signal,
      onProgress: (p) =>
        report(p.iteration / p.iterations, `CEM iteration ${p.iteration}/${p.iterations}: best ${p.best.toFixed(3)}`, {
          ...p,
        }),
    });
    const validate = heldOutValidation(world, gateConfig);
    const gate = promotionGate(
      await validate(new FixedFusionPolicy(tuned.action), "cem"),
      await validate(behaviourPolicy, "cem"),
      {
        alpha: gateConfig.gateAlpha,
        comparisons: 1,
        guardrails: config.guardrails,
      },
    );
    report(1, `promotion gate: ${gateSummary(gate)}`, {
      phase: "evaluate",
      round: 1,
      step: config.iterations,
      ...gatePoint(gate),
      promoted: gate.promoted ? 1 : 0,
    });
    saved = gate.promoted ? saveFixedPolicy(tuned.action, DEFAULT_ACTION_BOUNDS) : behaviour.saved;
    metrics = {
      objective: tuned.history.at(-1)?.best ?? null,
      iterations: tuned.history.length,
      improved: gate.promoted,
      gate: gateSummary(gate),
    };
  } else {
    const { tf, backend } = await loadTf((m) => void ctx.log(m));
    const type = rlType(input.type);
    if (input.datasetId) {
      const dataset = await getDataset(input.datasetId);
      if (dataset.status !== "ready" || !dataset.storagePath)
        throw new PermanentJobError(`dataset ${input.datasetId} is not ready`);
      datasetIds = [dataset.id];
      const steps = Number(trainingConfig.stepsPerRound ?? 2000);
      const trained = await trainOffline({
        tf,
        type,
        agentConfig,
        parent: behaviour.saved,
        source: datasetLogSource(await openDataset(dataset.storagePath)),
        steps,
        signal: ctx.signal,
        onProgress: (p) => report(...rlProgress(p, 1)),
      });
      saved = trained.saved;
      metrics = { backend, mode: "offline", steps };
    } else {
      const rounds = Number(trainingConfig.rounds ?? 4);
      const trained = await trainProgressive({
        tf,
        type,
        world,
        config: trainingConfig,
        agentConfig,
        behaviour: behaviour.saved,
        signal: ctx.signal,
        onProgress: (p) => report(...rlProgress(p, rounds)),
      });
      trained.model?.dispose();
      saved = trained.saved;
      metrics = {
        backend,
        mode: "progressive",
        improved: trained.improved,
        promotedRound: trained.promotedRound,
        rounds: trained.rounds.map((r) => ({
          round: r.round,
          requests: r.requests,
          promoted: r.promoted,
          promotedStep: r.promotedStep,
          gate: gateSummary(r.gate),
        })),
      };
    }
  }
  await flushed();
  ctx.signal.throwIfAborted();
  metrics = { ...metrics, trainingSeconds: Math.round((Date.now() - started) / 100) / 10 };

  const version = await db.$transaction(async (tx) => {
    const policy =
      existing ??
      (await tx.policy.upsert({
        where: { key: input.policy },
        update: {},
        create: { key: input.policy, name: input.name ?? input.policy, type: input.type },
      }));
    const last = await tx.policyVersion.findFirst({
      where: { policyId: policy.id },
      orderBy: { version: "desc" },
      select: { version: true },
    });
    return tx.policyVersion.create({
      data: {
        policyId: policy.id,
        version: (last?.version ?? 0) + 1,
        status: "ready",
        config: {
          preset: input.preset,
          scenario: scenario.key,
          seed: input.seed,
          agentConfig,
          trainingConfig,
          ...(saved.type === "fixed" ? { action: saved.action } : {}),
        } as Prisma.InputJsonValue,
        weights: Buffer.from(JSON.stringify(saved), "utf8"),
        metrics: metrics as Prisma.InputJsonValue,
        trainingCurve: curve as Prisma.InputJsonValue,
        datasetIds,
        parentVersionId: input.parentVersionId ?? null,
        jobId: ctx.jobId,
      },
    });
  });
  await ctx.log(`registered ${input.policy} v${version.version} (${version.id})`);
  return { policyVersionId: version.id, version: version.version, ...metrics };
};
