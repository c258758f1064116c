import { db } from "@/lib/db/client";
import { DAY_MS, listPartitions, partitionDay, utcDay } from "@/lib/db/day-partitions";

/**
 * Decision detail retention: the shown items of decisions older than `retentionDays` go — whole
 * daily partitions of "DecisionItems" are dropped (instant, and the disk space returns at once), and
 * rows of such days that sit in the default partition are deleted. The "Decision" rows themselves
 * (who was served which arm by which policy version, how many candidates) stay, and so do events
 * and the reports built on them. Returns the partitions dropped and the default-partition rows deleted.
 */
export async function pruneDecisionItems(
  retentionDays: number,
  now = new Date(),
): Promise<{ droppedPartitions: string[]; deletedRows: number }> {
  // Whole days only: a partition goes once its last millisecond is older than the retention.
  const cutoff = new Date(utcDay(now).getTime() - retentionDays * DAY_MS);
  const droppedPartitions: string[] = [];
  for (const name of await listPartitions("DecisionItems")) {
    const day = partitionDay("DecisionItems", name);
    if (!day || day.getTime() + DAY_MS > cutoff.getTime()) continue;
    // The name comes from the catalogue and matched the partition pattern: safe to quote.
    await db.$executeRawUnsafe(`DROP TABLE IF EXISTS "${name}"`);
    droppedPartitions.push(name);
  }
  const deletedRows = await db.$executeRaw`DELETE FROM "DecisionItems_default"
      WHERE ts < ${cutoff.toISOString()}::timestamptz AT TIME ZONE 'UTC'`;
  return { droppedPartitions, deletedRows };
}
