/**
 * Training entry points for the worker jobs:
 *  - `trainOffline`: train an RL policy on logged data (a LogSource: a dataset on disk via
 *    `datasetLogSource`, or logs in memory) for a number of gradient steps;
 *  - `trainProgressive`: rounds of collect (simulate with the current behaviour policy + bounded
 *    exploration) → train → evaluate (simulator rollout of the trained actor vs the behaviour, on
 *    shared sessions) → promote (the trained actor becomes the next behaviour if it is better).
 * Both report progress (phase, round, step, losses) through a callback so a job can persist it,
 * and honour an AbortSignal between steps; nothing is returned (or saved) for a cancelled run.
 */
import { DEFAULT_ACTION_BOUNDS, makeActionBounds, normalizeAction, type ActionBounds } from "@/lib/fusion/action";
import { Rng } from "@/lib/random/rng";
import { withExploration } from "@/lib/simulator/reference-policies";
import type { Policy } from "@/lib/simulator/simulator-policy";
import { rollout, type RolloutResult } from "@/lib/simulator/rollout";
import { World } from "@/lib/simulator/world";
import type { ActorCriticAgent, StepLosses } from "./agent";
import { ReplayBuffer } from "./buffer";
import {
  parseEnhancedStateConfig,
  parseProgressiveConfig,
  parseUserStateConfig,
  type EnhancedStateConfig,
  type ProgressiveConfig,
  type UserStateConfig,
} from "./config";
import { EnhancedStateAgent } from "./enhanced-state";
import { StateEncoder, type EncoderJson } from "./features";
import { collectLogs, layoutOf, memoryLogSource, type LogSource } from "./logs";
import type { FusionModel } from "./models";
import type { Tf } from "./network";
import { ModelPolicy } from "./model-policy";
import { promotionGate, type GateDecision } from "./promotion-gate";
import { decodeWeights, loadPolicy, saveModel, savedCritics, type SavedPolicy } from "./saved";
import { UserStateAgent } from "./user-state";

export type RlPolicyType = "user-state" | "enhanced-state";

export type TrainingProgress =
  | { phase: "collect"; round: number; rounds: number; requests: number; behaviour: string }
  | { phase: "train"; round: number; step: number; steps: number; losses: StepLosses }
  /**
   * One validation checkpoint (`checkpoints` per round, at `step`) through the promotion gate:
   * `promoted` when it passes and beats every earlier passing checkpoint of the round, i.e. it is
   * what the round promotes so far.
   */
  | { phase: "evaluate"; round: number; step: number; gate: GateDecision; promoted: boolean };

interface AgentSpec {
  tf: Tf;
  type: RlPolicyType;
  /** The agent config of `type` (validated here; `{}` gives the defaults). */
  agentConfig?: unknown;
  /**
   * Warm start: an RL version of the same type continues training; a fixed version sets the
   * actor's starting action (callers pass the platform's default fixed policy when there is no parent).
   */
  parent: SavedPolicy;
}

const parseAgentConfig = (type: RlPolicyType, c: unknown): UserStateConfig | EnhancedStateConfig =>
  type === "user-state" ? parseUserStateConfig(c) : parseEnhancedStateConfig(c);

