import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { eventsBody, MAX_EVENTS_PER_CALL } from "@/lib/events/event-input";
import { processMetrics } from "@/lib/monitoring/process-metrics";
import { parseInput } from "@/lib/validation";

/**
 * POST /api/v1/events. One statement per call: the eventIds are claimed in EventKey (INSERT … ON
 * CONFLICT DO NOTHING), and only the claimed ones are inserted into the day-partitioned Event table.
 * An eventId seen before (a retry, a replay, even with another timestamp) is reported as a duplicate
 * and counted nowhere twice; two calls racing with the same id serialise on its key. Events are
 * joined to their decision at ingestion (experiment and arm copied; in an interleaving experiment the
 * arm that placed the event's item), so reports never scan decisions.
 */
export async function ingestEvents(raw: unknown): Promise<{ accepted: number; duplicates: number }> {
  const count = (raw as { events?: unknown[] } | null)?.events?.length ?? 0;
  if (count > MAX_EVENTS_PER_CALL)
    throw new AppError("payload_too_large", `at most ${MAX_EVENTS_PER_CALL} events per call (got ${count})`, [
      { path: "events", message: "too many" },
    ]);
  const { events } = parseInput(eventsBody, raw, "events");
  // Repeats inside one call are duplicates too; the first one wins.
  const byId = new Map<string, (typeof events)[number]>();
  for (const e of events) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const unique = [...byId.values()];
  const now = new Date().toISOString();
  const rows = await db.$queryRaw<{ n: bigint }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${unique.map((e) => e.eventId)}::text[], ${unique.map((e) => e.decisionId ?? null)}::uuid[],
        ${unique.map((e) => e.userId)}::text[], ${unique.map((e) => e.itemId ?? null)}::text[],
        ${unique.map((e) => e.type)}::text[], ${unique.map((e) => e.value ?? 1)}::float8[],
        ${unique.map((e) => e.ts ?? now)}::timestamptz[]
      ) AS t("eventId", "decisionId", "userId", "itemId", "type", "value", "ts")
    ), claimed AS (
      INSERT INTO "EventKey" ("eventId") SELECT "eventId" FROM input
      ON CONFLICT ("eventId") DO NOTHING
      RETURNING "eventId"
    ), inserted AS (
      INSERT INTO "Event" ("eventId", "decisionId", "userId", "itemId", "type", "value", "ts", "experimentId", "armKey")
      SELECT i."eventId", d.id, i."userId", i."itemId", i."type", i."value", i."ts" AT TIME ZONE 'UTC',
        d."experimentId",
        -- Interleaving: the arm whose policy placed the item (none for an event on no shown item).
        CASE WHEN d.teams IS NULL THEN d."armKey" ELSE d.teams ->> i."itemId" END
      FROM input i JOIN claimed c ON c."eventId" = i."eventId"
      -- An event is joined only to a decision made for its own user; citing another user's decision
      -- (or an unknown one) leaves it unattributed, so no one can add events to someone else's arm.
      LEFT JOIN "Decision" d ON d.id = i."decisionId" AND d."userId" = i."userId"
      RETURNING 1
    )
    SELECT count(*)::bigint AS n FROM inserted`;
  const accepted = Number(rows[0].n);
  processMetrics.eventsWritten.inc({ outcome: "stored" }, accepted);
  processMetrics.eventsWritten.inc({ outcome: "duplicate" }, events.length - accepted);
  return { accepted, duplicates: events.length - accepted };
}
