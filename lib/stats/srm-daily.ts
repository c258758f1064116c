/**
 * Sample-ratio mismatch per day and overall. Each day's users (those first exposed that day) get
 * their own chi-square test; with many days some small p-value is expected by chance, so a day is
 * flagged only when its Holm-adjusted p-value (across the days) is below the threshold, which
 * keeps the chance of any false daily alarm at the threshold however long the experiment runs.
 * The overall test is separate (it is the one the lifts depend on) and flagged on its own.
 */
import { holmAdjust } from "@/lib/stats/holm";
import { SRM_THRESHOLD, type SrmResult, srmTest } from "@/lib/stats/srm";

export interface DailyCounts {
  date: string;
  /** Users first exposed that day, per arm (same order as shares). */
  observed: readonly number[];
}

export interface DailySrm extends SrmResult {
  date: string;
  /** Holm-adjusted across days. */
  adjustedPValue: number;
  flagged: boolean;
}

export interface SrmHealth {
  overall: SrmResult;
  days: DailySrm[];
  /** No alarm overall nor on any day. */
  ok: boolean;
}

export function srmByDay(
  days: readonly DailyCounts[],
  shares: readonly number[],
  threshold = SRM_THRESHOLD,
): SrmHealth {
  const overallCounts = shares.map((_, i) => days.reduce((s, d) => s + d.observed[i], 0));
  const overall = srmTest(overallCounts, shares, threshold);
  const tests = days.map((d) => srmTest(d.observed, shares, threshold));
  const adjusted = holmAdjust(tests.map((t) => t.pValue));
  const daily = days.map((d, i) => {
    const adjustedPValue = adjusted[i] as number;
    return { ...tests[i], date: d.date, adjustedPValue, flagged: adjustedPValue < threshold };
  });
  return { overall, days: daily, ok: overall.ok && daily.every((d) => !d.flagged) };
}