function createAgent(
  spec: AgentSpec,
  config: UserStateConfig | EnhancedStateConfig,
  buffer: ReplayBuffer,
): ActorCriticAgent {
  const { tf, type, parent } = spec;
  if (type === "user-state" && !buffer.hasRequestActions) {
    throw new RangeError("user-state training needs logs with one action per request (explore per request)");
  }
  const warm = parent.type === type ? parent : undefined;
  if (parent.type !== type && parent.type !== "fixed") {
    throw new RangeError(`a ${type} policy cannot continue from a ${parent.type} version`);
  }
  const encoder = warm ? StateEncoder.fromJSON(warm.encoder as EncoderJson) : buffer.fitEncoder();
  const rewardScale = warm ? warm.rewardScale : Math.max(buffer.meanListReward(), 1e-3);
  const initialAction = parent.type === "fixed" ? normalizeAction(parent.action, buffer.bounds) : undefined;
  const critics = warm && savedCritics(warm);
  if (warm?.type === "enhanced-state") {
    return new EnhancedStateAgent(tf, config as EnhancedStateConfig, encoder, buffer.bounds, rewardScale, {
      userNet: decodeWeights(warm.userNet.weights),
      actor: decodeWeights(warm.pairNet.weights),
      critics,
    });
  }
  if (warm?.type === "user-state") {
    return new UserStateAgent(tf, config, encoder, buffer.bounds, rewardScale, {
      actor: decodeWeights(warm.actor.weights),
      critics,
    });
  }
  return type === "user-state"
    ? new UserStateAgent(tf, config, encoder, buffer.bounds, rewardScale, { initialAction })
    : new EnhancedStateAgent(tf, config as EnhancedStateConfig, encoder, buffer.bounds, rewardScale, { initialAction });
}

