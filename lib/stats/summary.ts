/**
 * Per-arm estimates from sufficient statistics (so that SQL aggregates suffice; no per-user rows).
 * The unit is the user: a mean metric averages one value per user; a ratio metric divides the sum
 * of a per-user numerator by the sum of a per-user denominator (e.g. plays per session).
 */

/** Σy and Σy² over n users. */
export interface MeanStats {
  n: number;
  sum: number;
  sumSq: number;
}

/** Per-user numerator x and denominator y: Σx, Σy, Σx², Σy², Σxy over n users. */
export interface RatioStats {
  n: number;
  sumX: number;
  sumY: number;
  sumX2: number;
  sumY2: number;
  sumXY: number;
}

export type MetricStats = MeanStats | RatioStats;

/** A per-arm point estimate and the variance of that estimator (s²/n for a mean). */
export interface Estimate {
  n: number;
  mean: number;
  variance: number;
}

/** Unbiased sample covariance from sums; NaN below two users. */
export function sampleCovariance(n: number, sumX: number, sumY: number, sumXY: number): number {
  return n < 2 ? NaN : (sumXY - (sumX * sumY) / n) / (n - 1);
}

/** Unbiased sample variance from sums, clamped at 0 where rounding of the Σ-formula goes negative. */
export function sampleVariance(n: number, sum: number, sumSq: number): number {
  return Math.max(0, sampleCovariance(n, sum, sum, sumSq));
}

export function meanEstimate({ n, sum, sumSq }: MeanStats): Estimate {
  return { n, mean: n > 0 ? sum / n : NaN, variance: sampleVariance(n, sum, sumSq) / n };
}

/**
 * Ratio of sums R = Σx/Σy with the delta-method variance over users:
 * Var(R) ≈ (s²ₓ − 2R·sₓᵧ + R²·s²ᵧ) / (n·ȳ²).
 */
export function ratioEstimate(s: RatioStats): Estimate {
  const r = s.sumX / s.sumY;
  const yBar = s.sumY / s.n;
  const sxx = sampleVariance(s.n, s.sumX, s.sumX2);
  const syy = sampleVariance(s.n, s.sumY, s.sumY2);
  const sxy = sampleCovariance(s.n, s.sumX, s.sumY, s.sumXY);
  return { n: s.n, mean: r, variance: Math.max(0, sxx - 2 * r * sxy + r * r * syy) / (s.n * yBar * yBar) };
}

export function metricEstimate(stats: MetricStats): Estimate {
  return "sumX" in stats ? ratioEstimate(stats) : meanEstimate(stats);
}
