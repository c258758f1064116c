/**
 * Relative lift of a treatment over control, Δ = ȳT/ȳC − 1, with the delta-method variance
 * Var(ȳT)/ȳC² + Var(ȳC)·ȳT²/ȳC⁴ and Welch–Satterthwaite degrees of freedom taken over those two
 * components; two-sided Welch t interval and p-value.
 */
import type { Estimate } from "@/lib/stats/summary";
import { tCdf, tQuantile } from "@/lib/stats/student-t";

export type Interval = [lo: number, hi: number];

export interface LiftResult {
  lift: number;
  se: number;
  df: number;
  ci: Interval;
  pValue: number;
}

/** Null when the lift is not estimable: fewer than two users in an arm, or a control mean of 0. */
export function relativeLift(treatment: Estimate, control: Estimate, alpha = 0.05): LiftResult | null {
  const { mean: t, variance: vt, n: nt } = treatment;
  const { mean: c, variance: vc, n: nc } = control;
  if (nt < 2 || nc < 2 || c === 0 || ![t, c, vt, vc].every(Number.isFinite)) return null;
  const lift = t / c - 1;
  const partT = vt / (c * c);
  const partC = (vc * t * t) / (c * c * c * c);
  const se = Math.sqrt(partT + partC);
  const dfDenominator = (partT * partT) / (nt - 1) + (partC * partC) / (nc - 1);
  const df = dfDenominator > 0 ? ((partT + partC) * (partT + partC)) / dfDenominator : Infinity;
  if (se === 0) return { lift, se, df, ci: [lift, lift], pValue: lift === 0 ? 1 : 0 };
  const half = tQuantile(1 - alpha / 2, df) * se;
  return { lift, se, df, ci: [lift - half, lift + half], pValue: 2 * tCdf(-Math.abs(lift) / se, df) };
}
