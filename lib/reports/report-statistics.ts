import pg from "pg";
import type { MetricDefinition } from "@/lib/metrics/metric-input";
import { reportSql } from "@/lib/reports/report-sql";
import { inReportSnapshot } from "@/lib/reports/report-watermark";
import type { CovariateStats, MeanStats, RatioStats } from "@/lib/stats";

/** Days of the pre-period (before the start, outside any experiment) that CUPED uses. */
export const PRE_PERIOD_DAYS = 14;
const DAY_MS = 86_400_000;

export type ArmMetricStats =
  { type: "mean"; stats: MeanStats & { pre?: CovariateStats } } | { type: "ratio"; stats: RatioStats };

export interface ReportStatistics {
  /** Exposed users per arm (every arm of the experiment, 0 when none). */
  users: Record<string, number>;
  /** Whether any exposed user has pre-period activity (then every mean metric carries CUPED sums). */
  cuped: boolean;
  /** Per metric key, per arm. */
  final: Record<string, Record<string, ArmMetricStats>>;
  /** Per metric key: per day (YYYY-MM-DD) the cumulative statistics of every arm. */
  series: Record<string, { date: string; arms: Record<string, ArmMetricStats> }[]>;
}

type Row = { part: "final" | "series"; armKey: string; day: string | null; n: number; with_pre: number } & Record<
  string,
  number
>;

// Planner headroom for the report's sorts and hashes (one statement per report, not per request).
const REPORT_WORK_MEM = "128MB";

/**
 * Runs the compiled report statement against rollups plus the not-yet-rolled tail, in one
 * repeatable-read snapshot so that a rollup committing meanwhile is seen entirely or not at all.
 */
export async function reportStatistics(
  experiment: { id: string; startedAt: Date | null },
  metrics: readonly MetricDefinition[],
  armKeys: readonly string[],
): Promise<ReportStatistics> {
  const { rows, compiled } = await inReportSnapshot(experiment.id, async (client, wm) => {
    await client.query(`SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
    const pre = experiment.startedAt === null ? "none" : wm?.preRolled ? "rollup" : "live";
    const compiled = reportSql({ metrics, armKeys, pre });
    const values: unknown[] = [
      experiment.id,
      wm?.exposureThrough ?? "1970-01-01",
      wm?.feedbackBefore ?? "1970-01-01T00:00:00.000Z",
    ];
    if (pre === "live") {
      const start = experiment.startedAt!;
      values.push(new Date(start.getTime() - PRE_PERIOD_DAYS * DAY_MS).toISOString(), start.toISOString());
    }
    const { rows } = await client.query<Row>({ text: compiled.text, values, types: { getTypeParser: dateAsText } });
    return { rows, compiled };
  });

  const users: Record<string, number> = Object.fromEntries(armKeys.map((a) => [a, 0]));
  let withPre = 0;
  for (const r of rows) {
    if (r.part !== "final" || !(r.armKey in users)) continue;
    users[r.armKey] = r.n;
    withPre += r.with_pre;
  }
  const cuped = withPre > 0;
  const statsOf = (r: Row | undefined, k: number, type: "mean" | "ratio", pre: boolean): ArmMetricStats => {
    const s = (i: number) => (r ? Number(r[`s${k}_${i}`]) : 0);
    const n = r?.n ?? 0;
    // Σx² and Σy² are sums of squares: clamp the rounding of their reconstruction at 0.
    if (type === "ratio")
      return {
        type,
        stats: { n, sumX: s(1), sumY: s(2), sumX2: Math.max(0, s(3)), sumY2: Math.max(0, s(4)), sumXY: s(5) },
      };
    return {
      type,
      stats: {
        n,
        sum: s(1),
        sumSq: Math.max(0, s(2)),
        ...(pre ? { pre: { sum: s(3), sumSq: Math.max(0, s(4)), sumProduct: s(5) } } : {}),
      },
    };
  };

  const finalRows = new Map(rows.filter((r) => r.part === "final").map((r) => [r.armKey, r]));
  const byDay = new Map<string, Map<string, Row>>();
  for (const r of rows) {
    if (r.part !== "series" || r.day === null) continue;
    if (!byDay.has(r.day)) byDay.set(r.day, new Map());
    byDay.get(r.day)!.set(r.armKey, r);
  }
  const days = [...byDay.keys()].sort();
  const final: ReportStatistics["final"] = {};
  const series: ReportStatistics["series"] = {};
  compiled.metrics.forEach((m, k) => {
    final[m.key] = Object.fromEntries(armKeys.map((a) => [a, statsOf(finalRows.get(a), k, m.type, m.pre && cuped)]));
    series[m.key] = days.map((date) => ({
      date,
      arms: Object.fromEntries(armKeys.map((a) => [a, statsOf(byDay.get(date)!.get(a), k, m.type, false)])),
    }));
  });
  return { users, cuped, final, series };
}

const DATE_OID = 1082;
/** DATE columns as 'YYYY-MM-DD' text (pg would make a local-time Date of them). */
const dateAsText = ((oid: number, format?: "text" | "binary") =>
  oid === DATE_OID ? (v: string) => v : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"];
