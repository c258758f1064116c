import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { loadEnv } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { enqueueJob, type JobDeps } from "@/lib/jobs/job-service";
import type { JobName } from "@/lib/jobs/registry";

const DAY_MS = 86_400_000;
/** Report rollups run this often: the events tail a report reads live stays this short. */
export const REPORT_ROLLUP_PERIOD_MS = 10 * 60_000;

type ScheduleOptions = { checkEveryMs?: number; deps?: JobDeps };

/**
 * Each worker checks every `checkEveryMs` and enqueues `type` when none was enqueued within
 * `periodMs`, so a long-running platform runs its housekeeping with no cron. Two workers that check
 * at the same moment may both enqueue; the jobs are idempotent. Returns a function that stops the checks.
 */
function scheduleRecurringJob(
  type: JobName,
  periodMs: number,
  log: (msg: string) => void,
  opts: ScheduleOptions,
): () => void {
  const check = async () => {
    const recent = await db.job.count({ where: { type, createdAt: { gt: new Date(Date.now() - periodMs) } } });
    if (recent > 0) return;
    const job = await enqueueJob(SYSTEM_ACTOR, type, {}, opts.deps);
    log(`enqueued ${type} (job ${job.id})`);
  };
  const timer = setInterval(
    () => void check().catch((err: unknown) => log(`${type} check failed: ${(err as Error).message}`)),
    opts.checkEveryMs ?? Math.min(periodMs, 3_600_000),
  );
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Daily db-maintenance: partitions kept ahead, decision items within their retention, job logs pruned (`npm start` also
 * prepares partitions).
 */
export function scheduleDbMaintenance(log: (msg: string) => void, opts: ScheduleOptions = {}): () => void {
  return scheduleRecurringJob("db-maintenance", DAY_MS, log, { checkEveryMs: 3_600_000, ...opts });
}

/** rollup-reports every REPORT_ROLLUP_PERIOD_MS (lib/reports/rollup-reports.ts). */
export function scheduleReportRollups(log: (msg: string) => void, opts: ScheduleOptions = {}): () => void {
  return scheduleRecurringJob("rollup-reports", REPORT_ROLLUP_PERIOD_MS, log, opts);
}

/** check-guardrails every FUSIONLAB_GUARDRAIL_CHECK_SECONDS (lib/jobs/handlers/check-guardrails.ts). */
export function scheduleGuardrailChecks(log: (msg: string) => void, opts: ScheduleOptions = {}): () => void {
  return scheduleRecurringJob("check-guardrails", loadEnv().FUSIONLAB_GUARDRAIL_CHECK_SECONDS * 1000, log, opts);
}
