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
 * rolled up yet, $4 / $5 start and end of the pre-period (only when computed live).
 *
 * Input rows are per user, arm and day: the rollup (ReportUserDay) ∪ the not-yet-rolled tail, which
 * may repeat a (user, arm, day). One window pass per (user, arm), ordered by day, gives each row the
 * user's cumulative sums through it (at the user's last row: the totals); nothing else is sorted:
 * - final statistics from one row per user (its last), with var_samp / covar_samp (centred,
 *   numerically safe) turned back into the Σx² / Σxy that lib/stats takes;
 * - the series from each row's change of x and x² (and y, xy) between the user's cumulative sums
 *   before and after the row — capping and 0/1 proportions stay exact, and the changes telescope
 *   to each user's value as of any day — summed per arm and day and accumulated over days.
 * A user counts from the first day with a rank request; earlier feedback counts on that day.
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

const measureKey = (m: Measure) =>
  m.source === "events" ? `events:${m.aggregate}:${[...m.eventTypes].sort().join(",")}` : m.source;

/** A measure over a row with the per-type columns; `exposure` gives the requests / sessions expressions there (0 where the row has none). */
function measureSql(m: Measure, exposure: { requests: string; sessions: string } | null, events: boolean): string {
  if (m.source === "events")
    return events
      ? `(${m.eventTypes.map((t) => ident(`${t}_${m.aggregate === "count" ? "n" : "v"}`)).join(" + ")})`
      : "0";
  return exposure ? exposure[m.source] : "0";
}

export interface ReportSqlInput {
  metrics: readonly MetricDefinition[];
  armKeys: readonly string[];
  /** Where the pre-period sums come from: the frozen rollup, a live query, or none (not started). */
  pre: "rollup" | "live" | "none";
  /**
   * Only the users with from ≤ userId < to (null: unbounded), so that a large report can run as
   * several statements over user ranges whose sums add up (report-statistics.ts). Not with
   * percentile caps, which need every user.
   */
  users?: { from: string | null; to: string | null };
}

export interface ReportSqlColumns {
  /** Per metric (same order): which result columns s{k}_1..s{k}_5 mean what. */
  metrics: { key: string; type: "mean" | "ratio"; pre: boolean }[];
}

