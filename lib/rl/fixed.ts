/**
 * The fixed-formula baseline (DESIGN §7): one fusion action for every request, tuned by the
 * cross-entropy method directly against the simulator — how ranking teams tuned fusion weights
 * before RL (offline grid/black-box search, then an A/B test). The search runs in normalised
 * action units u ∈ [−1, 1]^2K; every candidate of one iteration is scored on the same sessions
 * (common random numbers), so elites are picked on differences, not on session luck.
 */
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, denormalizeAction, type ActionBounds } from "@/lib/fusion/action";
import { Rng } from "@/lib/random/rng";
import { FixedFusionPolicy } from "@/lib/simulator/policies";
import { rollout, type RolloutResult } from "@/lib/simulator/rollout";
import type { World } from "@/lib/simulator/world";
import type { FixedConfig } from "./config";

/** The objective every trained policy maximises: mean reward per session (both groups). */
export const sessionReward = (r: RolloutResult): number => r.mean.rewardWatch + r.mean.rewardOther;

/** CEM keeps candidates strictly inside the bounds. */
const U_MAX = 0.99;

export interface CemProgress {
  iteration: number;
  iterations: number;
  /** Objective of the best candidate and mean objective of this iteration's population. */
  best: number;
  populationMean: number;
  /** Mean standard deviation of the search distribution after the update. */
  std: number;
}

export interface TuneFixedOptions {
  world: World;
  config: FixedConfig;
  bounds?: ActionBounds;
  /** Start of the search (normalised); default the centre of the bounds. */
  initial?: ArrayLike<number>;
  onProgress?: (p: CemProgress) => void;
  signal?: AbortSignal;
}

export interface TunedFixed {
  /** The tuned action (fusion units) and its normalised form. */
  action: Float64Array;
  normalised: Float64Array;
  history: CemProgress[];
}

export async function tuneFixedAction(options: TuneFixedOptions): Promise<TunedFixed> {
  const { world, config } = options;
  const bounds = options.bounds ?? DEFAULT_ACTION_BOUNDS;
  const rng = Rng.derive(config.seed, "cem");
  const mean = Float64Array.from({ length: ACTION_DIM }, (_, d) => options.initial?.[d] ?? 0);
  const std = new Float64Array(ACTION_DIM).fill(config.initStd);
  const elites = Math.max(1, Math.ceil(config.population * config.eliteFraction));
  const history: CemProgress[] = [];
  for (let it = 0; it < config.iterations; it++) {
    options.signal?.throwIfAborted();
    const candidates: Float64Array[] = [];
    const scores: number[] = [];
    for (let c = 0; c < config.population; c++) {
      const u = Float64Array.from(mean, (m, d) => Math.max(-U_MAX, Math.min(U_MAX, m + std[d] * rng.normal())));
      const r = await rollout({
        world,
        policy: new FixedFusionPolicy(denormalizeAction(u, bounds)),
        sessions: config.sessionsPerCandidate,
        numEnvs: config.numEnvs,
        seed: `${config.seed}:cem:${it}`,
      });
      candidates.push(u);
      scores.push(sessionReward(r));
    }
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const top = order.slice(0, elites).map((i) => candidates[i]);
    const keep = config.smoothing;
    for (let d = 0; d < ACTION_DIM; d++) {
      const m = top.reduce((s, u) => s + u[d], 0) / top.length;
      const v = top.reduce((s, u) => s + (u[d] - m) ** 2, 0) / top.length;
      mean[d] = keep * mean[d] + (1 - keep) * m;
      std[d] = Math.max(config.minStd, keep * std[d] + (1 - keep) * Math.sqrt(v));
    }
    const p: CemProgress = {
      iteration: it + 1,
      iterations: config.iterations,
      best: scores[order[0]],
      populationMean: scores.reduce((s, x) => s + x, 0) / scores.length,
      std: std.reduce((s, x) => s + x, 0) / ACTION_DIM,
    };
    history.push(p);
    options.onProgress?.(p);
  }
  return { action: denormalizeAction(mean, bounds), normalised: mean, history };
}
