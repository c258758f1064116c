/**
 * The cross-entropy method over a vector in normalised units: sample a population around the
 * mean, keep the elites, refit mean and spread (smoothed). Every candidate of one iteration is
 * scored by the caller on the same sessions (common random numbers), so elites are picked on
 * differences, not on session luck. Used for the fixed action (14 numbers) and the per-item
 * linear baseline (14 × features).
 */
import { Rng } from "@/lib/random/rng";
import type { FixedConfig } from "./config";

export interface CemProgress {
  iteration: number;
  iterations: number;
  /** Objective of the best candidate and mean objective of this iteration's population. */
  best: number;
  populationMean: number;
  /** Mean standard deviation of the search distribution after the update. */
  std: number;
}

export interface CemOptions {
  dim: number;
  config: Pick<
    FixedConfig,
    "seed" | "iterations" | "population" | "eliteFraction" | "initStd" | "minStd" | "smoothing"
  >;
  /** Random stream label under the config's seed. */
  stream: string;
  /** Start of the search; default 0. */
  initial?: ArrayLike<number>;
  /** Candidates are clipped to ±limit per coordinate. */
  limit: number;
  /** Scores the population of one iteration (same sessions for all of them); higher is better. */
  score: (population: readonly Float64Array[], iteration: number) => Promise<number[]>;
  onProgress?: (p: CemProgress) => void;
  signal?: AbortSignal;
}

export async function crossEntropySearch(options: CemOptions): Promise<{ mean: Float64Array; history: CemProgress[] }> {
  const { dim, config, limit } = options;
  const rng = Rng.derive(config.seed, options.stream);
  const mean = Float64Array.from({ length: dim }, (_, d) => options.initial?.[d] ?? 0);
  const std = new Float64Array(dim).fill(config.initStd);
  const elites = Math.max(1, Math.ceil(config.population * config.eliteFraction));
  const history: CemProgress[] = [];
  for (let it = 0; it < config.iterations; it++) {
    options.signal?.throwIfAborted();
    const candidates = Array.from({ length: config.population }, () =>
      Float64Array.from(mean, (m, d) => Math.max(-limit, Math.min(limit, m + std[d] * rng.normal()))),
    );
    const scores = await options.score(candidates, it);
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const top = order.slice(0, elites).map((i) => candidates[i]);
    const keep = config.smoothing;
    for (let d = 0; d < dim; d++) {
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
      std: std.reduce((s, x) => s + x, 0) / dim,
    };
    history.push(p);
    options.onProgress?.(p);
  }
  return { mean, history };
}
