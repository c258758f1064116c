/**
 * One treatment-vs-control pair of arms, made safe for small samples. Each arm's per-user variance
 * is moderated towards the variance of both arms pooled into one sample (the variance under the
 * null of no difference) with MODERATION_DF pseudo-degrees of freedom, as in Smyth's moderated t
 * (2004): s̃² = ((n − 1)s² + d₀s₀²) / (n − 1 + d₀). With hundreds of users this changes nothing;
 * with two users whose values coincide it keeps the variance, and so the p-value, away from 0
 * while the arms differ. Works on centred moments (see moments.ts), so no Σx² cancellation.
 *
 * Metric kinds: "mean" (one value per user; CUPED with the pre-period covariate in y when asked)
 * and "ratio" (Σx/Σy over users, per-user delta-method linearisation).
 */
import { type Moments, mergeMoments } from "@/lib/stats/moments";

export type MetricKind = "mean" | "ratio";

/** Pseudo-degrees of freedom given to the pooled variance: one user's worth. */
export const MODERATION_DF = 1;

export interface ArmEstimate {
  n: number;
  /** Point estimate: the mean, CUPED-adjusted mean, or ratio of sums. */
  mean: number;
  /** Variance of that estimate (moderated per-user variance / n). */
  variance: number;
  /** Degrees of freedom of the variance: n − 1 + MODERATION_DF. */
  df: number;
}

export interface PairEstimate {
  treatment: ArmEstimate;
  control: ArmEstimate;
  /** CUPED's θ (0 when CUPED is off). */
  theta: number;
}

/** Per-user variance of the linearised value and the point estimate of one sample. */
function linearised(
  m: Moments,
  kind: MetricKind,
  theta: number,
  grandY: number,
): { mean: number; unitVariance: number } {
  if (kind === "ratio") {
    const r = m.meanX / m.meanY;
    return {
      mean: r,
      unitVariance: Math.max(0, m.m2X - 2 * r * m.cXY + r * r * m.m2Y) / ((m.n - 1) * m.meanY * m.meanY),
    };
  }
  return {
    mean: m.meanX - theta * (m.meanY - grandY),
    unitVariance: Math.max(0, m.m2X - 2 * theta * m.cXY + theta * theta * m.m2Y) / (m.n - 1),
  };
}

/**
 * Null when not estimable: fewer than two users in an arm, a ratio's denominator mean of 0, a
 * control estimate of 0 (no relative change), or non-finite input.
 */
export function pairEstimate(
  treatment: Moments,
  control: Moments,
  kind: MetricKind,
  cuped = false,
): PairEstimate | null {
  if (treatment.n < 2 || control.n < 2) return null;
  if (kind === "ratio" && (treatment.meanY === 0 || control.meanY === 0)) return null;
  const pooled = mergeMoments(treatment, control);
  // θ from within-arm (co)variances, the same for both arms, so it removes no treatment effect.
  const covariateVariance = treatment.m2Y + control.m2Y;
  const theta =
    kind === "mean" && cuped && covariateVariance > 0 ? (treatment.cXY + control.cXY) / covariateVariance : 0;
  const prior = linearised(pooled, kind, theta, pooled.meanY).unitVariance;
  const arm = (m: Moments): ArmEstimate => {
    const { mean, unitVariance } = linearised(m, kind, theta, pooled.meanY);
    const df = m.n - 1 + MODERATION_DF;
    return { n: m.n, mean, variance: ((m.n - 1) * unitVariance + MODERATION_DF * prior) / df / m.n, df };
  };
  const result = { treatment: arm(treatment), control: arm(control), theta };
  const values = [result.treatment.mean, result.treatment.variance, result.control.mean, result.control.variance];
  if (!values.every(Number.isFinite) || result.control.mean === 0) return null;
  return result;
}
