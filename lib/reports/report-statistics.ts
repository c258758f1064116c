import pg from "pg";
import pLimit from "p-limit";
import { sqlPool } from "@/lib/db/client";
import type { MetricDefinition } from "@/lib/metrics/metric-input";
import { type EventRules, reportSql, type SegmentDimension, type UserRange } from "@/lib/reports/report-sql";
import { inReportSnapshot, type Watermark } from "@/lib/reports/report-watermark";
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
 * A report over more rolled-up user-days than this runs as up to REPORT_PARTS statements over user ranges at once, on
 * as many connections sharing one snapshot: each sorts a fraction of the rows (in memory rather than on disk), and the
 * database uses several cores for what one statement does on one (its window functions do not run in parallel
 * workers). Every statistic is a sum over users (except percentile caps: those reports stay one statement), so the
 * parts' rows merge exactly (mergeParts). Measured on a loaded 2-core machine (docs/scaling.md): 25,000 user-days take
 * the same time split or not, 100,000 take 0.49 s as one statement and 0.39 s in 4 parts, 500,000 2.2–2.7 s and
 * 1.2–1.8 s.
 */
const SPLIT_USER_DAYS = 100_000;
const REPORT_PARTS = 4;

/** How a report is split by users (defaults: the constants above; tests force a split of a small experiment). */
export interface SplitOptions {
  /** At most this many parts (and never more than half the pool, nor more connections than are free now). */
  parts?: number;
  /** Split only above this many rolled-up user-days (estimated from the sample). */
  aboveUserDays?: number;
  /** Per cent of the rollup table's pages sampled (TABLESAMPLE SYSTEM) to place the range bounds. */
  samplePercent?: number;
  /** These ascending user ids as the bounds instead of a sample's (tests split a report that has no rollup yet). */
  bounds?: readonly string[];
}

// One split report at a time per process: it holds several of the pool's connections. It queues before taking any
// connection, so a report waiting here holds none (no report waits for connections that a waiting report holds).
const splitReports = pLimit(1);

/**
 * Runs the compiled report statement against rollups plus the not-yet-rolled tail, in one
 * repeatable-read snapshot so that a rollup committing meanwhile is seen entirely or not at all;
 * a large report as several statements over user ranges in that one snapshot, merged.
 */
