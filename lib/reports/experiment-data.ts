import { db } from "@/lib/db/client";
import { INTERACTION_TYPES } from "@/lib/events/event-input";

/**
 * The raw material of a report, aggregated in SQL: per user and session the exposure (rank
 * requests), per user and day the feedback, and per user the same feedback in the pre-period
 * (before the experiment started, outside any experiment) for CUPED.
 */
export interface SessionRow { userId: string; armKey: string; day: string; requests: number }
export interface DayRow { userId: string; armKey: string; day: string; valid: number; duration: number; interactions: number }
export interface PreRow { userId: string; valid: number; duration: number; interactions: number }

export const PRE_PERIOD_DAYS = 14;

export async function experimentFingerprint(experimentId: string): Promise<string> {
  const [row] = await db.$queryRaw<{ f: string }[]>`
    SELECT concat_ws('|',
      (SELECT "updatedAt" FROM "Experiment" WHERE id = ${experimentId}::uuid),
      (SELECT count(*) FROM "Decision" WHERE "experimentId" = ${experimentId}::uuid),
      (SELECT count(*) FROM "Event" WHERE "experimentId" = ${experimentId}::uuid),
      (SELECT max("receivedAt") FROM "Event" WHERE "experimentId" = ${experimentId}::uuid)) AS f`;
  return row.f;
}

export async function loadExperimentData(experimentId: string, startedAt: Date | null) {
  const interactions = [...INTERACTION_TYPES];
  const sessions = await db.$queryRaw<SessionRow[]>`
    SELECT "userId", "armKey", to_char(min(ts), 'YYYY-MM-DD') AS day, count(*)::float8 AS requests
    FROM "Decision" WHERE "experimentId" = ${experimentId}::uuid AND "armKey" IS NOT NULL
    GROUP BY "userId", "armKey", coalesce("sessionId", 'day:' || to_char(ts, 'YYYY-MM-DD'))`;
  const days = await db.$queryRaw<DayRow[]>`
    SELECT "userId", "armKey", to_char(ts, 'YYYY-MM-DD') AS day,
      (count(*) FILTER (WHERE type = 'valid_play'))::float8 AS valid,
      coalesce(sum(value) FILTER (WHERE type = 'play'), 0)::float8 AS duration,
      (count(*) FILTER (WHERE type = ANY(${interactions}::text[])))::float8 AS interactions
    FROM "Event" WHERE "experimentId" = ${experimentId}::uuid AND "armKey" IS NOT NULL
    GROUP BY 1, 2, 3`;
  const pre = startedAt
    ? await db.$queryRaw<PreRow[]>`
        SELECT e."userId",
          (count(*) FILTER (WHERE type = 'valid_play'))::float8 AS valid,
          coalesce(sum(value) FILTER (WHERE type = 'play'), 0)::float8 AS duration,
          (count(*) FILTER (WHERE type = ANY(${interactions}::text[])))::float8 AS interactions
        FROM "Event" e
        WHERE e."experimentId" IS NULL AND e.ts < ${startedAt} AND e.ts >= ${new Date(startedAt.getTime() - PRE_PERIOD_DAYS * 86_400_000)}
          AND e."userId" IN (SELECT DISTINCT "userId" FROM "Decision" WHERE "experimentId" = ${experimentId}::uuid)
        GROUP BY 1`
    : [];
  return { sessions, days, pre };
}
