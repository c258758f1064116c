import type { ReportStatistics } from "@/lib/reports/report-statistics";
import { srmByDay, type SrmHealth } from "@/lib/stats";

/**
 * The report's health checks (docs/statistics.md §7): sample-ratio mismatch overall and per day,
 * what the data-quality rules left out of the analysis (users in more than one arm, events before
 * exposure, after the stop or outside the attribution window), the attribution window in force,
 * CUPED's pre-period coverage, and guardrails whose data is missing in an arm. Each problem also
 * becomes one plain sentence in `warnings`, so a reader sees at a glance what to distrust; `ok`
 * means there is none.
 */
export interface ReportHealth {
  ok: boolean;
  warnings: string[];
  /** Overall and per day of first exposure (days flagged after Holm across days). */
  srm: SrmHealth;
  multiArmUsers: { count: number; byArm: Record<string, number> };
  preExposureEvents: number;
  /** After the stop or outside the attribution window. */
  lateEvents: number;
  attributionWindow: { days: number | null; description: string };
  prePeriod: { users: number; usersWithPre: number; coverage: number | null; byArm: Record<string, number> };
  /** Guardrails with no event of their metric's types in an arm that has users. */
  missingGuardrailData: { metric: string; arm: string }[];
}

/** Users in more than one arm above this share of all users raise a warning. */
export const MULTI_ARM_WARNING_SHARE = 0.01;

export function reportHealth(input: {
  stats: ReportStatistics;
  armKeys: readonly string[];
  /** Allocated share per arm, same order as armKeys. */
  shares: readonly number[];
  guardrails: readonly string[];
  attributionWindowDays: number | null;
}): ReportHealth {
  const { stats, armKeys, shares, guardrails, attributionWindowDays } = input;
  // Users first exposed per day: differences of the cumulative series (the same for every metric).
  const series = Object.values(stats.series)[0] ?? [];
  const days = series.map((d, i) => ({
    date: d.date,
    observed: armKeys.map((a) => d.arms[a].stats.n - (i > 0 ? series[i - 1].arms[a].stats.n : 0)),
  }));
  const srm = srmByDay(days, shares);
  const users = armKeys.reduce((s, a) => s + stats.users[a], 0);
  const usersWithPre = armKeys.reduce((s, a) => s + stats.withPre[a], 0);
  const missingGuardrailData = guardrails.flatMap((metric) =>
    armKeys
      .filter((arm) => stats.users[arm] > 0 && stats.metricEvents[metric]?.[arm] === 0)
      .map((arm) => ({ metric, arm })),
  );
  const { multiArmUsers, multiArmUsersByArm, preExposureEvents, lateEvents } = stats.excluded;

  const warnings: string[] = [];
  const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
  if (!srm.overall.ok)
    warnings.push(
      `Sample ratio mismatch: the users per arm differ from the allocation (p ` +
        `= ${srm.overall.pValue.toExponential(1)}); assignment or logging is broken and the lifts cannot be trusted.`,
    );
  const flagged = srm.days.filter((d) => d.flagged).map((d) => d.date);
  if (flagged.length) warnings.push(`Sample ratio mismatch among the users first exposed on ${flagged.join(", ")}.`);
  // A few users in two arms or events outside the window are normal (shared devices, client clocks):
  // they are left out and counted either way, and warned about only when they are a notable share.
  if (multiArmUsers > MULTI_ARM_WARNING_SHARE * (users + multiArmUsers))
    warnings.push(
      `${plural(multiArmUsers, "user was", "users were")} seen in more than one arm ` +
        `(over ${MULTI_ARM_WARNING_SHARE * 100}% of users): check assignment and logging.`,
    );
  for (const { metric, arm } of missingGuardrailData)
    warnings.push(`Guardrail ${metric} has no data in arm ${arm}: no event of its types arrived, so it cannot pass.`);

  return {
    ok: warnings.length === 0,
    warnings,
    srm,
    multiArmUsers: { count: multiArmUsers, byArm: multiArmUsersByArm },
    preExposureEvents,
    lateEvents,
    attributionWindow: {
      days: attributionWindowDays,
      description:
        attributionWindowDays === null
          ? "from each user's first exposure until the experiment stops"
          : `${plural(attributionWindowDays, "day")} from each user's first exposure (and not after the stop)`,
    },
    prePeriod: { users, usersWithPre, coverage: users > 0 ? usersWithPre / users : null, byArm: stats.withPre },
    missingGuardrailData,
  };
}