export async function reportStatistics(
  experiment: { id: string; startedAt: Date | null; stoppedAt: Date | null; attributionWindowDays: number | null },
  metrics: readonly MetricDefinition[],
  armKeys: readonly string[],
  /** The metric whose statistics the segments carry (default: the first). */
  segmentMetric: string = metrics[0].key,
  split: SplitOptions = {},
): Promise<ReportStatistics> {
  const compile = (wm: Watermark | null, users?: UserRange) => {
    const pre = experiment.startedAt === null ? "none" : wm?.preRolled ? "rollup" : "live";
    const rules: EventRules = {
      stoppedAt: experiment.stoppedAt,
      attributionWindowDays: experiment.attributionWindowDays,
    };
    const values: unknown[] = [
      experiment.id,
      wm?.exposureThrough ?? "1970-01-01",
      wm?.feedbackBefore ?? "1970-01-01T00:00:00.000Z",
    ];
    if (pre === "live") {
      const start = experiment.startedAt!;
      values.push(new Date(start.getTime() - PRE_PERIOD_DAYS * DAY_MS).toISOString(), start.toISOString());
    }
    return { ...reportSql({ metrics, armKeys, pre, rules, segmentMetric, users }), values };
  };
  const query = async (client: pg.PoolClient, { text, values }: { text: string; values: unknown[] }) => {
    await client.query(`SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
    return (await client.query<Row>({ text, values, types: { getTypeParser: dateAsText } })).rows;
  };
  const percentileCaps = metrics.some((m) => m.kind === "mean" && m.cap === "percentile");
  const sample = percentileCaps ? [] : (split.bounds ?? (await sampleUserIds(experiment.id, split)));
  const oneStatement = () =>
    inReportSnapshot(experiment.id, async (client, wm) => {
      const compiled = compile(wm);
      return { rows: await query(client, compiled), compiled };
    });
  const { rows, compiled } =
    sample.length === 0
      ? await oneStatement()
      : await splitReports(async () => {
          const pool = sqlPool();
          const free = pool.options.max - pool.totalCount + pool.idleCount;
          const parts = Math.min(split.parts ?? REPORT_PARTS, Math.floor(pool.options.max / 2), free);
          const bounds = split.bounds ? sample.slice(0, parts - 1) : rangeBounds(sample, parts);
          if (bounds.length === 0) return oneStatement();
          const ranges = [null, ...bounds].map((from, i) => ({ from, to: bounds[i] ?? null }));
          return inReportSnapshot(
            experiment.id,
            async (client, wm, helpers) => {
              const statements = ranges.map((users) => compile(wm, users));
              const settled = await Promise.allSettled(
                statements.map((st, i) => query(i ? helpers[i - 1] : client, st)),
              );
              const failed = settled.find((r) => r.status === "rejected");
              if (failed) throw failed.reason;
              return {
                rows: mergeParts(settled.map((r) => (r as PromiseFulfilledResult<Row[]>).value)),
                compiled: statements[0],
              };
            },
            ranges.length - 1,
          );
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

/**
 * The experiment's rolled-up user ids in a sample of the rollup's pages, ascending in the database's collation (which
 * decides what a range holds); none when the experiment is too small to split.
 */
async function sampleUserIds(
  experimentId: string,
  { aboveUserDays = SPLIT_USER_DAYS, samplePercent = 1 }: SplitOptions,
): Promise<string[]> {
  const { rows } = await sqlPool().query<{ userId: string }>(
    `SELECT "userId" FROM "ReportUserDay" TABLESAMPLE SYSTEM (${Number(samplePercent)}) REPEATABLE (0)
     WHERE "experimentId" = $1::uuid ORDER BY "userId"`,
    [experimentId],
  );
  return rows.length > 0 && (rows.length * 100) / samplePercent >= aboveUserDays ? rows.map((r) => r.userId) : [];
}

/** parts − 1 distinct ascending user ids that cut the sorted sample into parts of about equal size. */
function rangeBounds(sample: readonly string[], parts: number): string[] {
  const bounds: string[] = [];
  for (let p = 1; p < parts; p++) {
    const b = sample[Math.floor((p * sample.length) / parts)];
    if (b !== sample[0] && b !== bounds.at(-1)) bounds.push(b);
  }
  return bounds;
}

const KEY_COLUMNS = new Set(["part", "armKey", "day", "dim", "val"]);

/**
 * The rows one statement would return, from the rows of statements over disjoint user ranges. Every value is a sum
 * over users, so 'final' (per arm), 'health' (per arm and in total) and 'segment' (per dimension, segment and arm) rows
 * add up. A 'series' row is an arm's cumulative sums as of its day, and a part has rows only for the days on which it
 * has data (in any arm): on day d a part contributes its arm's latest row on or before d — nothing changed in that
 * part since — or nothing before its first.
 */
function mergeParts(parts: readonly Row[][]): Row[] {
  const first = parts.flat()[0];
  if (!first) return [];
  const sums = Object.keys(first).filter((k) => !KEY_COLUMNS.has(k));
  const addInto = (target: Row, row: Row) => {
    for (const k of sums) (target as Record<string, number>)[k] = Number(target[k]) + Number(row[k]);
  };
  const summed = new Map<string, Row>();
  for (const r of parts.flat()) {
    if (r.part === "series") continue;
    const key = JSON.stringify([r.part, r.armKey, r.dim, r.val]);
    const target = summed.get(key);
    if (target) addInto(target, r);
    else summed.set(key, { ...r });
  }
  const series = parts.flat().filter((r) => r.part === "series");
  const days = [...new Set(series.map((r) => r.day!))].sort();
  const merged = new Map<string, Row>();
  for (const arm of new Set(series.map((r) => r.armKey!)))
    for (const day of days)
      merged.set(JSON.stringify([arm, day]), {
        ...Object.fromEntries(sums.map((k) => [k, 0])),
        part: "series",
        armKey: arm,
        day,
        dim: null,
        val: null,
      } as Row);
  for (const part of parts) {
    const rowsOf = new Map<string, Row[]>();
    for (const r of part) if (r.part === "series") rowsOf.set(r.armKey!, [...(rowsOf.get(r.armKey!) ?? []), r]);
    for (const [arm, rs] of rowsOf) {
      rs.sort((a, b) => a.day!.localeCompare(b.day!));
      let next = 0;
      for (const day of days) {
        while (next < rs.length && rs[next].day! <= day) next++;
        if (next > 0) addInto(merged.get(JSON.stringify([arm, day]))!, rs[next - 1]);
      }
    }
  }
  return [...summed.values(), ...merged.values()];
}
