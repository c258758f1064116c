import { db } from "@/lib/db/client";
import { loadEnv } from "@/lib/config/env";
import { ensureUpcomingPartitions } from "@/lib/db/day-partitions";
import type { JobHandler } from "@/lib/jobs/define-job";
import type { DbMaintenancePayload } from "@/lib/jobs/registry";
import { pruneDecisionItems } from "@/lib/serving/prune-decision-items";

/**
 * Keeps the database tidy: creates the daily partitions of the coming days, drops the shown items
 * of decisions past their retention, removes logs of long-finished jobs beyond the retention asked
 * for, then refreshes planner statistics and reports table sizes. Workers enqueue it once a day
 * (lib/jobs/schedule-maintenance.ts).
 */
export const runDbMaintenance: JobHandler<DbMaintenancePayload> = async (payload, ctx) => {
  const partitions = await ensureUpcomingPartitions();
  await ctx.log(
    partitions.length ? `created partitions: ${partitions.join(", ")}` : "partitions for the coming week exist",
  );
  const itemsDays = payload.decisionItemsRetentionDays ?? loadEnv().FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS;
  const pruned = await pruneDecisionItems(itemsDays);
  const dropped = pruned.droppedPartitions;
  await ctx.log(
    `decision items older than ${itemsDays} days: dropped ${dropped.length} partitions` +
      (dropped.length ? ` (${dropped.join(", ")})` : "") +
      `, deleted ${pruned.deletedRows} rows of the default partition`,
  );
  const cutoff = new Date(Date.now() - payload.jobLogRetentionDays * 86_400_000);
  const deletedLogs = await db.jobLog.deleteMany({
    where: { job: { finishedAt: { lt: cutoff }, state: { in: ["completed", "cancelled"] } } },
  });
  await ctx.log(`deleted ${deletedLogs.count} log lines of jobs finished before ${cutoff.toISOString()}`);
  await ctx.progress(0.3, "pruned job logs");

  const tables = [
    "User",
    "ApiKey",
    "Job",
    "JobLog",
    "AuditLog",
    "Decision",
    "DecisionItems",
    "Event",
    "EventKey",
    "ReportUserDay",
    "ReportPrePeriod",
  ];
  const sizes: Record<string, { rows: number; bytes: number }> = {};
  for (const [i, table] of tables.entries()) {
    ctx.signal.throwIfAborted();
    await db.$executeRawUnsafe(`ANALYZE "${table}"`);
    // Planner estimates fresh from ANALYZE (count(*) would scan millions of decisions), summed over
    // partitions where the table has them.
    const [row] = await db.$queryRawUnsafe<{ rows: bigint; bytes: bigint }[]>(
      `SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS rows,
        coalesce(sum(pg_total_relation_size(t.relid)), 0)::bigint AS bytes
       FROM pg_partition_tree('"${table}"') t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf`,
    );
    sizes[table] = { rows: Number(row.rows), bytes: Number(row.bytes) };
    await ctx.progress(0.3 + (0.7 * (i + 1)) / tables.length, `analyzed ${table}`);
  }
  await ctx.log(`table sizes: ${JSON.stringify(sizes)}`);
  return {
    createdPartitions: partitions,
    droppedDecisionItemPartitions: pruned.droppedPartitions,
    deletedDecisionItems: pruned.deletedRows,
    deletedJobLogs: deletedLogs.count,
    tables: sizes,
  };
};
