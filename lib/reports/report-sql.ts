import { EVENT_TYPES } from "@/lib/events/event-input";
import type { Measure, MetricDefinition } from "@/lib/metrics/metric-input";

/**
 * Compiles an experiment's metrics into one SQL statement that returns per-arm sufficient statistics
 * (part 'final': over all data, with the pre-period sums for CUPED), the daily cumulative series
 * (part 'series': one row per arm and day), the health counts (part 'health': per arm and in total)
 * and the segment metric's statistics per segment (part 'segment': per dimension, segment and arm),
 * so no per-user row ever leaves the database.
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
 * A user counts from their first rank request: that row's change is from 0 (it carries the rows before it, which
 * are left out). The same pass gives the segment keys of the first request and the health counts through each row.
 * The data-quality rules (docs/statistics.md §7) hold in every part: a user with rank requests in more than one arm is
 * left out (found among the per-user rows, `user_arms`: a small window over their last rows) and counted; events
 * before the user's first exposure, after the stop or outside the attribution window are left out and counted
 * (eventUserDaysSql, for the rollup and the tail alike). A user's segment keys are those of their first rank request.
 * `users` restricts every per-user source to a range of user ids, so that a large report runs as several statements
 * whose rows add up (report-statistics.ts).
 */

const dbl = (e: string) => `CAST(${e} AS DOUBLE PRECISION)`;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s}"`;

/** Count and value-sum columns of each event type, as the rollups and the tail aggregate them. */
export const EVENT_COLUMNS = EVENT_TYPES.flatMap((t) => [`${t}_n`, `${t}_v`]);

/**
 * `sum(CASE …) AS "play_n", …` over Event rows: the per-type columns the rollups hold (of the rows where `when` holds).
 */
export function eventColumnSums(types: readonly string[] = EVENT_TYPES, when = "1 = 1"): string {
  return types
    .flatMap((t) => [
      `sum(CASE WHEN ${when} AND type = ${q(t)} THEN 1 ELSE 0 END) AS ${ident(`${t}_n`)}`,
      `sum(CASE WHEN ${when} AND type = ${q(t)} THEN value ELSE 0 END) AS ${ident(`${t}_v`)}`,
    ])
    .join(", ");
}

/** Sessions of a group of decisions: distinct session ids, plus one for requests without a session id. */
export const SESSIONS_SQL = `count(DISTINCT "sessionId") + max(CASE WHEN "sessionId" IS NULL THEN 1 ELSE 0 END)`;

/**
 * Per user, arm and day, the decisions matching `where`: requests, sessions, the first request's
 * time and its segment keys (lib/serving/segment-keys.ts). Used by the rollup and the report's tail.
 */
export function decisionUserDaysSql(where: string): string {
  return `SELECT "userId", "armKey", day, count(*) AS requests, ${SESSIONS_SQL} AS sessions, min(ts) AS "firstTs",
    min(fa) AS activity, min(fp) AS platform
  FROM (SELECT "userId", "armKey", "sessionId", ts, CAST(ts AS DATE) AS day, first_value(activity) OVER d AS fa,
    first_value(platform) OVER d AS fp
    FROM "Decision" WHERE ${where} WINDOW d AS (PARTITION BY "userId", "armKey", CAST(ts AS DATE) ORDER BY ts)) x
  GROUP BY "userId", "armKey", day`;
}

/** The data-quality rules on events (docs/statistics.md §7) that depend on the experiment. */
export interface EventRules {
  /** Events at or after the stop do not count. */
  stoppedAt: Date | null;
  /** Events count only this many days from the user's first exposure (null: until the stop). */
  attributionWindowDays: number | null;
}

/**
 * A range of user ids, from ≤ userId < to (null: unbounded), compared in the database's collation: a report split by
 * users runs once per range of a partition of all ids (report-statistics.ts), so each user is in exactly one part.
 */
export interface UserRange {
  from: string | null;
  to: string | null;
}

/** ` AND <col> >= 'from' AND <col> < 'to'` for a range (empty without one). */
export function userRangeSql(users: UserRange | undefined, col = '"userId"'): string {
  return [
    users?.from != null ? ` AND ${col} >= ${q(users.from)}` : "",
    users?.to != null ? ` AND ${col} < ${q(users.to)}` : "",
  ].join("");
}