export function reportSql({ metrics, armKeys, pre, users }: ReportSqlInput): { text: string } & ReportSqlColumns {
  const measures = new Map<string, { index: number; measure: Measure }>();
  const measureIndex = (m: Measure) => {
    const key = measureKey(m);
    if (!measures.has(key)) measures.set(key, { index: measures.size, measure: m });
    return measures.get(key)!.index;
  };
  const compiled = metrics.map((m) => {
    const num = measureIndex(m.numerator);
    const den =
      m.kind === "ratio"
        ? measureIndex(m.denominator!)
        : m.kind === "session_mean"
          ? measureIndex({ source: "sessions" })
          : null;
    return { metric: m, num, den, type: den === null ? ("mean" as const) : ("ratio" as const) };
  });
  type Compiled = (typeof compiled)[number];
  const all = [...measures.values()];
  const measureCols = (exposure: { requests: string; sessions: string } | null, events: boolean) =>
    all.map(({ index, measure }) => `${dbl(measureSql(measure, exposure, events))} AS m${index}`).join(", ");
  const usedTypes = [...new Set(all.flatMap(({ measure }) => (measure.source === "events" ? measure.eventTypes : [])))];
  const percentileCaps = compiled.filter((c) => c.metric.kind === "mean" && c.metric.cap === "percentile");
  const capsJoin = percentileCaps.length ? " CROSS JOIN caps" : "";
  const withPre = (c: Compiled) => c.type === "mean" && pre !== "none";
  if (users && percentileCaps.length) throw new Error("a report with percentile caps cannot be split by users");
  const userRange = [
    users?.from != null ? ` AND "userId" >= ${q(users.from)}` : "",
    users?.to != null ? ` AND "userId" < ${q(users.to)}` : "",
  ].join("");

  /** The value a mean metric takes from a per-user (cumulative or total) sum: capped, or 0/1. */
  const value = (c: Compiled, col: string) => {
    const { metric } = c;
    if (metric.kind === "proportion") return `CASE WHEN ${col} >= 1 THEN 1.0 ELSE 0.0 END`;
    const cap =
      metric.cap === "fixed"
        ? String(Number(metric.capValue))
        : metric.cap === "percentile"
          ? `caps.cap${c.num}`
          : null;
    return cap ? `CASE WHEN ${col} > ${cap} THEN ${cap} ELSE ${col} END` : col;
  };

  const preSource =
    pre === "rollup"
      ? `SELECT "userId", ${measureCols(null, true)} FROM "ReportPrePeriod" WHERE "experimentId" = $1::uuid${userRange}`
      : `SELECT "userId", ${measureCols(null, true)} FROM (
           SELECT "userId", ${eventColumnSums(usedTypes.length ? usedTypes : ["play"])} FROM "Event"
           WHERE "experimentId" IS NULL AND ts >= $4 AND ts < $5 AND "userId" IN (SELECT "userId" FROM totals)
           GROUP BY "userId") pe`;

  // Per metric five statistics: mean → Σx, Σx², Σp, Σp², Σxp (p: pre-period value); ratio → Σx, Σy, Σx², Σy², Σxy.
  const finalValues = compiled
    .map((c, k) =>
      c.type === "mean"
        ? `${value(c, `t.m${c.num}`)} AS x${k}, ${withPre(c) ? value(c, `coalesce(p.m${c.num}, 0)`) : "0.0"} AS p${k}`
        : `t.m${c.num} AS x${k}, t.m${c.den} AS y${k}`,
    )
    .join(", ");
  const finalStats = compiled
    .map((c, k) => {
      const sq = (a: string, b: string) =>
        `coalesce(covar_samp(${a}, ${b}), 0) * (count(*) - 1) + sum(${a}) * sum(${b}) / count(*)`;
      const [x, second] = [`x${k}`, c.type === "mean" ? `p${k}` : `y${k}`];
      const stats =
        c.type === "mean"
          ? [`sum(${x})`, sq(x, x), `sum(${second})`, sq(second, second), sq(x, second)]
          : [`sum(${x})`, `sum(${second})`, sq(x, x), sq(second, second), sq(x, second)];
      return stats.map((s, i) => `${dbl(s)} AS s${k}_${i + 1}`).join(", ");
    })
    .join(",\n    ");

  // Each row's change of the user's value: after (cumulative c) minus before (c − this row's m).
  const change = (after: string, before: string) => `(${after}) - (${before})`;
  const deltas = compiled
    .map((c, k) => {
      if (c.type === "mean") {
        const [a, b] = [value(c, `c${c.num}`), value(c, `(c${c.num} - m${c.num})`)];
        return `${change(a, b)} AS dx${k}, 0.0 AS dy${k}, ${change(`(${a}) * (${a})`, `(${b}) * (${b})`)} AS dxx${k}, 0.0 AS dyy${k}, 0.0 AS dxy${k}`;
      }
      const [xa, xb, ya, yb] = [`c${c.num}`, `(c${c.num} - m${c.num})`, `c${c.den}`, `(c${c.den} - m${c.den})`];
      return `m${c.num} AS dx${k}, m${c.den} AS dy${k}, ${change(`${xa} * ${xa}`, `${xb} * ${xb}`)} AS dxx${k}, ${change(`${ya} * ${ya}`, `${yb} * ${yb}`)} AS dyy${k}, ${change(`${xa} * ${ya}`, `${xb} * ${yb}`)} AS dxy${k}`;
    })
    .join(",\n    ");
  const deltaNames = compiled.flatMap((_, k) => [`dx${k}`, `dy${k}`, `dxx${k}`, `dyy${k}`, `dxy${k}`]);
  const seriesStats = compiled
    .map((c, k) => {
      const order =
        c.type === "mean"
          ? [`dx${k}`, `dxx${k}`, null, null, null]
          : [`dx${k}`, `dy${k}`, `dxx${k}`, `dyy${k}`, `dxy${k}`];
      return order.map((d, i) => `${dbl(d ? `sum(coalesce(ad.${d}, 0)) OVER a` : "0")} AS s${k}_${i + 1}`).join(", ");
    })
    .join(",\n      ");
  const statNames = compiled.flatMap((_, k) => [1, 2, 3, 4, 5].map((i) => `s${k}_${i}`)).join(", ");
  const cols = all.map(({ index }) => `m${index}`);

  const text = `
WITH input AS (
  SELECT "userId", "armKey", day, requests AS req, ${measureCols({ requests: "requests", sessions: "sessions" }, true)}
  FROM "ReportUserDay" WHERE "experimentId" = $1::uuid
  UNION ALL
  SELECT "userId", "armKey", CAST(ts AS DATE), count(*), ${measureCols({ requests: "count(*)", sessions: SESSIONS_SQL }, false)}
  FROM "Decision" WHERE "experimentId" = $1::uuid AND "armKey" IS NOT NULL AND ts >= $2
  GROUP BY "userId", "armKey", CAST(ts AS DATE)
  UNION ALL
  SELECT "userId", "armKey", day, 0, ${measureCols(null, true)} FROM (
    SELECT "userId", "armKey", CAST(ts AS DATE) AS day, ${eventColumnSums(usedTypes.length ? usedTypes : ["play"])}
    FROM "Event" WHERE "experimentId" = $1::uuid AND "armKey" IS NOT NULL AND "receivedAt" >= $3
    GROUP BY "userId", "armKey", CAST(ts AS DATE)) e
), w AS (
  SELECT "userId", "armKey", day, ${cols.join(", ")},
    min(CASE WHEN req > 0 THEN day END) OVER u AS first_day,
    ${cols.map((c, i) => `sum(${c}) OVER cw AS c${i}`).join(", ")},
    row_number() OVER cw AS rn, CASE WHEN lead(day) OVER cw IS NULL THEN 1 ELSE 0 END AS last
  FROM input WHERE "armKey" IN (${armKeys.map(q).join(", ")})${userRange}
  WINDOW u AS (PARTITION BY "userId", "armKey"), cw AS (PARTITION BY "userId", "armKey" ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), totals AS (
  SELECT "userId", "armKey", ${cols.map((c, i) => `c${i} AS ${c}`).join(", ")} FROM w WHERE last = 1 AND first_day IS NOT NULL
)${
    percentileCaps.length
      ? `, caps AS (
  SELECT ${percentileCaps.map((c) => `percentile_cont(${Number(c.metric.capValue) / 100}) WITHIN GROUP (ORDER BY m${c.num}) AS cap${c.num}`).join(", ")} FROM totals
)`
      : ""
  }${pre !== "none" ? `, pre AS (${preSource})` : ""}, final_users AS (
  SELECT t."armKey", ${pre !== "none" ? `CASE WHEN p."userId" IS NULL THEN 0 ELSE 1 END` : "0"} AS has_pre, ${finalValues}
  FROM totals t${pre !== "none" ? ` LEFT JOIN pre p ON p."userId" = t."userId"` : ""}${capsJoin}
), deltas AS (
  SELECT "armKey", CASE WHEN day < first_day THEN first_day ELSE day END AS day, CASE WHEN rn = 1 THEN 1 ELSE 0 END AS entered,
    ${deltas}
  FROM w${capsJoin} WHERE first_day IS NOT NULL
), arm_day AS (
  SELECT "armKey", day, sum(entered) AS entered, ${deltaNames.map((d) => `sum(${d}) AS ${d}`).join(", ")} FROM deltas GROUP BY "armKey", day
), grid AS (
  SELECT a."armKey", d.day FROM (SELECT DISTINCT "armKey" FROM arm_day) a CROSS JOIN (SELECT DISTINCT day FROM arm_day) d
)
SELECT 'final' AS part, "armKey", CAST(NULL AS DATE) AS day, ${dbl("count(*)")} AS n, ${dbl("sum(has_pre)")} AS with_pre,
    ${finalStats}
FROM final_users GROUP BY "armKey"
UNION ALL
SELECT 'series', "armKey", day, n, with_pre, ${statNames} FROM (
  SELECT g."armKey", g.day, ${dbl("sum(coalesce(ad.entered, 0)) OVER a")} AS n, ${dbl("0")} AS with_pre,
      ${seriesStats}
  FROM grid g LEFT JOIN arm_day ad ON ad."armKey" = g."armKey" AND ad.day = g.day
  WINDOW a AS (PARTITION BY g."armKey" ORDER BY g.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) s`;
  return { text, metrics: compiled.map((c) => ({ key: c.metric.key, type: c.type, pre: withPre(c) })) };
}
