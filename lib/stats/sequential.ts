/**
 * Always-valid (anytime) confidence intervals for the lift, so that a report looked at every day
 * keeps its error rate: the two-sided normal-mixture confidence sequence of Howard et al.
 * ("Time-uniform, nonparametric, nonasymptotic confidence sequences", 2021, eq. 14), as used by
 * GrowthBook's sequential testing. With N users in total and an estimator of variance se² = σ²/N,
 * the half-width is
 *   σ · sqrt( 2(Nρ² + 1) / (N²ρ²) · ln( sqrt(Nρ² + 1) / α ) ),
 * where the mixture scale ρ is tuned so that the boundary is tightest at N = tuning users.
 */
import type { Interval, LiftResult } from "@/lib/stats/lift";

/** GrowthBook's default: the interval is tightest around 5,000 users in the experiment. */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

export interface SequentialResult {
  ci: Interval;
  /** Always-valid p-value: the smallest α whose sequence excludes 0. */
  pValue: number;
}

/** ρ² of the mixture, tuned at level `alpha` so that the boundary is tightest at `tuning` users. */
export function mixtureRhoSquared(alpha: number, tuning: number): number {
  return (-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / tuning;
}

/**
 * The boundary in standard errors: the always-valid interval is estimate ± critical · se.
 * `level` may differ from the α the mixture was tuned at (Holm tests at α/k with one fixed ρ).
 */
export function alwaysValidCritical(nTotal: number, level: number, rhoSquared: number): number {
  const v = nTotal * rhoSquared; // Nρ²
  return Math.sqrt(((2 * (v + 1)) / v) * Math.log(Math.sqrt(v + 1) / level));
}

/** The level at which the boundary equals |z| (the mixture likelihood ratio's reciprocal), capped at 1. */
export function alwaysValidPValue(z: number, nTotal: number, rhoSquared: number): number {
  const v = nTotal * rhoSquared;
  return Math.min(1, Math.sqrt(v + 1) * Math.exp((-z * z * v) / (2 * (v + 1))));
}

/** Widens a fixed-horizon lift into an always-valid interval; nTotal = users in all compared arms. */
export function sequentialLift(
  result: LiftResult,
  nTotal: number,
  alpha: number,
  tuning = DEFAULT_SEQUENTIAL_TUNING,
): SequentialResult {
  const { lift, se } = result;
  const rhoSquared = mixtureRhoSquared(alpha, tuning);
  const half = se * alwaysValidCritical(nTotal, alpha, rhoSquared);
  const z = se > 0 ? lift / se : lift === 0 ? 0 : Infinity;
  return { ci: [lift - half, lift + half], pValue: alwaysValidPValue(z, nTotal, rhoSquared) };
}
