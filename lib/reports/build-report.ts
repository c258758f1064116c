import { armShares } from "@/lib/assignment";
import { BUILT_IN_METRICS } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { toPlacement } from "@/lib/experiments/placement";
import { metricDefinitions } from "@/lib/metrics/metric-catalogue";
import { reportHealth } from "@/lib/reports/report-health";
import { reportSegments } from "@/lib/reports/report-segments";
import { reportStatistics } from "@/lib/reports/report-statistics";
import { reportFingerprint } from "@/lib/reports/report-watermark";
import { analysisPlanOf, allowedHarmOf } from "@/lib/experiments/analysis-plan";
import { analyzeExperiment, decideExperiment, liftTimeSeries, type VerdictInput } from "@/lib/stats";

/**
 * The uplift report of docs/architecture.md §8/§9 for the experiment's primary metric, its guardrails and the
 * built-in metrics: per-arm sufficient statistics computed in SQL (lib/reports/report-sql.ts),
 * analysed by lib/stats (delta-method lift, Welch CI and p, Holm, SRM, CUPED, sequential CIs), plus
 * a daily cumulative lift series per metric. Cached per process until the watermark moves.
 */
async function computeReport(ref: string) {
  const e = await findExperiment(ref);
  const placement = toPlacement(e);
  const shares = armShares(placement);
  const armKeys = placement.arms.map((a) => a.key);
  const control = e.arms.find((a) => a.isControl)!.key;
  const definitions = await metricDefinitions([
    ...new Set([e.primaryMetric, ...e.guardrailMetrics, ...BUILT_IN_METRICS]),
  ]);
  const stats = await reportStatistics(e, definitions, armKeys, e.primaryMetric);

  const analysis = analyzeExperiment({
    arms: e.arms.map((a, i) => ({ key: a.key, control: a.isControl, users: stats.users[a.key], share: shares[i] })),
    metrics: definitions.map((m) => {
      const arms = stats.final[m.key];
      const type = Object.values(arms)[0].type;
      return {
        key: m.key,
        type,
        arms: Object.fromEntries(Object.entries(arms).map(([a, s]) => [a, s.stats])),
      } as Parameters<typeof analyzeExperiment>[0]["metrics"][number];
    }),
  });
  const series = Object.fromEntries(
    definitions.map((m) => {
      const days = stats.series[m.key];
      const type = days[0] ? Object.values(days[0].arms)[0].type : "mean";
      const input = {
        type,
        control,
        days: days.map((d) => ({
          date: d.date,
          arms: Object.fromEntries(Object.entries(d.arms).map(([a, s]) => [a, s.stats])),
        })),
      };
      // Like the tables, a day shows no lift before both arms reach the minimum users.
      const enough = (d: (typeof days)[number], arm: string) =>
        d.arms[arm].stats.n >= e.minUsersPerArm && d.arms[control].stats.n >= e.minUsersPerArm;
      const points = liftTimeSeries(input as Parameters<typeof liftTimeSeries>[0]).map((p, i) => ({
        date: p.date,
        arms: Object.fromEntries(Object.entries(p.arms).map(([arm, c]) => [arm, enough(days[i], arm) ? c : null])),
      }));
      return [m.key, points];
    }),
  );

  // The verdicts: primary metric and guardrails of every treatment, by the experiment's analysis plan.
  const decided = definitions.filter((m) => m.key === e.primaryMetric || e.guardrailMetrics.includes(m.key));
  const verdict = decideExperiment({
    arms: e.arms.map((a) => ({ key: a.key, control: a.isControl, users: stats.users[a.key] })),
    metrics: decided.map((m) => ({
      key: m.key,
      role: m.key === e.primaryMetric ? "primary" : "guardrail",
      direction: m.direction === "lower" ? "lowerIsBetter" : "higherIsBetter",
      ...(m.key === e.primaryMetric ? {} : { allowedHarm: allowedHarmOf(e, m) }),
      type: Object.values(stats.final[m.key])[0].type,
      // An event metric's arms carry their event counts, which the minimum-events rule reads.
      arms: Object.fromEntries(
        Object.entries(stats.final[m.key]).map(([a, s]) => [a, { ...s.stats, events: stats.metricEvents[m.key]?.[a] }]),
      ),
    })) as VerdictInput["metrics"],
    plan: analysisPlanOf(e),
    minimum: { usersPerArm: e.minUsersPerArm, eventsPerArm: e.minEventsPerArm },
  });

  return {
    experiment: {
      id: e.id,
      key: e.key,
      status: e.status,
      primaryMetric: e.primaryMetric,
      guardrailMetrics: e.guardrailMetrics,
      startedAt: e.startedAt?.toISOString() ?? null,
      minUsersPerArm: e.minUsersPerArm,
    },
    generatedAt: new Date().toISOString(),
    metrics: definitions.map((m) => m.key),
    /** What each metric is (name, description, direction, allowed harm), for readers of the report. */
    definitions: Object.fromEntries(
      definitions.map(({ key, name, description, kind, direction, allowedHarm }) => [
        key,
        { name, description, kind, direction, allowedHarm },
      ]),
    ),
    cuped: stats.cuped,
    /**
     * Per treatment: ship / don't ship / keep running / inconclusive / not enough data, with each test's interval
     * (lib/stats/verdict.ts).
     */
    verdict,
    ...analysis,
    series,
    /** Health checks and what the data-quality rules left out (lib/reports/report-health.ts). */
    health: reportHealth({
      stats,
      armKeys,
      shares,
      guardrails: e.guardrailMetrics,
      attributionWindowDays: e.attributionWindowDays,
    }),
    /** The primary metric per user segment, exploratory (lib/reports/report-segments.ts). */
    segments: reportSegments({ metric: e.primaryMetric, segments: stats.segments, armKeys, control }),
  };
}

export type ExperimentReportView = Awaited<ReturnType<typeof computeReport>>;

const shared = globalThis as unknown as {
  fusionlabReports?: Map<string, { fingerprint: string; report: ExperimentReportView }>;
};
const cache = (shared.fusionlabReports ??= new Map());

export async function experimentReport(ref: string): Promise<ExperimentReportView> {
  const e = await findExperiment(ref);
  const fingerprint = await reportFingerprint(e.id);
  const hit = cache.get(e.id);
  if (hit && hit.fingerprint === fingerprint) return hit.report;
  const report = await computeReport(e.id);
  if (cache.size > 200) cache.clear();
  cache.set(e.id, { fingerprint, report });
  return report;
}
