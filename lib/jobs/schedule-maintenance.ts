import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { enqueueJob, type JobDeps } from "@/lib/jobs/job-service";

const DAY_MS = 86_400_000;

/**
 * Each worker checks hourly and enqueues db-maintenance when none was enqueued in the last day, so
 * a long-running platform keeps its daily partitions ahead, its decision items within their retention and its job logs pruned with no cron. Two
 * workers that check at the same moment may both enqueue; the job is idempotent. (`npm start`
 * itself prepares the partitions at start-up.) Returns a function that stops the checks.
 */
export function scheduleDbMaintenance(log: (msg: string) => void, opts: { checkEveryMs?: number; deps?: JobDeps } = {}): () => void {
  const check = async () => {
    const recent = await db.job.count({ where: { type: "db-maintenance", createdAt: { gt: new Date(Date.now() - DAY_MS) } } });
    if (recent > 0) return;
    const job = await enqueueJob(SYSTEM_ACTOR, "db-maintenance", {}, opts.deps);
    log(`enqueued daily db-maintenance (job ${job.id})`);
  };
  const timer = setInterval(() => void check().catch((err: unknown) => log(`db-maintenance check failed: ${(err as Error).message}`)), opts.checkEveryMs ?? 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
