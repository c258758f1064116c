import { db } from "@/lib/db/client";

/**
 * Daily partitions of the "Event" table (partitioned by RANGE of `ts`, UTC days; see the migration
 * `events_partitioned_by_day`). A day without its partition is not a problem — its events land in
 * "Event_default" — but a day with one can be scanned, vacuumed, archived or dropped on its own.
 * The launcher and the db-maintenance job keep partitions ready from yesterday to a week ahead.
 */
const DAY_MS = 86_400_000;
/** Serialises partition changes between processes (arbitrary, fixed). */
const PARTITION_LOCK = 72707370;

function utcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function eventPartitionName(day: Date): string {
  return `Event_p${isoDay(day).replaceAll("-", "")}`;
}

export async function listEventPartitions(): Promise<string[]> {
  const rows = await db.$queryRaw<{ name: string }[]>`
    SELECT c.relname::text AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'Event' AND p.relnamespace = current_schema()::regnamespace
    ORDER BY 1`;
  return rows.map((r) => r.name);
}

/**
 * Creates the missing daily partitions for `days` UTC days from the day of `from`. Events of such a
 * day already in the default partition move into the new partition in the same transaction, so no
 * event is lost or counted twice, and ingestion waits for the (short) table lock instead of failing.
 * Returns the partitions created.
 */
export async function ensureEventPartitions(from: Date, days: number): Promise<string[]> {
  const existing = new Set(await listEventPartitions());
  const created: string[] = [];
  for (let k = 0; k < days; k++) {
    const start = new Date(utcDay(from).getTime() + k * DAY_MS);
    const name = eventPartitionName(start);
    if (existing.has(name)) continue;
    const made = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`;
      const [{ exists }] = await tx.$queryRaw<{ exists: boolean }[]>`SELECT to_regclass(${`"${name}"`}) IS NOT NULL AS exists`;
      if (exists) return false;
      // Behind a long report query this waits at most 5 s; the next maintenance run tries again.
      await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '5s'`);
      await tx.$executeRawUnsafe(`LOCK TABLE "Event" IN ACCESS EXCLUSIVE MODE`);
      // Literals built from Dates, never from input.
      const [lo, hi] = [isoDay(start), isoDay(new Date(start.getTime() + DAY_MS))];
      await tx.$executeRawUnsafe(`CREATE TEMP TABLE event_move (LIKE "Event") ON COMMIT DROP`);
      await tx.$executeRawUnsafe(`WITH moved AS (DELETE FROM "Event_default" WHERE ts >= '${lo}' AND ts < '${hi}' RETURNING *) INSERT INTO event_move SELECT * FROM moved`);
      await tx.$executeRawUnsafe(`CREATE TABLE "${name}" PARTITION OF "Event" FOR VALUES FROM ('${lo}') TO ('${hi}')`);
      await tx.$executeRawUnsafe(`INSERT INTO "Event" SELECT * FROM event_move`);
      return true;
    });
    if (made) created.push(name);
  }
  return created;
}

/** Yesterday to a week ahead: what a running platform keeps ready. */
export function ensureUpcomingEventPartitions(now = new Date()): Promise<string[]> {
  return ensureEventPartitions(new Date(now.getTime() - DAY_MS), 9);
}
