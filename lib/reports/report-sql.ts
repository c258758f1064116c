import { EVENT_TYPES } from "@/lib/events/event-input";
import type { Measure, MetricDefinition } from "@/lib/metrics/metric-input";

/**
 * Compiles an experiment's metrics into one SQL statement that returns per-arm sufficient statistics
 * (part 'final': over all data, with the pre-period sums for CUPED) and the daily cumulative series
 * (part 'series': one row per arm and day), so no per-user row ever leaves the database.
 *
 * Only plain aggregates, CASE, UNION ALL and window functions (plus the standard ordered-set
 * percentile_cont and var_samp / covar_samp), so the statement runs on any SQL engine with window
 * functions; docs/scaling.md says how it distributes. Statement parameters: $1 experiment id,
 * $2 first day whose decisions are not rolled up yet, $3 the time from which received events are not
 * rolled up yet, $4 / $5 start and end of the pre-period.
 *
 * Per-user values are built from per-user-per-day rows (rollups ∪ the not-yet-rolled tail). The
 * final variances come from var_samp / covar_samp (centred, numerically safe), turned back into the
 * Σx² / Σxy that lib/stats takes. The series adds, per day, each user's change of x and x² (of their
 * cumulative totals, so capping and 0/1 proportions stay exact) and accumulates those per arm.
 */

const dbl = (e: string) => `CAST(${e} AS DOUBLE PRECISION)`;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s}"`;

/** Count and value-sum columns of each event type, as the rollups and the tail aggregate them. */
export const EVENT_COLUMNS = EVENT_TYPES.flatMap((t) => [`${t}_n`, `${t}_v`]);

/** `sum(CASE …) AS "play_n", …` over Event rows: the per-type columns the rollups hold. */
export function eventColumnSums(types: readonly string[] = EVENT_TYPES): string {
  return types
    .flatMap((t) => [
      `sum(CASE WHEN type = ${q(t)} THEN 1 ELSE 0 END) AS ${ident(`${t}_n`)}`,
      `sum(CASE WHEN type = ${q(t)} THEN value ELSE 0 END) AS ${ident(`${t}_v`)}`,
    ])
    .join(", ");
}

/** Sessions of a group of decisions: distinct session ids, plus one for requests without a session id. */
export const SESSIONS_SQL = `count(DISTINCT "sessionId") + max(CASE WHEN "sessionId" IS NULL THEN 1 ELSE 0 END)`;

const measureKey = (m: Measure) => (m.source === "events" ? `events:${m.aggregate}:${[...m.eventTypes].sort().join(",")}` : m.source);

/** A measure as an expression over a row with the per-type columns (0 for requests / sessions there). */
function eventMeasureSql(m: Measure): string {
  if (m.source !== "events") return "0";
  return `(${m.eventTypes.map((t) => ident(`${t}_${m.aggregate === "count" ? "n" : "v"}`)).join(" + ")})`;
}
const exposureMeasureSql = (m: Measure) => (m.source === "events" ? "0" : m.source === "requests" ? "requests" : "sessions");

export interface ReportSqlInput {
  metrics: readonly MetricDefinition[];
  armKeys: readonly string[];
  /** Where the pre-period sums come from: the frozen rollup, a live query, or none (not started). */
  pre: "rollup" | "live" | "none";
}

export interface ReportSqlColumns {
  /** Per metric (same order): which result columns s{k}_1..s{k}_5 mean what. */
  metrics: { key: string; type: "mean" | "ratio"; pre: boolean }[];
}

