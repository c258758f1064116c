/**
 * The fixed-formula baseline (docs/architecture.md §7): one fusion action for every request, tuned by the
 * cross-entropy method directly against the simulator — how ranking teams tuned fusion weights
 * before RL (offline grid/black-box search, then an A/B test). The search runs in normalised
 * action units u ∈ [−1, 1]^2K (lib/rl/cem.ts); with a behaviour to protect, each iteration also
 * runs it on the iteration's sessions and the objective is penalised for guardrail harm.
 */
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, denormalizeAction, type ActionBounds } from "@/lib/fusion/action";
import { FixedFusionPolicy } from "@/lib/simulator/reference-policies";
import type { Policy } from "@/lib/simulator/simulator-policy";
import { rollout, type RolloutResult } from "@/lib/simulator/rollout";
import type { World } from "@/lib/simulator/world";
import { crossEntropySearch, type CemProgress } from "./cem";
import type { FixedConfig } from "./config";
import { guardedObjective } from "./promotion-gate";

/** The objective every trained policy maximises: mean reward per session (both groups). */
export const sessionReward = (r: RolloutResult): number => r.mean.rewardWatch + r.mean.rewardOther;

/** CEM keeps candidates strictly inside the bounds. */
export const U_MAX = 0.99;

export interface GuardedSearch {
  world: World;
  config: FixedConfig;
  /** The policy whose guarded metrics candidates may not harm (run on the same sessions); none: plain reward. */
  behaviour?: Policy;
  onProgress?: (p: CemProgress) => void;
  signal?: AbortSignal;
}

/**
 * Scores a CEM population: every candidate policy (and the behaviour) on the iteration's sessions,
 * objective = reward penalised for guardrail harm against the behaviour.
 */
export function guardedScorer(search: GuardedSearch, policyOf: (u: Float64Array) => Policy) {
  const { world, config, behaviour } = search;
  return async (population: readonly Float64Array[], iteration: number): Promise<number[]> => {
    const run = (policy: Policy) =>
      rollout({
        world,
        policy,
        sessions: config.sessionsPerCandidate,
        numEnvs: config.numEnvs,
        seed: `${config.seed}:cem:${iteration}`,
      });
    const base = behaviour ? await run(behaviour) : null;
    const scores: number[] = [];
    for (const u of population)
      scores.push(guardedObjective(await run(policyOf(u)), base, config.guardrails, config.guardrailPenalty));
    return scores;
  };
}

export interface TuneFixedOptions extends GuardedSearch {
  bounds?: ActionBounds;
  /** Start of the search (normalised); default the centre of the bounds. */
  initial?: ArrayLike<number>;
}

export interface TunedFixed {
  /** The tuned action (fusion units) and its normalised form. */
  action: Float64Array;
  normalised: Float64Array;
  history: CemProgress[];
}

export async function tuneFixedAction(options: TuneFixedOptions): Promise<TunedFixed> {
  const bounds = options.bounds ?? DEFAULT_ACTION_BOUNDS;
  const { mean, history } = await crossEntropySearch({
    dim: ACTION_DIM,
    config: options.config,
    stream: "cem",
    initial: options.initial,
    limit: U_MAX,
    score: guardedScorer(options, (u) => new FixedFusionPolicy(denormalizeAction(u, bounds))),
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return { action: denormalizeAction(mean, bounds), normalised: mean, history };
}
