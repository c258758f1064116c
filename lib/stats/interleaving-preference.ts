/**
 * The analysis of an interleaving experiment for one pair of policies (A, B) on one metric, from
 * per-user outcomes: a user *wins* for A when the feedback credited to A's items exceeds B's, loses
 * when it is below, ties when equal. The randomisation unit is the user, so users are the
 * observations: each contributes a preference score s = +1 / −1 / 0, and only the counts
 * (wins, losses, ties) are needed.
 *
 * - Preference share: wins / (wins + losses), the share of users with a preference who prefer A,
 *   with a Wilson score interval (the interval of the sign test) and the sign test's two-sided
 *   p-value (normal approximation with continuity correction).
 * - Verdict, read at any look: the always-valid interval (normal-mixture confidence sequence of
 *   lib/stats/sequential.ts, the one A/B reports use) on the mean preference score Δ = E[s]; A is
 *   preferred when it lies above 0, B when below, else "keep running". Δ = 0 ⇔ share = ½, so the
 *   interval on Δ maps onto the share as ½ + Δ / (2·(1 − tie share)).
 */
import { normalCdf, normalQuantile } from "@/lib/stats/normal";
import {
  alwaysValidCritical,
  alwaysValidPValue,
  DEFAULT_SEQUENTIAL_TUNING,
  mixtureRhoSquared,
} from "@/lib/stats/sequential";
import type { Interval } from "@/lib/stats/lift";

export interface PreferenceCounts {
  wins: number;
  losses: number;
  ties: number;
}

export type PreferenceVerdict = "aPreferred" | "bPreferred" | "keepRunning" | "notEnoughData";

export interface PreferenceResult extends PreferenceCounts {
  users: number;
  /** wins / (wins + losses); null with no user preferring either. */
  share: number | null;
  /** Wilson interval of the share at 1 − α. */
  shareCi: Interval | null;
  /** Sign test, two-sided. */
  pValue: number | null;
  /** Mean preference score (wins − losses) / users, and its always-valid interval. */
  delta: number;
  deltaCi: Interval | null;
  sequentialPValue: number | null;
  verdict: PreferenceVerdict;
}

export interface PreferenceOptions {
  alpha?: number;
  /** Fewer users than this: "not enough data" and nothing is tested. */
  minUsers?: number;
  tuning?: number;
}

export const DEFAULT_MIN_INTERLEAVING_USERS = 100;

export function preferenceTest(counts: PreferenceCounts, options: PreferenceOptions = {}): PreferenceResult {
  const { alpha = 0.05, minUsers = DEFAULT_MIN_INTERLEAVING_USERS, tuning = DEFAULT_SEQUENTIAL_TUNING } = options;
  const { wins, losses, ties } = counts;
  const users = wins + losses + ties;
  const decided = wins + losses;
  const z = normalQuantile(1 - alpha / 2);
  const share = decided > 0 ? wins / decided : null;
  const shareCi = decided > 0 ? wilson(wins, decided, z) : null;
  const pValue =
    decided > 0
      ? Math.min(1, 2 * (1 - normalCdf(Math.max(0, Math.abs(wins - losses) - 1) / Math.sqrt(decided))))
      : null;
  const delta = users > 0 ? (wins - losses) / users : 0;
  const base = { wins, losses, ties, users, share, shareCi, pValue, delta };
  if (users < Math.max(2, minUsers))
    return { ...base, deltaCi: null, sequentialPValue: null, verdict: "notEnoughData" };
  const variance = (decided / users - delta * delta) * (users / (users - 1));
  const se = Math.sqrt(Math.max(variance, 0) / users);
  const rho2 = mixtureRhoSquared(alpha, tuning);
  const half = se * alwaysValidCritical(users, alpha, rho2);
  // Δ lies in [−1, 1]; the normal boundary can reach past it at small n.
  const deltaCi: Interval = [Math.max(-1, delta - half), Math.min(1, delta + half)];
  const sequentialPValue = se > 0 ? alwaysValidPValue(delta / se, users, rho2) : delta === 0 ? 1 : 0;
  const verdict = deltaCi[0] > 0 ? "aPreferred" : deltaCi[1] < 0 ? "bPreferred" : "keepRunning";
  return { ...base, deltaCi, sequentialPValue, verdict };
}

function wilson(successes: number, n: number, z: number): Interval {
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
