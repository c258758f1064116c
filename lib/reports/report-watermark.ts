import type pg from "pg";
import { db, sqlPool } from "@/lib/db/client";

/**
 * How far an experiment's rollups reach (lib/reports/rollup-reports.ts), and the cheap watermark
 * that says whether a cached report is still current.
 */
export interface Watermark {
  /** Decisions of days before this one ('YYYY-MM-DD') are in ReportUserDay (requests, sessions). */
  exposureThrough: string;
  /** Events received before this instant (ISO) are in ReportUserDay (per-type columns). */
  feedbackBefore: string;
  preRolled: boolean;
}

export async function readWatermark(client: pg.ClientBase, experimentId: string): Promise<Watermark | null> {
  const { rows } = await client.query<{ through: string; before: string; pre: boolean }>(
    `SELECT to_char("exposureThrough", 'YYYY-MM-DD') AS through, to_char("feedbackBefore",
      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS before, "preRolledAt" IS NOT NULL AS pre
     FROM "ReportWatermark" WHERE "experimentId" = $1::uuid`,
    [experimentId],
  );
  return rows[0] ? { exposureThrough: rows[0].through, feedbackBefore: rows[0].before, preRolled: rows[0].pre } : null;
}

/**
 * Runs a report's statements in one repeatable-read snapshot with the experiment's watermark, so
 * that a rollup committing meanwhile is seen entirely or not at all. `helpers` more connections join
 * the same snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT), for statements that run at once
 * and must see exactly what the first one sees.
 */
export async function inReportSnapshot<T>(
  experimentId: string,
  run: (client: pg.PoolClient, wm: Watermark | null, helpers: pg.PoolClient[]) => Promise<T>,
  helperCount = 0,
): Promise<T> {
  const client = await sqlPool().connect();
  const helpers: pg.PoolClient[] = [];
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    const wm = await readWatermark(client, experimentId);
    if (helperCount > 0) {
      const {
        rows: [{ snapshot }],
      } = await client.query<{ snapshot: string }>("SELECT pg_export_snapshot() AS snapshot");
      for (let i = 0; i < helperCount; i++) {
        helpers.push(await sqlPool().connect());
        await helpers[i].query("BEGIN ISOLATION LEVEL REPEATABLE READ");
        await helpers[i].query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
      }
    }
    const result = await run(client, wm, helpers);
    for (const c of helpers) await c.query("COMMIT");
    await client.query("COMMIT");
    return result;
  } catch (err) {
    for (const c of [...helpers, client]) await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    for (const c of helpers) c.release();
    client.release();
  }
}

/**
 * Changes whenever the report could: the experiment or the metric catalogue was edited, a rollup
 * ran, a decision or an event arrived. Four index lookups (newest decision by (experimentId, ts),
 * newest received event by (experimentId, receivedAt)), whatever the experiment's size.
 */
export async function reportFingerprint(experimentId: string): Promise<string> {
  const [row] = await db.$queryRaw<{ f: string }[]>`
    SELECT concat_ws('|',
      (SELECT "updatedAt" FROM "Experiment" WHERE id = ${experimentId}::uuid),
      (SELECT max("updatedAt") FROM "Metric"), (SELECT count(*) FROM "Metric"),
      (SELECT "updatedAt" FROM "ReportWatermark" WHERE "experimentId" = ${experimentId}::uuid),
      (SELECT max(ts) FROM "Decision" WHERE "experimentId" = ${experimentId}::uuid),
      (SELECT max("receivedAt") FROM "Event" WHERE "experimentId" = ${experimentId}::uuid)) AS f`;
  return row.f;
}
