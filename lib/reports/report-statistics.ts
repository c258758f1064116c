import pg from "pg";
import type { MetricDefinition } from "@/lib/metrics/metric-input";
import { type EventRules, reportSql, type SegmentDimension } from "@/lib/reports/report-sql";
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
  /** Users with pre-period data, per arm (of `users`). */
  withPre: Record<string, number>;
  /** Per event metric key, per arm: events of its types among the analysed users (absent: not an event metric). */
  metricEvents: Record<string, Record<string, number>>;
  /** What the data-quality rules left out (docs/statistics.md §7). */
  excluded: {
    /** Users whose rank requests carry more than one arm: in total and per arm they were seen in. */
    multiArmUsers: number;
    multiArmUsersByArm: Record<string, number>;
    /** Events before the user's first exposure / after the stop or outside the attribution window. */
    preExposureEvents: number;
    lateEvents: number;
  };
  /** The segment metric's statistics per segment dimension, segment and arm. */
  segments: { dimension: SegmentDimension; segment: string; arms: Record<string, ArmMetricStats> }[];
}

type Row = {
  part: "final" | "series" | "health" | "segment";
  armKey: string | null;
  day: string | null;
  dim: SegmentDimension | null;
  val: string | null;
  n: number;
  with_pre: number;
  excluded: number;
  pre_ex: number;
  late: number;
} & Record<string, number>;

// Planner headroom for the report's sorts and hashes (one statement per report, not per request).
const REPORT_WORK_MEM = "128MB";

/**
 * Runs the compiled report statement against rollups plus the not-yet-rolled tail, in one
 * repeatable-read snapshot so that a rollup committing meanwhile is seen entirely or not at all.
 */
export async function reportStatistics(
  experiment: { id: string; startedAt: Date | null; stoppedAt: Date | null; attributionWindowDays: number | null },
  metrics: readonly MetricDefinition[],
  armKeys: readonly string[],
  /** The metric whose statistics the segments carry (default: the first). */
  segmentMetric: string = metrics[0].key,
): Promise<ReportStatistics> {
  const { rows, compiled } = await inReportSnapshot(experiment.id, async (client, wm) => {
    await client.query(`SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
    const pre = experiment.startedAt === null ? "none" : wm?.preRolled ? "rollup" : "live";
    const rules: EventRules = {
      stoppedAt: experiment.stoppedAt,
      attributionWindowDays: experiment.attributionWindowDays,
    };
    const compiled = reportSql({ metrics, armKeys, pre, rules, segmentMetric });
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

  const zeros = () => Object.fromEntries(armKeys.map((a) => [a, 0])) as Record<string, number>;
  const users = zeros();
  const withPre = zeros();
  const excluded: ReportStatistics["excluded"] = {
    multiArmUsers: 0,
    multiArmUsersByArm: zeros(),
    preExposureEvents: 0,
    lateEvents: 0,
  };
  for (const r of rows) {
    if (r.part === "final" && r.armKey !== null && r.armKey in users) {
      users[r.armKey] = r.n;
      withPre[r.armKey] = r.with_pre;
    } else if (r.part === "health" && r.armKey === null) excluded.multiArmUsers = r.excluded;
    else if (r.part === "health" && r.armKey !== null && r.armKey in users) {
      excluded.multiArmUsersByArm[r.armKey] = r.excluded;
      excluded.preExposureEvents += r.pre_ex;
      excluded.lateEvents += r.late;
    }
  }
  const cuped = Object.values(withPre).some((n) => n > 0);
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

  const finalRows = new Map(rows.filter((r) => r.part === "final").map((r) => [r.armKey!, r]));
  const byDay = new Map<string, Map<string, Row>>();
  for (const r of rows) {
    if (r.part !== "series" || r.day === null) continue;
    if (!byDay.has(r.day)) byDay.set(r.day, new Map());
    byDay.get(r.day)!.set(r.armKey!, r);
  }
  const segmentRows = new Map<string, { dimension: SegmentDimension; segment: string; rows: Map<string, Row> }>();
  for (const r of rows) {
    if (r.part !== "segment" || r.dim === null || r.val === null || r.armKey === null) continue;
    const key = `${r.dim}\u0000${r.val}`;
    if (!segmentRows.has(key)) segmentRows.set(key, { dimension: r.dim, segment: r.val, rows: new Map() });
    segmentRows.get(key)!.rows.set(r.armKey, r);
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
  const metricEvents: ReportStatistics["metricEvents"] = {};
  compiled.metrics.forEach((m, k) => {
    if (m.events)
      metricEvents[m.key] = Object.fromEntries(armKeys.map((a) => [a, Number(finalRows.get(a)?.[`ev${k}`] ?? 0)]));
  });
  const k = compiled.metrics.findIndex((m) => m.key === segmentMetric);
  const segments = [...segmentRows.values()]
    .sort((a, b) => a.dimension.localeCompare(b.dimension) || a.segment.localeCompare(b.segment))
    .map(({ dimension, segment, rows: byArm }) => ({
      dimension,
      segment,
      arms: Object.fromEntries(armKeys.map((a) => [a, statsOf(byArm.get(a), k, compiled.metrics[k].type, false)])),
    }));
  return { users, cuped, final, series, withPre, metricEvents, excluded, segments };
}

const DATE_OID = 1082;
/** DATE columns as 'YYYY-MM-DD' text (pg would make a local-time Date of them). */
const dateAsText = ((oid: number, format?: "text" | "binary") =>
  oid === DATE_OID ? (v: string) => v : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"];
