import { db } from "@/lib/db/client";

/**
 * Daily partitions of the tables partitioned by RANGE of `ts` (UTC days): "Event" (migration
 * `events_partitioned_by_day`), "Decision" and "DecisionItems" (migration
 * `decisions_partitioned_compact`). A day without its partition is not a problem — its rows land in
 * "<table>_default" — but a day with one can be scanned, vacuumed, archived or dropped on its own.
 * The launcher and the db-maintenance job keep partitions ready from yesterday to a week ahead.
 */
export const PARTITIONED_TABLES = ["Event", "Decision", "DecisionItems"] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export const DAY_MS = 86_400_000;
/** Serialises partition changes between processes (arbitrary, fixed). */
const PARTITION_LOCK = 72707370;

export function utcDay(d: Date): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function partitionName(table: PartitionedTable, day: Date): string {
  return `${table}_p${isoDay(day).replaceAll("-", "")}`;
}

/** The UTC day a partition named by `partitionName` holds, or null for another name (the default partition). */
export function partitionDay(table: PartitionedTable, name: string): Date | null {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) : null;
}

export async function listPartitions(table: PartitionedTable): Promise<string[]> {
  const rows = await db.$queryRaw<{ name: string }[]>`
    SELECT c.relname::text AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = ${table} AND p.relnamespace = current_schema()::regnamespace
    ORDER BY 1`;
  return rows.map((r) => r.name);
}

/**
 * Creates the missing daily partitions of `table` for `days` UTC days from the day of `from`. Rows
 * of such a day already in the default partition move into the new partition in the same
 * transaction, so none is lost or counted twice, and writers wait for the (short) table lock instead
 * of failing. Returns the partitions created.
 */
export async function ensurePartitions(table: PartitionedTable, from: Date, days: number): Promise<string[]> {
  const existing = new Set(await listPartitions(table));
  const created: string[] = [];
  for (let k = 0; k < days; k++) {
    const start = new Date(utcDay(from).getTime() + k * DAY_MS);
    const name = partitionName(table, start);
    if (existing.has(name)) continue;
    const made = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`;
      const [{ exists }] = await tx.$queryRaw<
        { exists: boolean }[]
      >`SELECT to_regclass(${`"${name}"`}) IS NOT NULL AS exists`;
      if (exists) return false;
      // Behind a long report query this waits at most 5 s; the next maintenance run tries again.
      await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '5s'`);
      await tx.$executeRawUnsafe(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
      // Literals built from Dates and the fixed table list, never from input.
      const [lo, hi] = [isoDay(start), isoDay(new Date(start.getTime() + DAY_MS))];
      await tx.$executeRawUnsafe(`CREATE TEMP TABLE partition_move (LIKE "${table}") ON COMMIT DROP`);
      await tx.$executeRawUnsafe(
        `WITH moved AS (DELETE FROM ` +
          `"${table}_default" WHERE ts >= ` +
          `'${lo}' AND ts < '${hi}' RETURNING *) INSERT INTO partition_move SELECT * FROM moved`,
      );
      await tx.$executeRawUnsafe(
        `CREATE TABLE "${name}" PARTITION OF "${table}" FOR VALUES FROM ('${lo}') TO ('${hi}')`,
      );
      await tx.$executeRawUnsafe(`INSERT INTO "${table}" SELECT * FROM partition_move`);
      return true;
    });
    if (made) created.push(name);
  }
  return created;
}

/** Yesterday to a week ahead, for every partitioned table: what a running platform keeps ready. */
export async function ensureUpcomingPartitions(now = new Date()): Promise<string[]> {
  const created: string[] = [];
  for (const table of PARTITIONED_TABLES)
    created.push(...(await ensurePartitions(table, new Date(now.getTime() - DAY_MS), 9)));
  return created;
}
