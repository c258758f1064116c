/**
 * Paired differences pooled over training seeds (docs/rl.md §7). Every training seed's policies are
 * evaluated on the same evaluation worlds, so the per-(seed, world) differences d_sw form a crossed
 * two-way layout: d_sw = μ + a_s + b_w + e_sw, with a training-seed effect a_s (how lucky that
 * training run was), a world effect b_w (shared by all seeds) and a residual. The pooled mean
 * d̄ = mean of all cells estimates μ for a NEW training run on NEW worlds, with
 *   Var(d̄) = σ²_a/S + σ²_b/W + σ²_e/(SW) = E[MS_seed + MS_world − MS_resid] / (SW)
 * (random-effects ANOVA without replication), and Satterthwaite's degrees of freedom. So the
 * interval includes training-seed variance — a lucky seed cannot make the pooled result look
 * certain — without throwing away the world-level pairing.
 */
import { tQuantile } from "@/lib/stats/student-t";

export interface PooledEstimate {
  mean: number;
  /** 95% interval, Student t with Satterthwaite df. */
  ci: [number, number];
  se: number;
  df: number;
  /** Variance components (method of moments, floored at 0). */
  components: { seed: number; world: number; residual: number };
}

/** cells[s][w]: the paired difference of training seed s on evaluation world w (S ≥ 2, W ≥ 2). */
export function pooledDifference(cells: readonly (readonly number[])[], alpha = 0.05): PooledEstimate {
  const S = cells.length;
  const W = cells[0]?.length ?? 0;
  if (S < 2 || W < 2 || cells.some((r) => r.length !== W))
    throw new RangeError("pooling needs at least 2 seeds × 2 worlds, all seeds on the same worlds");
  const grand = cells.flat().reduce((s, x) => s + x, 0) / (S * W);
  const seedMeans = cells.map((r) => r.reduce((s, x) => s + x, 0) / W);
  const worldMeans = Array.from({ length: W }, (_, w) => cells.reduce((s, r) => s + r[w], 0) / S);
  const msSeed = (W * seedMeans.reduce((s, m) => s + (m - grand) ** 2, 0)) / (S - 1);
  const msWorld = (S * worldMeans.reduce((s, m) => s + (m - grand) ** 2, 0)) / (W - 1);
  let ssResid = 0;
  for (let s = 0; s < S; s++)
    for (let w = 0; w < W; w++) ssResid += (cells[s][w] - seedMeans[s] - worldMeans[w] + grand) ** 2;
  const dfResid = (S - 1) * (W - 1);
  const msResid = ssResid / dfResid;
  // The unbiased combination can come out below what any single source implies; never report a
  // variance smaller than the largest mean square alone would give.
  const combined = msSeed + msWorld - msResid;
  const numerator = Math.max(combined, msSeed, msWorld, msResid);
  const variance = numerator / (S * W);
  const se = Math.sqrt(variance);
  // Satterthwaite: df of a linear combination of mean squares (the floor's own df when it binds).
  const df =
    numerator === combined
      ? combined ** 2 / (msSeed ** 2 / (S - 1) + msWorld ** 2 / (W - 1) + msResid ** 2 / dfResid)
      : numerator === msSeed
        ? S - 1
        : numerator === msWorld
          ? W - 1
          : dfResid;
  const half = se === 0 ? 0 : tQuantile(1 - alpha / 2, df) * se;
  return {
    mean: grand,
    ci: [grand - half, grand + half],
    se,
    df,
    components: {
      seed: Math.max(0, (msSeed - msResid) / W),
      world: Math.max(0, (msWorld - msResid) / S),
      residual: msResid,
    },
  };
}
