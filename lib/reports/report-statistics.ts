import pg from "pg";
import pLimit from "p-limit";
import { sqlPool } from "@/lib/db/client";
import type { MetricDefinition } from "@/lib/metrics/metric-input";
import { reportSql } from "@/lib/reports/report-sql";
import { readWatermark } from "@/lib/reports/report-watermark";
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
 * A report over more rolled-up user-days than this runs as REPORT_PARTS statements over user ranges
 * at once, on as many connections sharing one snapshot: each sorts a fraction of the rows (in
 * memory rather than on disk), and the database uses several cores for what one statement would
 * do on one (its window functions do not run in parallel workers). Sums over users add up, so the
 * parts' statistics merge exactly (final: per arm; series: per arm and day, cumulative).
 */
const SPLIT_USER_DAYS = 400_000;
const REPORT_PARTS = 4;
/** How the range bounds are found (tests split small experiments with every page sampled). */
interface SplitOptions {
  /** Split above this many rolled-up user-days (estimated from the sample). */
  aboveUserDays?: number;
  /** Per cent of the rollup table's pages sampled (TABLESAMPLE SYSTEM) to place the bounds. */
  samplePercent?: number;
}
// One split report at a time per process: it holds REPORT_PARTS of the pool's connections.
const splitReports = pLimit(1);

/**
 * Runs the compiled report statement against rollups plus the not-yet-rolled tail, in one
 * repeatable-read snapshot so that a rollup committing meanwhile is seen entirely or not at all.
 */
export async function reportStatistics(
  experiment: { id: string; startedAt: Date | null },
  metrics: readonly MetricDefinition[],
  armKeys: readonly string[],
  split: SplitOptions = {},
): Promise<ReportStatistics> {
  const client = await sqlPool().connect();
  const helpers: pg.PoolClient[] = [];
  let rows: Row[];
  let compiled: ReturnType<typeof reportSql>;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await client.query(`SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
    const wm = await readWatermark(client, experiment.id);
    const pre = experiment.startedAt === null ? "none" : wm?.preRolled ? "rollup" : "live";
    compiled = reportSql({ metrics, armKeys, pre });
    const values: unknown[] = [
      experiment.id,
      wm?.exposureThrough ?? "1970-01-01",
      wm?.feedbackBefore ?? "1970-01-01T00:00:00.000Z",
    ];
    if (pre === "live") {
      const start = experiment.startedAt!;
      values.push(new Date(start.getTime() - PRE_PERIOD_DAYS * DAY_MS).toISOString(), start.toISOString());
    }
    const run = async (c: pg.PoolClient, text: string) =>
      (await c.query<Row>({ text, values, types: { getTypeParser: dateAsText } })).rows;
    const percentileCaps = metrics.some((m) => m.kind === "mean" && m.cap === "percentile");
    const bounds = percentileCaps ? [] : await userBounds(client, experiment.id, split);
    if (bounds.length === 0) rows = await run(client, compiled.text);
    else
      rows = await splitReports(async () => {
        // The parts see exactly the leader's snapshot (and so the watermark it read).
        const {
          rows: [{ snapshot }],
        } = await client.query<{ snapshot: string }>("SELECT pg_export_snapshot() AS snapshot");
        const ranges = [null, ...bounds].map((from, i) => ({ from, to: bounds[i] ?? null }));
        for (let i = 1; i < ranges.length; i++) {
          const c = await sqlPool().connect();
          helpers.push(c);
          await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
          await c.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
          await c.query(`SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
        }
        const parts = await Promise.all(
          ranges.map((users, i) =>
            run(i === 0 ? client : helpers[i - 1], reportSql({ metrics, armKeys, pre, users }).text),
          ),
        );
        return mergeParts(parts);
      });
    for (const c of helpers) await c.query("COMMIT");
    await client.query("COMMIT");
  } catch (err) {
    for (const c of [client, ...helpers]) await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
    for (const c of helpers) c.release();
  }

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

/**
 * REPORT_PARTS − 1 ascending userIds that cut the experiment's rolled-up users into ranges of about
 * equal size, or none when the experiment is small enough for one statement. Ordered by the
 * database (its collation decides what a range holds), from a sample of the rollup's pages.
 */
async function userBounds(
  c: pg.PoolClient,
  experimentId: string,
  { aboveUserDays = SPLIT_USER_DAYS, samplePercent = 1 }: SplitOptions,
): Promise<string[]> {
  const { rows } = await c.query<{ userId: string }>(
    `SELECT "userId" FROM "ReportUserDay" TABLESAMPLE SYSTEM (${Number(samplePercent)}) REPEATABLE (0)
     WHERE "experimentId" = $1::uuid ORDER BY "userId"`,
    [experimentId],
  );
  if (rows.length === 0 || (rows.length * 100) / samplePercent < aboveUserDays) return [];
  const bounds: string[] = [];
  for (let p = 1; p < REPORT_PARTS; p++) {
    const b = rows[Math.floor((p * rows.length) / REPORT_PARTS)].userId;
    if (b !== bounds[bounds.length - 1]) bounds.push(b);
  }
  return bounds;
}

const STAT_KEYS = (row: Row) => Object.keys(row).filter((k) => k !== "part" && k !== "armKey" && k !== "day");

function addInto(target: Row, row: Row, keys: string[]): void {
  for (const k of keys) target[k] = Number(target[k]) + Number(row[k]);
}

/**
 * The rows one statement would return, from the parts' rows: final sums add per arm; a series row
 * is a cumulative sum as of its day, so each part contributes its latest row on or before the day
 * (a part without rows that day has seen no change since).
 */
function mergeParts(parts: Row[][]): Row[] {
  const all = parts.flat();
  if (all.length === 0) return [];
  const keys = STAT_KEYS(all[0]);
  const zero = (part: Row["part"], armKey: string, day: string | null) =>
    ({ part, armKey, day, ...Object.fromEntries(keys.map((k) => [k, 0])) }) as Row;
  const final = new Map<string, Row>();
  for (const r of all) {
    if (r.part !== "final") continue;
    if (!final.has(r.armKey)) final.set(r.armKey, zero("final", r.armKey, null));
    addInto(final.get(r.armKey)!, r, keys);
  }
  const series = all.filter((r) => r.part === "series" && r.day !== null);
  const days = [...new Set(series.map((r) => r.day!))].sort();
  const arms = [...new Set(series.map((r) => r.armKey))];
  const merged: Row[] = [];
  for (const part of parts) {
    const rowsOf = new Map<string, Row[]>(arms.map((a) => [a, []]));
    for (const r of part) if (r.part === "series" && r.day !== null) rowsOf.get(r.armKey)!.push(r);
    for (const rs of rowsOf.values()) rs.sort((a, b) => (a.day! < b.day! ? -1 : a.day! > b.day! ? 1 : 0));
    arms.forEach((arm, a) => {
      const rs = rowsOf.get(arm)!;
      let next = 0;
      days.forEach((day, d) => {
        const i = a * days.length + d;
        merged[i] ??= zero("series", arm, day);
        while (next < rs.length && rs[next].day! <= day) next++;
        if (next > 0) addInto(merged[i], rs[next - 1], keys);
      });
    });
  }
  return [...final.values(), ...merged];
}