export function reportSql({ metrics, armKeys, pre }: ReportSqlInput): { text: string } & ReportSqlColumns {
  const measures = new Map<string, { index: number; measure: Measure }>();
  const measureIndex = (m: Measure) => {
    const key = measureKey(m);
    if (!measures.has(key)) measures.set(key, { index: measures.size, measure: m });
    return measures.get(key)!.index;
  };
  const sessions: Measure = { source: "sessions" };
  const compiled = metrics.map((m) => {
    const num = measureIndex(m.numerator);
    const den = m.kind === "ratio" ? measureIndex(m.denominator!) : m.kind === "session_mean" ? measureIndex(sessions) : null;
    return { metric: m, num, den, type: den === null ? ("mean" as const) : ("ratio" as const) };
  });
  const all = [...measures.values()];
  const cols = all.map(({ index }) => `m${index}`);
  const sumCols = (from = "") => cols.map((c) => `sum(${from}${c}) AS ${c}`).join(", ");
  const inArms = `"armKey" IN (${armKeys.map(q).join(", ")})`;
  const percentileCaps = compiled.filter((c) => c.metric.kind === "mean" && c.metric.cap === "percentile");

  /** The value a mean metric takes from a (cumulative or total) measure column, capped or 0/1. */
  const meanValue = (c: (typeof compiled)[number], col: string) => `CAST(${meanCase(c, col)} AS DOUBLE PRECISION)`;
  const meanCase = (c: (typeof compiled)[number], col: string) => {
    const { metric } = c;
    if (metric.kind === "proportion") return `CASE WHEN ${col} >= 1 THEN 1 ELSE 0 END`;
    if (metric.cap === "fixed") return `CASE WHEN ${col} > ${Number(metric.capValue)} THEN ${Number(metric.capValue)} ELSE ${col} END`;
    if (metric.cap === "percentile") return `CASE WHEN ${col} > caps.cap${c.num} THEN caps.cap${c.num} ELSE ${col} END`;
    return col;
  };
  const withPre = (c: (typeof compiled)[number]) => c.type === "mean" && pre !== "none";
  const capsJoin = percentileCaps.length ? " CROSS JOIN caps" : "";

  const preSource =
    pre === "rollup"
      ? `SELECT "userId", ${all.map(({ index, measure }) => `${eventMeasureSql(measure)} AS m${index}`).join(", ")} FROM "ReportPrePeriod" WHERE "experimentId" = $1::uuid`
      : `SELECT "userId", ${all.map(({ index, measure }) => `${eventMeasureSql(measure)} AS m${index}`).join(", ")} FROM (
           SELECT "userId", ${eventColumnSums()} FROM "Event"
           WHERE "experimentId" IS NULL AND ts >= $4 AND ts < $5 AND "userId" IN (SELECT "userId" FROM firsts)
           GROUP BY "userId") pe`;

  // Per metric five statistics: mean → Σx, Σx², Σp, Σp², Σxp (p: pre-period value); ratio → Σx, Σy, Σx², Σy², Σxy.
  const finalStats = compiled
    .map((c, k) => {
      const x = `x${k}`;
      const n = "count(*)";
      const sq = (a: string, b: string) => `coalesce(covar_samp(${a}, ${b}), 0) * (${n} - 1) + CAST(sum(${a}) AS DOUBLE PRECISION) * sum(${b}) / ${n}`;
      const second = c.type === "mean" ? `p${k}` : `y${k}`;
      const stats = c.type === "mean" ? [`sum(${x})`, sq(x, x), `sum(${second})`, sq(second, second), sq(x, second)] : [`sum(${x})`, `sum(${second})`, sq(x, x), sq(second, second), sq(x, second)];
      return stats.map((s, i) => `CAST(${s} AS DOUBLE PRECISION) AS s${k}_${i + 1}`).join(", ");
    })
    .join(",\n      ");
  const finalValues = compiled
    .map((c, k) =>
      c.type === "mean"
        ? `${meanValue(c, `t.m${c.num}`)} AS x${k}, ${withPre(c) ? meanValue(c, `coalesce(p.m${c.num}, 0)`) : "0"} AS p${k}`
        : `${dbl(`t.m${c.num}`)} AS x${k}, ${dbl(`t.m${c.den}`)} AS y${k}`,
    )
    .join(", ");

  const seriesValues = compiled
    .map((c, k) => (c.type === "mean" ? `${meanValue(c, `m${c.num}`)} AS x${k}, 0 AS y${k}` : `${dbl(`m${c.num}`)} AS x${k}, ${dbl(`m${c.den}`)} AS y${k}`))
    .join(", ");
  const lagged = (e: string) => `${e} - coalesce(lag(${e}) OVER u, 0)`;
  const deltas = compiled.map((_, k) => `${lagged(`x${k}`)} AS dx${k}, ${lagged(`y${k}`)} AS dy${k}, ${lagged(`x${k} * x${k}`)} AS dxx${k}, ${lagged(`y${k} * y${k}`)} AS dyy${k}, ${lagged(`x${k} * y${k}`)} AS dxy${k}`).join(", ");
  const deltaNames = compiled.flatMap((_, k) => [`dx${k}`, `dy${k}`, `dxx${k}`, `dyy${k}`, `dxy${k}`]);
  const seriesStats = compiled
    .map((c, k) => {
      const order = c.type === "mean" ? [`dx${k}`, `dxx${k}`, null, null, null] : [`dx${k}`, `dy${k}`, `dxx${k}`, `dyy${k}`, `dxy${k}`];
      return order.map((d, i) => `CAST(${d ? `sum(coalesce(ad.${d}, 0)) OVER a` : "0"} AS DOUBLE PRECISION) AS s${k}_${i + 1}`).join(", ");
    })
    .join(",\n      ");
  const statNames = compiled.flatMap((_, k) => [1, 2, 3, 4, 5].map((i) => `s${k}_${i}`)).join(", ");

  const text = `
WITH exposure AS (
  SELECT "userId", "armKey", day, requests, sessions FROM "ReportExposureDay" WHERE "experimentId" = $1::uuid
  UNION ALL
  SELECT "userId", "armKey", CAST(ts AS DATE) AS day, count(*) AS requests, ${SESSIONS_SQL} AS sessions
  FROM "Decision" WHERE "experimentId" = $1::uuid AND "armKey" IS NOT NULL AND ts >= $2
  GROUP BY "userId", "armKey", CAST(ts AS DATE)
), feedback AS (
  SELECT "userId", "armKey", day, ${EVENT_COLUMNS.map(ident).join(", ")} FROM "ReportFeedbackDay" WHERE "experimentId" = $1::uuid
  UNION ALL
  SELECT "userId", "armKey", CAST(ts AS DATE) AS day, ${eventColumnSums()}
  FROM "Event" WHERE "experimentId" = $1::uuid AND "armKey" IS NOT NULL AND "receivedAt" >= $3
  GROUP BY "userId", "armKey", CAST(ts AS DATE)
), ud AS (
  SELECT "userId", "armKey", day, sum(req) AS req, ${sumCols()} FROM (
    SELECT "userId", "armKey", day, requests AS req, ${all.map(({ index, measure }) => `${exposureMeasureSql(measure)} AS m${index}`).join(", ")} FROM exposure
    UNION ALL
    SELECT "userId", "armKey", day, 0 AS req, ${all.map(({ index, measure }) => `${eventMeasureSql(measure)} AS m${index}`).join(", ")} FROM feedback
  ) x WHERE ${inArms}
  GROUP BY "userId", "armKey", day
), firsts AS (
  -- A user counts from the first day with a rank request; earlier feedback counts on that day.
  SELECT "userId", "armKey", min(day) AS first_day FROM ud WHERE req > 0 GROUP BY "userId", "armKey"
), uday AS (
  SELECT ud."userId", ud."armKey", CASE WHEN ud.day < f.first_day THEN f.first_day ELSE ud.day END AS day, ${sumCols("ud.")}
  FROM ud JOIN firsts f ON f."userId" = ud."userId" AND f."armKey" = ud."armKey"
  GROUP BY ud."userId", ud."armKey", CASE WHEN ud.day < f.first_day THEN f.first_day ELSE ud.day END
), totals AS (
  SELECT "userId", "armKey", ${sumCols()} FROM uday GROUP BY "userId", "armKey"
)${
    percentileCaps.length
      ? `, caps AS (
  SELECT ${percentileCaps.map((c) => `percentile_cont(${Number(c.metric.capValue) / 100}) WITHIN GROUP (ORDER BY m${c.num}) AS cap${c.num}`).join(", ")} FROM totals
)`
      : ""
  }${pre !== "none" ? `, pre AS (${preSource})` : ""}, final_users AS (
  SELECT t."armKey", ${pre !== "none" ? `CASE WHEN p."userId" IS NULL THEN 0 ELSE 1 END` : "0"} AS has_pre, ${finalValues}
  FROM totals t${pre !== "none" ? ` LEFT JOIN pre p ON p."userId" = t."userId"` : ""}${capsJoin}
), cum AS (
  SELECT "userId", "armKey", day, ${cols.map((c) => `sum(${c}) OVER w AS ${c}`).join(", ")}
  FROM uday WINDOW w AS (PARTITION BY "userId", "armKey" ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), vals AS (
  SELECT "userId", "armKey", day, ${seriesValues} FROM cum${capsJoin}
), deltas AS (
  SELECT "armKey", day, CASE WHEN lag(day) OVER u IS NULL THEN 1 ELSE 0 END AS entered, ${deltas}
  FROM vals WINDOW u AS (PARTITION BY "userId", "armKey" ORDER BY day)
), arm_day AS (
  SELECT "armKey", day, sum(entered) AS entered, ${deltaNames.map((d) => `sum(${d}) AS ${d}`).join(", ")} FROM deltas GROUP BY "armKey", day
), grid AS (
  SELECT a."armKey", d.day FROM (SELECT DISTINCT "armKey" FROM arm_day) a CROSS JOIN (SELECT DISTINCT day FROM arm_day) d
)
SELECT 'final' AS part, "armKey", CAST(NULL AS DATE) AS day, CAST(count(*) AS DOUBLE PRECISION) AS n, CAST(sum(has_pre) AS DOUBLE PRECISION) AS with_pre,
      ${finalStats}
FROM final_users GROUP BY "armKey"
UNION ALL
SELECT 'series', "armKey", day, n, with_pre, ${statNames} FROM (
  SELECT g."armKey", g.day, CAST(sum(coalesce(ad.entered, 0)) OVER a AS DOUBLE PRECISION) AS n, CAST(0 AS DOUBLE PRECISION) AS with_pre,
      ${seriesStats}
  FROM grid g LEFT JOIN arm_day ad ON ad."armKey" = g."armKey" AND ad.day = g.day
  WINDOW a AS (PARTITION BY g."armKey" ORDER BY g.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) s`;
  return { text, metrics: compiled.map((c) => ({ key: c.metric.key, type: c.type, pre: withPre(c) })) };
}
