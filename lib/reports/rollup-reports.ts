import type pg from "pg";
import { db, sqlPool } from "@/lib/db/client";
import type { JobHandler } from "@/lib/jobs/define-job";
import type { RollupReportsPayload } from "@/lib/jobs/registry";
import { decisionUserDaysSql, EVENT_COLUMNS, eventColumnSums, eventUserDaysSql } from "@/lib/reports/report-sql";
import { PRE_PERIOD_DAYS } from "@/lib/reports/report-statistics";

const DAY_MS = 86_400_000;
/** Stopped experiments keep being rolled up this long: late events still arrive after a stop. */
const STOPPED_GRACE_MS = 7 * DAY_MS;

/**
 * Rolls one experiment's decisions and events up into per-user-per-day sums, moving its watermark:
 * - decisions by whole days (requests, sessions of ReportUserDay): a day is rolled once it is over
 *   (minus the lag), so a user's sessions of a day are counted once however its requests spread;
 * - events by the time they were received (the per-type columns of ReportUserDay): late events of
 *   old days land in the next rollup, never twice, because the tail a report reads starts exactly
 *   where the rollup stopped;
 * - the pre-period (ReportPrePeriod) once, when it is over; from then on it is frozen.
 * Each user-day also keeps its first rank request's time and segment keys, and events are split by
 * the report's data-quality rules as they are rolled (eventUserDaysSql): the user's first exposure
 * is known by then (an event joins the experiment only through a committed decision), the stop and
 * the attribution window cannot change once the experiment runs.
 * `lagSeconds` keeps rows of transactions that may still be committing out of the rollup.
 * One transaction per experiment, its watermark row locked: concurrent runs queue behind each other.
 */