const timestampLiteral = (d: Date) => `TIMESTAMP '${d.toISOString().replace("T", " ").replace("Z", "")}'`;

/**
 * Per user, arm and day of `ts`, the events matching `where`, split by the rules: the per-type
 * columns sum the events that count (at or after the user's first exposure, before the stop and
 * within the attribution window); "preExposureEvents" and "lateEvents" count the others. The
 * user's first exposure is the earliest rank request of the experiment: rolled user-days'
 * "firstTs" ∪ decisions from `through` (the first day not rolled), only for the users in `where`.
 * Client timestamps decide, so a clock-skewed event before its own decision is pre-exposure. `users`: only the users
 * of that range (every source, so the first exposure is found from the user's own rows alone).
 */
export function eventUserDaysSql(
  where: string,
  through: string,
  rules: EventRules,
  types?: readonly string[],
  users?: UserRange,
): string {
  const range = userRangeSql(users);
  const inWindow = [
    "fe.first_ts IS NOT NULL AND ev.ts >= fe.first_ts",
    ...(rules.stoppedAt ? [`ev.ts < ${timestampLiteral(rules.stoppedAt)}`] : []),
    ...(rules.attributionWindowDays !== null
      ? [`ev.ts < fe.first_ts + INTERVAL '${Math.trunc(rules.attributionWindowDays)}' DAY`]
      : []),
  ].join(" AND ");
  return `SELECT ev."userId", ev."armKey", CAST(ev.ts AS DATE) AS day, ${eventColumnSums(types, `(${inWindow})`)},
    sum(CASE WHEN fe.first_ts IS NULL OR ev.ts < fe.first_ts THEN 1 ELSE 0 END) AS "preExposureEvents",
    sum(CASE WHEN fe.first_ts IS NOT NULL AND ev.ts >= fe.first_ts AND NOT
      (${inWindow}) THEN 1 ELSE 0 END) AS "lateEvents"
  FROM "Event" ev LEFT JOIN (
    SELECT "userId", min(f) AS first_ts FROM (
      SELECT "userId", "firstTs" AS f FROM "ReportUserDay" WHERE "experimentId" = $1::uuid AND "firstTs" IS NOT NULL${range}
      UNION ALL
      SELECT "userId", ts FROM "Decision" WHERE "experimentId" = $1::uuid AND "armKey" IS NOT NULL AND ts >= ${through}${range}
    ) x WHERE "userId" IN (SELECT "userId" FROM "Event" WHERE ${where}${range}) GROUP BY "userId"
  ) fe ON fe."userId" = ev."userId"
  WHERE ${where}${userRangeSql(users, 'ev."userId"')}
  GROUP BY ev."userId", ev."armKey", CAST(ev.ts AS DATE)`;
}

const measureKey = (m: Measure) =>
  m.source === "events" ? `events:${m.aggregate}:${[...m.eventTypes].sort().join(",")}` : m.source;

/**
 * A measure over a row with the per-type columns; `exposure` gives the requests / sessions expressions there (0 where
 * the row has none).
 */
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
  rules: EventRules;
  /** The metric the 'segment' rows carry (the primary); its key must be among `metrics`. */
  segmentMetric: string;
  /**
   * Only the users of this range, in every per-user source (rollups, tail, first exposures, pre-period): the rows of
   * the parts of a partition of all user ids add up to the rows of one statement (report-statistics.ts). Not with
   * percentile caps, which need every user.
   */
  users?: UserRange;
}

/** Segment dimensions of the 'segment' rows: column of final_users per dimension. */
export const SEGMENT_DIMENSIONS = ["activity", "platform", "tenure"] as const;
export type SegmentDimension = (typeof SEGMENT_DIMENSIONS)[number];

export interface ReportSqlColumns {
  /**
   * Per metric (same order): which result columns s{k}_1..s{k}_5 mean what; ev{k} counts its events (null: not an event
   * metric).
   */
  metrics: { key: string; type: "mean" | "ratio"; pre: boolean; events: boolean }[];
}