/** Runs `steps` gradient steps on minibatches from the buffer; reports mean losses every `every` steps. */
async function trainSteps(
  agent: ActorCriticAgent,
  buffer: ReplayBuffer,
  rng: Rng,
  config: UserStateConfig,
  steps: number,
  every: number,
  report: (step: number, losses: StepLosses) => void,
  signal?: AbortSignal,
): Promise<StepLosses> {
  const encoder = agent.model.encoder;
  let sum = { critic: 0, actor: 0, penalty: 0, actorSteps: 0, steps: 0 };
  let last: StepLosses = { critic: NaN };
  for (let step = 1; step <= steps; step++) {
    signal?.throwIfAborted();
    const l = agent.trainStep(
      buffer.sample(rng, config.batchSize, encoder, agent.rewardScale, config.gamma, config.nStep),
    );
    sum.critic += l.critic;
    sum.steps++;
    if (l.actor !== undefined) {
      sum.actor += l.actor;
      sum.penalty += l.penalty ?? 0;
      sum.actorSteps++;
    }
    if (step % every === 0 || step === steps) {
      last = { critic: sum.critic / sum.steps };
      if (sum.actorSteps) {
        last.actor = sum.actor / sum.actorSteps;
        last.penalty = sum.penalty / sum.actorSteps;
      }
      report(step, last);
      sum = { critic: 0, actor: 0, penalty: 0, actorSteps: 0, steps: 0 };
      // Gradient steps are synchronous: give the event loop a turn (progress writes, cancel
      // requests, the queue's heartbeats) at every report.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return last;
}

export interface TrainedPolicy {
  model: FusionModel;
  saved: SavedPolicy;
}

export interface OfflineOptions extends AgentSpec {
  source: LogSource;
  steps: number;
  bufferCapacity?: number;
  progressEvery?: number;
  onProgress?: (p: TrainingProgress) => void;
  signal?: AbortSignal;
}

/** Trains on logged data only (a dataset): load the logs, fit, return the final actor. */
export async function trainOffline(options: OfflineOptions): Promise<TrainedPolicy> {
  const config = parseAgentConfig(options.type, options.agentConfig);
  const { source } = options;
  if (!source.bounds) throw new RangeError("RL training needs logs with fusion actions");
  const buffer = new ReplayBuffer({
    capacity: options.bufferCapacity ?? 1_000_000,
    slate: source.slate,
    layout: source.layout,
    bounds: source.bounds,
  });
  await buffer.append(source);
  options.signal?.throwIfAborted();
  const agent = createAgent(options, config, buffer);
  try {
    await trainSteps(
      agent,
      buffer,
      Rng.derive(config.seed, "train", "offline"),
      config,
      options.steps,
      options.progressEvery ?? 100,
      (step, losses) => options.onProgress?.({ phase: "train", round: 1, step, steps: options.steps, losses }),
      options.signal,
    );
    const model = agent.model.frozenCopy();
    return { model, saved: saveModel(model, config, agent.rewardScale, agent.criticWeights) };
  } finally {
    agent.dispose();
  }
}

export interface ProgressiveOptions extends Omit<AgentSpec, "parent"> {
  world: World;
  /** ProgressiveConfig input (validated here). */
  config?: unknown;
  /**
   * The policy this run improves on (the parent version, else the platform's default fixed
   * policy): round 1 explores around it, the actor starts at it (an RL version of the same type
   * continues from its weights; a fixed version sets the starting action), and it is the result
   * when no round passes the promotion gate.
   */
  behaviour: SavedPolicy;
  bounds?: ActionBounds;
  onProgress?: (p: TrainingProgress) => void;
  signal?: AbortSignal;
}

export interface RoundSummary {
  round: number;
  requests: number;
  losses: StepLosses;
  /** Gate decision of the promoted checkpoint, else of the checkpoint closest to passing. */
  gate: GateDecision;
  promoted: boolean;
  /** Step of the promoted checkpoint within the round (null when none was promoted). */
  promotedStep: number | null;
}

export interface ProgressiveResult {
  /** The trained model; null when nothing was promoted (then `saved` is the behaviour itself). */
  model: FusionModel | null;
  saved: SavedPolicy;
  rounds: RoundSummary[];
  /** Round whose actor was promoted last; null if none passed the gate. */
  promotedRound: number | null;
  /** false: no round passed the gate, and `saved` is exactly the behaviour. */
  improved: boolean;
  /** The agent as training left it (deployed actor, trained critics), promoted or not: for diagnostics. */
  final: SavedPolicy;
  config: ProgressiveConfig;
}

/**
 * The promotion gate's held-out validation for one comparison: `count` worlds with seeds of their
 * own (disjoint from the training world's and from evaluate-policy's), the same sessions for every
 * policy it runs (CRN). `label` keeps the sessions of different comparisons apart.
 */
export function heldOutValidation(
  world: World,
  config: Pick<ProgressiveConfig, "seed" | "gateWorlds" | "evalSessions" | "numEnvs">,
) {
  const worlds = Array.from(
    { length: config.gateWorlds },
    (_, i) => new World(world.scenario, `${config.seed}:gate-world:${i}`),
  );
  // One world after another: a model policy's buffers are not meant for interleaved rollouts.
  return async (policy: Policy, label: string): Promise<RolloutResult[]> => {
    const results: RolloutResult[] = [];
    for (const [i, w] of worlds.entries()) {
      results.push(
        await rollout({
          world: w,
          policy,
          sessions: config.evalSessions,
          seed: `${config.seed}:gate:${label}:${i}`,
          numEnvs: config.numEnvs,
        }),
      );
    }
    return results;
  };
}

export async function trainProgressive(options: ProgressiveOptions): Promise<ProgressiveResult> {
  const { tf, type, world, onProgress, signal } = options;
  const config = parseProgressiveConfig(options.config);
  const agentConfig = parseAgentConfig(type, options.agentConfig);
  const bounds = options.bounds ? makeActionBounds(options.bounds.centre, options.bounds.range) : DEFAULT_ACTION_BOUNDS;
  const unshown = "unshownCandidates" in agentConfig ? agentConfig.unshownCandidates : 0;
  const buffer = new ReplayBuffer({
    capacity: config.bufferCapacity,
    slate: world.scenario.session.shown,
    layout: layoutOf(world),
    bounds,
    unshown,
  });
  const rng = Rng.derive(config.seed, type, "train");
  const validate = heldOutValidation(world, config);
  const rounds: RoundSummary[] = [];
  const initial = loadPolicy(tf, options.behaviour, "behaviour");
  let behaviour = initial.policy;
  let promoted: { model: FusionModel; saved: SavedPolicy; round: number } | null = null;
  let agent: ActorCriticAgent | undefined;
  /** The actor as it started (it acts like the behaviour): where a round continues from while nothing is promoted. */
  let start: FusionModel | undefined;
  try {
    for (let round = 1; round <= config.rounds; round++) {
      signal?.throwIfAborted();
      // Enhanced-state explores per item (its actions are per item); user-state per request.
      const explorer = withExploration(behaviour, {
        noise: config.explorationNoise,
        perItem: type === "enhanced-state",
        bounds,
      });
      const { schema, logs, requests } = await collectLogs({
        world,
        policy: explorer,
        sessions: config.sessionsPerRound,
        seed: `${config.seed}:${type}:collect:${round}`,
        numEnvs: config.numEnvs,
        unshown,
      });
      await buffer.append(memoryLogSource(schema, logs));
      onProgress?.({ phase: "collect", round, rounds: config.rounds, requests, behaviour: behaviour.name });
      if (!agent) {
        agent = createAgent({ ...options, parent: options.behaviour }, agentConfig, buffer);
        start = agent.model.frozenCopy();
      }
      const trained = agent;
      // Every checkpoint and the behaviour run on the same held-out sessions (CRN); fresh sessions each round.
      const runGate = (policy: Policy) => validate(policy, `${type}:${round}`);
      const incumbent = await runGate(behaviour);
      let best: { model: FusionModel; saved: SavedPolicy; gate: GateDecision; step: number } | null = null;
      let closest: GateDecision | null = null;
      let losses: StepLosses = { critic: NaN };
      const chunk = Math.ceil(config.stepsPerRound / config.checkpoints);
      for (let done = 0; done < config.stepsPerRound;) {
        const offset = done;
        const steps = Math.min(chunk, config.stepsPerRound - done);
        losses = await trainSteps(
          trained,
          buffer,
          rng,
          agentConfig,
          steps,
          config.progressEvery,
          (step, l) =>
            onProgress?.({ phase: "train", round, step: offset + step, steps: config.stepsPerRound, losses: l }),
          signal,
        );
        done += steps;
        const gate = promotionGate(await runGate(new ModelPolicy(trained.model)), incumbent, {
          alpha: config.gateAlpha,
          comparisons: config.checkpoints,
          guardrails: config.guardrails,
        });
        const passes = gate.promoted || config.promotion === "always";
        const better = passes && (!best || gate.objective.difference > best.gate.objective.difference);
        if (!closest || gate.objective.ci[0] > closest.objective.ci[0]) closest = gate;
        onProgress?.({ phase: "evaluate", round, step: done, gate, promoted: better });
        if (better) {
          best?.model.dispose();
          const model = trained.model.frozenCopy();
          best = {
            model,
            saved: saveModel(model, agentConfig, trained.rewardScale, trained.criticWeights),
            gate,
            step: done,
          };
        }
      }
      rounds.push({
        round,
        requests,
        losses,
        gate: best?.gate ?? closest!,
        promoted: best !== null,
        promotedStep: best?.step ?? null,
      });
      if (best) {
        promoted?.model.dispose();
        promoted = { model: best.model, saved: best.saved, round };
        behaviour = new ModelPolicy(best.model, `${type}@round${round}`);
      }
      // Continue from the actor that is deployed, not from one that validated worse (the critics keep learning).
      trained.resetActor(promoted?.model ?? start!);
    }
    const final = saveModel(agent!.model, agentConfig, agent!.rewardScale, agent!.criticWeights);
    if (promoted)
      return {
        model: promoted.model,
        saved: promoted.saved,
        rounds,
        promotedRound: promoted.round,
        improved: true,
        final,
        config,
      };
    return { model: null, saved: options.behaviour, rounds, promotedRound: null, improved: false, final, config };
  } catch (err) {
    promoted?.model.dispose();
    throw err;
  } finally {
    agent?.dispose();
    start?.dispose();
    initial.model?.dispose();
  }
}