export async function rollupExperiment(
  experimentId: string,
  lagSeconds: number,
): Promise<{ decisionDays: number; feedbackRows: number; preUsers: number }> {
  const client = await sqlPool().connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "ReportWatermark" ("experimentId", "exposureThrough", "feedbackBefore", "updatedAt")
       VALUES ($1::uuid, DATE '1970-01-01', TIMESTAMP '1970-01-01 00:00:00', LOCALTIMESTAMP) ON CONFLICT DO NOTHING`,
      [experimentId],
    );
    const {
      rows: [wm],
    } = await client.query<{
      through: string;
      before: string;
      rollUntil: string;
      rollDay: string;
      startedAt: string | null;
      pre: boolean;
      stoppedAt: string | null;
      windowDays: number | null;
    }>(
      `SELECT to_char(w."exposureThrough", 'YYYY-MM-DD') AS through,
         to_char(w."feedbackBefore", 'YYYY-MM-DD HH24:MI:SS.MS') AS before,
         to_char(LOCALTIMESTAMP - $2 * INTERVAL '1 second', 'YYYY-MM-DD HH24:MI:SS.MS') AS "rollUntil",
         to_char(CAST(LOCALTIMESTAMP - $2 * INTERVAL '1 second' AS DATE), 'YYYY-MM-DD') AS "rollDay",
         to_char(e."startedAt", 'YYYY-MM-DD HH24:MI:SS.MS') AS "startedAt", w."preRolledAt" IS NOT NULL AS pre,
         to_char(e."stoppedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "stoppedAt",
         e."attributionWindowDays" AS "windowDays"
       FROM "ReportWatermark" w JOIN "Experiment" e ON e.id = w."experimentId"
       WHERE w."experimentId" = $1::uuid FOR UPDATE OF w`,
      [experimentId, lagSeconds],
    );
    let decisionDays = 0;
    if (wm.rollDay > wm.through) {
      decisionDays = await mergeUserDays(
        client,
        ["requests", "sessions"],
        `SELECT $1::uuid AS "experimentId", d.* FROM ` +
          `(${decisionUserDaysSql(`"experimentId" = $1::uuid AND "armKey" IS NOT NULL AND ts >= $2 AND ts < $3`)}) d`,
        [experimentId, wm.through, wm.rollDay],
        ["firstTs", "activity", "platform"],
      );
    }
    let feedbackRows = 0;
    if (wm.rollUntil > wm.before) {
      const rules = { stoppedAt: wm.stoppedAt ? new Date(wm.stoppedAt) : null, attributionWindowDays: wm.windowDays };
      const newEvents =
        `"experimentId" = $1::uuid AND "armKey" IS NOT NULL ` + `AND "receivedAt" >= $2 AND "receivedAt" < $3`;
      feedbackRows = await mergeUserDays(
        client,
        [...EVENT_COLUMNS, "preExposureEvents", "lateEvents"],
        `SELECT $1::uuid AS "experimentId", e.* FROM (${eventUserDaysSql(newEvents, "$4", rules)}) e`,
        [experimentId, wm.before, wm.rollUntil, wm.through],
      );
    }
    let preUsers = 0;
    const rollPre = !wm.pre && wm.startedAt !== null && wm.startedAt <= wm.rollUntil;
    if (rollPre) {
      const start = new Date(`${wm.startedAt}Z`);
      const r = await client.query(
        `INSERT INTO "ReportPrePeriod" ("experimentId", "userId", ${EVENT_COLUMNS.map((c) => `"${c}"`).join(", ")})
         SELECT $1::uuid, "userId", ${eventColumnSums()} FROM "Event"
         WHERE "experimentId" IS NULL AND ts >= $2 AND ts < $3 GROUP BY "userId"`,
        [experimentId, new Date(start.getTime() - PRE_PERIOD_DAYS * DAY_MS).toISOString(), start.toISOString()],
      );
      preUsers = r.rowCount ?? 0;
    }
    await client.query(
      `UPDATE "ReportWatermark" SET "exposureThrough" = CASE WHEN $2 > "exposureThrough" THEN CAST($2 AS DATE)
        ELSE "exposureThrough" END,
         "feedbackBefore" = CASE WHEN $3 > "feedbackBefore" THEN CAST($3 AS TIMESTAMP) ELSE "feedbackBefore" END,
         "preRolledAt" = CASE WHEN $4 THEN LOCALTIMESTAMP ELSE "preRolledAt" END, "updatedAt" = LOCALTIMESTAMP
       WHERE "experimentId" = $1::uuid`,
      [experimentId, wm.rollDay, wm.rollUntil, rollPre],
    );
    await client.query("COMMIT");
    return { decisionDays, feedbackRows, preUsers };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Adds the `columns` of per-user-day rows from `source` into ReportUserDay (standard SQL MERGE); the
 * `first` columns (the first rank request's time and segment keys) keep the earlier request's.
 */
async function mergeUserDays(
  client: pg.PoolClient,
  columns: readonly string[],
  source: string,
  values: unknown[],
  first: readonly string[] = [],
): Promise<number> {
  const c = columns.map((name) => `"${name}"`);
  const f = first.map((name) => `"${name}"`);
  const all = [...c, ...f];
  const earlier = `t."firstTs" IS NULL OR s."firstTs" < t."firstTs"`;
  const updates = [
    ...c.map((x) => `${x} = t.${x} + s.${x}`),
    ...f.map((x) => `${x} = CASE WHEN ${earlier} THEN s.${x} ELSE t.${x} END`),
  ].join(", ");
  const r = await client.query(
    `MERGE INTO "ReportUserDay" t USING (${source}) s
     ON t."experimentId" = s."experimentId" AND t."userId" = s."userId" AND t."armKey" = s."armKey" AND t.day = s.day
     WHEN MATCHED THEN UPDATE SET ${updates}
     WHEN NOT MATCHED THEN INSERT ("experimentId", "userId", "armKey", day, ${all.join(", ")})
       VALUES (s."experimentId", s."userId", s."armKey", s.day, ${all.map((x) => `s.${x}`).join(", ")})`,
    values,
  );
  return r.rowCount ?? 0;
}

export const runReportRollups: JobHandler<RollupReportsPayload> = async (payload, ctx) => {
  const experiments = payload.experimentId
    ? await db.experiment.findMany({ where: { id: payload.experimentId }, select: { id: true, key: true } })
    : await db.experiment.findMany({
        where: {
          OR: [
            { status: "running" },
            { status: "stopped", stoppedAt: { gt: new Date(Date.now() - STOPPED_GRACE_MS) } },
          ],
        },
        select: { id: true, key: true },
      });
  const rolled: Record<string, Awaited<ReturnType<typeof rollupExperiment>>> = {};
  for (const [i, e] of experiments.entries()) {
    ctx.signal.throwIfAborted();
    rolled[e.key] = await rollupExperiment(e.id, payload.lagSeconds);
    await ctx.log(
      `${e.key}: ${rolled[e.key].decisionDays} user-days of ` +
        `decisions, ${rolled[e.key].feedbackRows} user-days of events, ${rolled[e.key].preUsers} pre-period users`,
    );
    await ctx.progress((i + 1) / experiments.length, `rolled up ${e.key}`);
  }
  return { experiments: rolled };
};