export function reportSql({
  metrics,
  armKeys,
  pre,
  rules,
  segmentMetric,
  users,
}: ReportSqlInput): { text: string } & ReportSqlColumns {
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
    // Events of the metric's types (for the health check "a guardrail's data is missing").
    const types = [m.numerator, ...(m.denominator ? [m.denominator] : [])].flatMap((x) =>
      x.source === "events" ? x.eventTypes : [],
    );
    const events = types.length
      ? measureIndex({ source: "events", aggregate: "count", eventTypes: [...new Set(types)] })
      : null;
    return { metric: m, num, den, events, type: den === null ? ("mean" as const) : ("ratio" as const) };
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
  const range = userRangeSql(users);

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
      ? `SELECT "userId", ${measureCols(null, true)} FROM "ReportPrePeriod" WHERE "experimentId" = $1::uuid${range}`
      : `SELECT "userId", ${measureCols(null, true)} FROM (
           SELECT "userId", ${eventColumnSums(usedTypes.length ? usedTypes : ["play"])} FROM "Event"
           WHERE "experimentId" IS NULL AND ts >= $4 AND ts < $5${range} AND "userId" IN (SELECT "userId" FROM totals)
           GROUP BY "userId") pe`;

  // Per metric five statistics: mean → Σx, Σx², Σp, Σp², Σxp (p: pre-period value); ratio → Σx, Σy, Σx², Σy², Σxy.
  const finalValues = compiled
    .map((c, k) =>
      c.type === "mean"
        ? `${value(c, `t.m${c.num}`)} AS x${k}, ${withPre(c) ? value(c, `coalesce(p.m${c.num}, 0)`) : "0.0"} AS p${k}`
        : `t.m${c.num} AS x${k}, t.m${c.den} AS y${k}`,
    )
    .join(", ");
  const sq = (a: string, b: string) =>
    `coalesce(covar_samp(${a}, ${b}), 0) * (count(*) - 1) + sum(${a}) * sum(${b}) / count(*)`;
  const statsOf = (c: Compiled, k: number) => {
    const [x, second] = [`x${k}`, c.type === "mean" ? `p${k}` : `y${k}`];
    return c.type === "mean"
      ? [`sum(${x})`, sq(x, x), `sum(${second})`, sq(second, second), sq(x, second)]
      : [`sum(${x})`, `sum(${second})`, sq(x, x), sq(second, second), sq(x, second)];
  };
  const segmentIndex = compiled.findIndex((c) => c.metric.key === segmentMetric);
  /** The five statistics of every metric (`only`: of that metric, 0 for the others). */
  const finalStats = (only?: number) =>
    compiled
      .map((c, k) =>
        (only === undefined || only === k ? statsOf(c, k) : ["0", "0", "0", "0", "0"])
          .map((x, i) => `${dbl(x)} AS s${k}_${i + 1}`)
          .join(", "),
      )
      .join(",\n    ");
  const eventCols = (final: boolean) =>
    compiled.map((c, k) => `${dbl(final && c.events !== null ? `sum(ev${k})` : "0")} AS ev${k}`).join(", ");
  const noHealth = `${dbl("0")} AS excluded, ${dbl("0")} AS pre_ex, ${dbl("0")} AS late`;
  const noSegment = `CAST(NULL AS TEXT) AS dim, CAST(NULL AS TEXT) AS val`;

  // Each row's change of the user's value: after (cumulative c) minus before (c − this row's m). The row where the
  // user enters (their first rank request) changes it from 0: it carries the rows before it, which are left out.
  const change = (after: string, before: string) => `(${after}) - (${before})`;
  const before = (i: number) => `(CASE WHEN entered = 1 THEN 0 ELSE c${i} - m${i} END)`;
  const deltas = compiled
    .map((c, k) => {
      if (c.type === "mean") {
        const [a, b] = [value(c, `c${c.num}`), value(c, before(c.num))];
        const squares = change(`(${a}) * (${a})`, `(${b}) * (${b})`);
        return `${change(a, b)} AS dx${k}, 0.0 AS dy${k}, ${squares} AS dxx${k}, 0.0 AS dyy${k}, 0.0 AS dxy${k}`;
      }
      const [xa, xb, ya, yb] = [`c${c.num}`, before(c.num), `c${c.den}`, before(c.den!)];
      const [xx, yy, xy] = [
        change(`${xa} * ${xa}`, `${xb} * ${xb}`),
        change(`${ya} * ${ya}`, `${yb} * ${yb}`),
        change(`${xa} * ${ya}`, `${xb} * ${yb}`),
      ];
      return `${change(xa, xb)} AS dx${k}, ${change(ya, yb)} AS dy${k}, ${xx} AS dxx${k}, ${yy} AS dyy${k}, ${xy} AS dxy${k}`;
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

  const tailWhere = `"experimentId" = $1::uuid AND "armKey" IS NOT NULL`;
  // A segment key of the user's first rank request, in the same window pass as everything else: the
  // smallest 'YYYY-MM-DD|key' over the user's request rows (one per day; characters 12… are the key).
  const firstRequest = (key: string) =>
    `CASE WHEN req > 0 THEN CAST(day AS VARCHAR(10)) || '|' || coalesce(${key}, '') END`;
  const capsSelect = percentileCaps
    .map((c) => `percentile_cont(${Number(c.metric.capValue) / 100}) WITHIN GROUP (ORDER BY m${c.num}) AS cap${c.num}`)
    .join(", ");
  // A segment key is characters 12… of the first request's 'YYYY-MM-DD|key'; none → 'unknown'.
  const segmentKeys = ["activity", "platform"]
    .map((k) => `coalesce(NULLIF(SUBSTRING(t.first_${k} FROM 12), ''), 'unknown') AS ${k}`)
    .join(", ");
  const tailEvents = eventUserDaysSql(
    `${tailWhere} AND "receivedAt" >= $3`,
    "$2",
    rules,
    usedTypes.length ? usedTypes : ["play"],
    users,
  );
  const text = `
WITH input AS (
  SELECT "userId", "armKey", day, requests AS req, activity, platform, "preExposureEvents" AS pre_ex,
    "lateEvents" AS late,
    ${measureCols({ requests: "requests", sessions: "sessions" }, true)}
  FROM "ReportUserDay" WHERE "experimentId" = $1::uuid${range}
  UNION ALL
  SELECT "userId", "armKey", day, requests, activity, platform, 0,
    0, ${measureCols({ requests: "requests", sessions: "sessions" }, false)}
  FROM (${decisionUserDaysSql(`${tailWhere} AND ts >= $2${range}`)}) d
  UNION ALL
  SELECT "userId", "armKey", day, 0, CAST(NULL AS TEXT), CAST(NULL AS TEXT), "preExposureEvents",
    "lateEvents", ${measureCols(null, true)}
  FROM (${tailEvents}) e
), w AS (
  SELECT "userId", "armKey", day, ${cols.join(", ")},
    CASE WHEN req > 0 AND sum(CASE WHEN req > 0 THEN 1 ELSE 0 END) OVER cw = 1 THEN 1 ELSE 0 END AS entered,
    sum(CASE WHEN req > 0 THEN 1 ELSE 0 END) OVER cw AS req_rows,
    ${["activity", "platform"].map((k) => `min(${firstRequest(k)}) OVER cw AS first_${k}`).join(", ")},
    ${cols.map((c, i) => `sum(${c}) OVER cw AS c${i}`).join(", ")}, sum(pre_ex) OVER cw AS c_pre_ex,
    sum(late) OVER cw AS c_late, CASE WHEN lead(day) OVER cw IS NULL THEN 1 ELSE 0 END AS last
  FROM input WHERE "armKey" IN (${armKeys.map(q).join(", ")})
  WINDOW cw AS (PARTITION BY "userId", "armKey" ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), user_arms AS (
  SELECT "userId", "armKey", req_rows, first_activity, first_platform, ${cols.map((_, i) => `c${i}`).join(", ")},
    c_pre_ex, c_late, CASE WHEN sum(CASE WHEN req_rows > 0 THEN 1 ELSE 0 END) OVER (PARTITION BY "userId") > 1 THEN 1
      ELSE 0 END AS multi
  FROM w WHERE last = 1
), totals AS (
  SELECT "userId", "armKey", first_activity, first_platform, ${cols.map((c, i) => `c${i} AS ${c}`).join(", ")}
  FROM user_arms WHERE req_rows > 0 AND multi = 0
)${
    percentileCaps.length
      ? `, caps AS (
  SELECT ${capsSelect} FROM totals
)`
      : ""
  }${pre !== "none" ? `, pre AS (${preSource})` : ""}, final_users AS (
  SELECT t."armKey", ${pre !== "none" ? `CASE WHEN p."userId" IS NULL THEN 0 ELSE 1 END` : "0"} AS has_pre,
    ${segmentKeys},
    CASE WHEN ${pre !== "none" ? `p."userId" IS NULL` : "1 = 1"} THEN 'new' ELSE 'returning' END AS tenure,
    ${compiled.map((c, k) => `${c.events === null ? "0" : `t.m${c.events}`} AS ev${k}`).join(", ")}, ${finalValues}
  FROM totals t${pre !== "none" ? ` LEFT JOIN pre p ON p."userId" = t."userId"` : ""}${capsJoin}
), deltas AS (
  SELECT "armKey", day, entered,
    ${deltas}
  FROM w${capsJoin} WHERE req_rows > 0 AND NOT EXISTS (SELECT 1 FROM user_arms m WHERE m.multi = 1 AND m."userId" =
    w."userId")
), arm_day AS (
  SELECT "armKey", day, sum(entered) AS
    entered, ${deltaNames.map((d) => `sum(${d}) AS ${d}`).join(", ")} FROM deltas GROUP BY "armKey", day
), grid AS (
  SELECT a."armKey", d.day FROM (SELECT DISTINCT "armKey" FROM arm_day) a CROSS JOIN (SELECT DISTINCT day FROM
    arm_day) d
)
SELECT 'final' AS part, "armKey", CAST(NULL AS DATE) AS
  day, ${noSegment}, ${dbl("count(*)")} AS n, ${dbl("sum(has_pre)")} AS with_pre,
    ${noHealth}, ${eventCols(true)},
    ${finalStats()}
FROM final_users GROUP BY "armKey"
UNION ALL
SELECT 'series', "armKey", day, ${noSegment}, n, with_pre, ${noHealth}, ${eventCols(false)}, ${statNames} FROM (
  SELECT g."armKey", g.day, ${dbl("sum(coalesce(ad.entered, 0)) OVER a")} AS n, ${dbl("0")} AS with_pre,
      ${seriesStats}
  FROM grid g LEFT JOIN arm_day ad ON ad."armKey" = g."armKey" AND ad.day = g.day
  WINDOW a AS (PARTITION BY g."armKey" ORDER BY g.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) s
UNION ALL
SELECT 'health', "armKey", CAST(NULL AS DATE), ${noSegment}, ${dbl("0")}, ${dbl("0")},
    ${dbl("sum(multi)")}, ${dbl("sum(c_pre_ex)")}, ${dbl("sum(c_late)")},
    ${eventCols(false)}, ${finalStats(-1)}
FROM user_arms GROUP BY "armKey"
UNION ALL
SELECT 'health', CAST(NULL AS TEXT), CAST(NULL AS DATE), ${noSegment}, ${dbl("0")}, ${dbl("0")},
    ${dbl(`count(DISTINCT "userId")`)}, ${dbl("0")}, ${dbl("0")},
    ${eventCols(false)}, ${finalStats(-1)}
FROM user_arms WHERE multi = 1${SEGMENT_DIMENSIONS.map(
    (dim) => `
UNION ALL
SELECT 'segment', "armKey", CAST(NULL AS
  DATE), ${q(dim)}, ${dim}, ${dbl("count(*)")}, ${dbl("sum(has_pre)")}, ${noHealth}, ${eventCols(false)},
    ${finalStats(segmentIndex)}
FROM final_users GROUP BY "armKey", ${dim}`,
  ).join("")}`;
  return {
    text,
    metrics: compiled.map((c) => ({ key: c.metric.key, type: c.type, pre: withPre(c), events: c.events !== null })),
  };
}
