/**
 * Tests and intervals of a treatment-vs-control pair on the linear contrast μT − r₀·μC, which
 * covers all three questions the verdicts ask: no difference (r₀ = 1, Welch's test on the absolute
 * difference), a relative change of r₀ − 1 (Fieller), and non-inferiority (r₀ = 1 − margin).
 * The relative interval is Fieller's (1954): the set of ratios r the contrast test does not reject,
 * { r : (m̂T − r·m̂C)² ≤ q²(vT + r²vC) }. Unlike the delta-method lift it is not forced to be
 * symmetric, and it excludes a relative change of 0 exactly when the difference test rejects, so
 * the verdict and the interval shown with it always agree.
 *
 * Each test has two forms: fixed-horizon (Student t with Welch–Satterthwaite df) and sequential
 * (the always-valid normal-mixture boundary of sequential.ts, valid at every look).
 */
import type { Interval } from "@/lib/stats/lift";
import type { PairEstimate } from "@/lib/stats/pair-estimate";
import { tCdf, tQuantile } from "@/lib/stats/student-t";
import { alwaysValidCritical, alwaysValidPValue, mixtureRhoSquared } from "@/lib/stats/sequential";

export type ContrastTest = { kind: "fixedHorizon" } | { kind: "sequential"; rhoSquared: number };

/** The sequential test with its mixture tuned at the family's α for `tuning` users. */
export function sequentialTest(alpha: number, tuning: number): ContrastTest {
  return { kind: "sequential", rhoSquared: mixtureRhoSquared(alpha, tuning) };
}

export interface ContrastStatistic {
  /** m̂T − r₀·m̂C. */
  estimate: number;
  se: number;
  z: number;
  /** Welch–Satterthwaite degrees of freedom of se. */
  df: number;
  /** Users in both arms (the sequential boundary's clock). */
  nTotal: number;
}

/** The statistic of H₀: μT = r₀·μC. */
export function contrastStatistic(pair: PairEstimate, r0 = 1): ContrastStatistic {
  const { treatment: t, control: c } = pair;
  const a = t.variance;
  const b = r0 * r0 * c.variance;
  const estimate = t.mean - r0 * c.mean;
  const se = Math.sqrt(a + b);
  const dfDenominator = (a * a) / t.df + (b * b) / c.df;
  const df = dfDenominator > 0 ? ((a + b) * (a + b)) / dfDenominator : t.df + c.df;
  const z = se > 0 ? estimate / se : estimate === 0 ? 0 : Math.sign(estimate) * Infinity;
  return { estimate, se, z, df, nTotal: t.n + c.n };
}

/** Two-sided p-value (always-valid for the sequential test). */
export function twoSidedPValue(stat: ContrastStatistic, test: ContrastTest): number {
  if (test.kind === "sequential") return alwaysValidPValue(stat.z, stat.nTotal, test.rhoSquared);
  return Math.min(1, 2 * tCdf(-Math.abs(stat.z), stat.df));
}

/**
 * Critical value in standard errors for a two-sided test at `level`, or a one-sided one when
 * `sides` is 1. The sequential boundary is the two-sided one either way: its one-sided crossing
 * probability is at most `level` as well (conservative, by at most a factor of two).
 */
export function criticalValue(stat: ContrastStatistic, test: ContrastTest, level: number, sides: 1 | 2 = 2): number {
  if (test.kind === "sequential") return alwaysValidCritical(stat.nTotal, level, test.rhoSquared);
  return tQuantile(1 - level / sides, stat.df);
}

/** Interval of the absolute difference m̂T − m̂C at critical value q (stat must be at r₀ = 1). */
export function differenceInterval(stat: ContrastStatistic, q: number): Interval {
  return [stat.estimate - q * stat.se, stat.estimate + q * stat.se];
}

/**
 * Fieller's interval of the relative change μT/μC − 1 at critical value q. When the control
 * estimate is itself within q standard errors of 0 the set is unbounded (the whole line, or two
 * rays, reported as the whole line): [−∞, +∞].
 */
export function fiellerLift(pair: PairEstimate, q: number): Interval {
  const { treatment: t, control: c } = pair;
  const q2 = q * q;
  const a = c.mean * c.mean - q2 * c.variance;
  if (!(a > 0)) return [-Infinity, Infinity];
  const b = t.mean * c.mean;
  const discriminant = Math.max(0, b * b - a * (t.mean * t.mean - q2 * t.variance));
  const root = Math.sqrt(discriminant);
  return [(b - root) / a - 1, (b + root) / a - 1];
}
