/**
 * Centred, mergeable sufficient statistics of one arm: n, the means of x and y, and the centred
 * sums M2x = Σ(x − x̄)², M2y = Σ(y − ȳ)², Cxy = Σ(x − x̄)(y − ȳ). x is the metric (or a ratio
 * metric's numerator); y is the pre-period covariate for CUPED (or a ratio's denominator), zero
 * when unused. Variances from centred sums do not cancel catastrophically the way Σx² − (Σx)²/n
 * does for large values. Observations are added by Welford's update and partial aggregates (one
 * per day, per shard) are combined by Chan, Golub & LeVeque's pairwise merge, exactly.
 */
import { z } from "zod";

export interface Moments {
  n: number;
  meanX: number;
  meanY: number;
  m2X: number;
  m2Y: number;
  cXY: number;
}

export const momentsSchema = z.object({
  n: z.number().int().nonnegative(),
  meanX: z.number(),
  meanY: z.number().default(0),
  m2X: z.number().nonnegative(),
  m2Y: z.number().nonnegative().default(0),
  cXY: z.number().default(0),
});

export const EMPTY_MOMENTS: Readonly<Moments> = Object.freeze({ n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 });

/** Welford's update with one user's (x, y); returns a new object. */
export function addObservation(m: Moments, x: number, y = 0): Moments {
  const n = m.n + 1;
  const dx = x - m.meanX;
  const dy = y - m.meanY;
  const meanX = m.meanX + dx / n;
  const meanY = m.meanY + dy / n;
  return {
    n,
    meanX,
    meanY,
    m2X: m.m2X + dx * (x - meanX),
    m2Y: m.m2Y + dy * (y - meanY),
    cXY: m.cXY + dx * (y - meanY),
  };
}

/** The moments of the union of two disjoint sets of users (Chan, Golub & LeVeque 1979). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const dx = b.meanX - a.meanX;
  const dy = b.meanY - a.meanY;
  const f = (a.n * b.n) / n;
  return {
    n,
    meanX: a.meanX + (dx * b.n) / n,
    meanY: a.meanY + (dy * b.n) / n,
    m2X: a.m2X + b.m2X + dx * dx * f,
    m2Y: a.m2Y + b.m2Y + dy * dy * f,
    cXY: a.cXY + b.cXY + dx * dy * f,
  };
}

/**
 * From raw sums (the shape `MeanStats`/`RatioStats` carry). The cancellation of the raw form is
 * already in the input; prefer accumulating Moments directly (or SQL's var_samp/covar_samp).
 */
export function momentsFromSums(n: number, sumX: number, sumX2: number, sumY = 0, sumY2 = 0, sumXY = 0): Moments {
  if (n === 0) return { ...EMPTY_MOMENTS };
  const meanX = sumX / n;
  const meanY = sumY / n;
  return {
    n,
    meanX,
    meanY,
    m2X: Math.max(0, sumX2 - sumX * meanX),
    m2Y: Math.max(0, sumY2 - sumY * meanY),
    cXY: sumXY - sumX * meanY,
  };
}

/** Unbiased sample variance of x (NaN below two users). */
export function varianceX(m: Moments): number {
  return m.n < 2 ? NaN : m.m2X / (m.n - 1);
}
