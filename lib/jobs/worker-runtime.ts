import os from "node:os";
import type { Prisma } from "@prisma/client";
import type PgBoss from "pg-boss";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { enqueueJob } from "@/lib/jobs/job-service";
import { PermanentJobError, type JobContext, type JobDefinition } from "@/lib/jobs/define-job";
import { ensureQueues, sendOptions, startQueue } from "@/lib/jobs/queue";

/**
 * A worker process's job loop. For each registered job type it takes jobs from pg-boss, mirrors
 * their life in the Job table (state, attempts, progress, logs, error) and turns handler outcomes
 * into pg-boss outcomes: throw → pg-boss retries with backoff until the limit, then the job is failed.
 *
 * Shutdown: stop taking jobs, give running ones `graceMs` to finish, then abort them; an aborted job
 * is released (put back in the queue as a fresh carrier, attempts kept) instead of failed.
 */
type Carrier = PgBoss.JobWithMetadata<{ jobId: string }>;

class JobAbort extends Error {
  constructor(readonly reason: "cancelled" | "shutdown") {
    super(reason === "cancelled" ? "cancelled by a user" : "worker shutting down");
  }
}

const PROGRESS_WRITE_MS = 500;
const RECONCILE_MS = 60_000;

export interface WorkerOptions {
  databaseUrl: string;
  registry: readonly JobDefinition[];
  workerId?: string;
  graceMs?: number;
  pollingIntervalSeconds?: number;
  log?: (msg: string) => void;
}

export interface RunningWorker {
  workerId: string;
  stop(): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const workerId = opts.workerId ?? `${os.hostname()}:${process.pid}`;
  const log = opts.log ?? ((m: string) => console.log(`[worker ${workerId}] ${m}`));
  const boss = await startQueue(opts.databaseUrl, { supervise: true });
  await ensureQueues(boss, opts.registry);
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let stopping = false;

  const appendLog = (jobId: string, message: string, level = "info") =>
    db.jobLog.create({ data: { jobId, message: message.slice(0, 10_000), level } }).then(() => undefined);

  async function release(def: JobDefinition, jobId: string): Promise<void> {
    const queueJobId = await boss.send(def.name, { jobId }, sendOptions(def));
    await db.job.update({ where: { id: jobId }, data: { state: "queued", queueJobId, workerId: null } });
    await appendLog(jobId, `released by ${workerId} on shutdown; back in the queue`, "warn");
  }

  async function giveUp(def: JobDefinition, payload: unknown, state: "failed" | "cancelled", error: string | null) {
    const parsed = def.payload.safeParse(payload);
    if (parsed.success)
      await def
        .onGiveUp?.(parsed.data, { state, error })
        .catch((err) => log(`${def.name}: onGiveUp failed: ${(err as Error).message}`));
  }

  async function runCarrier(def: JobDefinition, carrier: Carrier): Promise<void> {
    const jobId = carrier.data?.jobId;
    const row = jobId ? await db.job.findUnique({ where: { id: jobId } }) : null;
    if (!row) {
      log(`${def.name}: carrier ${carrier.id} points at no job; dropping it`);
      return;
    }
    if (row.cancelRequested || row.state === "cancelled" || row.state === "completed") {
      if (row.state !== "cancelled" && row.state !== "completed") {
        await db.job.update({ where: { id: row.id }, data: { state: "cancelled", finishedAt: new Date() } });
      }
      return;
    }
    // Attempts live in the Job row (not the carrier) so that a release does not reset them.
    const attempt = row.attempts + 1;
    await db.job.update({
      where: { id: row.id },
      data: {
        state: "active",
        attempts: attempt,
        startedAt: row.startedAt ?? new Date(),
        workerId,
        queueJobId: carrier.id,
        error: null,
      },
    });
    await appendLog(row.id, `attempt ${attempt}/${row.maxAttempts} started on ${workerId}`);

    const abort = new AbortController();
    let lastWrite = 0;
    // Handlers may fire progress reports without awaiting them (parallel rollouts): the final state
    // must not be overwritten by one that lands late, so writes in flight are awaited before it and
    // reports after the handler returned are ignored.
    let settled = false;
    const writes = new Set<Promise<unknown>>();
    const ctx: JobContext = {
      jobId: row.id,
      attempt,
      signal: abort.signal,
      async progress(fraction, message) {
        if (abort.signal.aborted) throw abort.signal.reason;
        const now = Date.now();
        if (settled || (now - lastWrite < PROGRESS_WRITE_MS && fraction < 1)) return;
        lastWrite = now;
        const write = db.job.update({
          where: { id: row.id },
          data: {
            progress: Math.max(0, Math.min(1, fraction)),
            ...(message !== undefined ? { progressMessage: message } : {}),
          },
          select: { cancelRequested: true },
        });
        writes.add(write);
        const updated = await write.finally(() => writes.delete(write));
        if (updated.cancelRequested) {
          abort.abort(new JobAbort("cancelled"));
          throw abort.signal.reason;
        }
      },
      log: (message, level = "info") => appendLog(row.id, message, level),
      enqueue: (type, payload) => enqueueJob(SYSTEM_ACTOR, type, payload, { queue: boss, registry: opts.registry }),
    };

    const execution = (async () => {
      const handler = await def.load();
      const payload = def.payload.safeParse(row.payload);
      if (!payload.success)
        throw new PermanentJobError(
          `invalid payload: ${payload.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      // Races the handler against the abort signal so that a handler that ignores it is still let go.
      return Promise.race([
        handler(payload.data, ctx),
        new Promise<never>((_, reject) =>
          abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true }),
        ),
      ]);
    })();
    const entry = {
      abort,
      done: execution.then(
        () => undefined,
        () => undefined,
      ),
    };
    running.set(row.id, entry);
    const settle = async () => {
      settled = true;
      await Promise.allSettled([...writes]);
    };
    try {
      const result = await execution;
      await settle();
      await db.job.update({
        where: { id: row.id },
        data: {
          state: "completed",
          progress: 1,
          result: (result ?? null) as Prisma.InputJsonValue,
          finishedAt: new Date(),
        },
      });
      await appendLog(row.id, "completed");
    } catch (err) {
      await settle();
      const reason =
        err instanceof JobAbort ? err.reason : abort.signal.aborted ? (abort.signal.reason as JobAbort).reason : null;
      if (reason === "cancelled") {
        await db.job.update({
          where: { id: row.id },
          data: { state: "cancelled", finishedAt: new Date(), attempts: attempt },
        });
        await appendLog(row.id, "cancelled", "warn");
        await giveUp(def, row.payload, "cancelled", null);
        return;
      }
      if (reason === "shutdown" && def.rerunnable === false) {
        const error =
          "interrupted by a worker shutdown; not run again, since a second run would repeat what this one already did";
        await db.job.update({ where: { id: row.id }, data: { state: "failed", error, finishedAt: new Date() } });
        await appendLog(row.id, error, "warn");
        await giveUp(def, row.payload, "failed", error);
        return;
      }
      if (reason === "shutdown") {
        // Not the job's fault: give the attempt back and requeue.
        await db.job.update({ where: { id: row.id }, data: { attempts: attempt - 1 } });
        await release(def, row.id);
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      const final = err instanceof PermanentJobError || attempt >= row.maxAttempts;
      await db.job.update({
        where: { id: row.id },
        data: {
          state: final ? "failed" : "retrying",
          error: message.slice(0, 10_000),
          ...(final ? { finishedAt: new Date() } : {}),
        },
      });
      await appendLog(row.id, `attempt ${attempt} failed: ${message}${final ? "" : " (will retry)"}`, "error");
      if (final) await giveUp(def, row.payload, "failed", message);
      if (err instanceof PermanentJobError) return; // no point in another attempt
      throw err; // pg-boss schedules the retry with backoff, or marks its carrier failed
    } finally {
      running.delete(row.id);
    }
  }

  /** Jobs whose carrier died with a worker (SIGKILL, OOM) and was failed by pg-boss's expiry. */
  async function reconcile(): Promise<void> {
    const stale = await db.job.findMany({
      where: { state: { in: ["active", "retrying", "queued"] }, queueJobId: { not: null } },
      select: { id: true, queueJobId: true },
    });
    if (stale.length === 0) return;
    const { rows } = await (boss.getDb() as PgBoss.Db).executeSql(
      `SELECT id::text, state, output FROM pgboss.job WHERE id = ANY($1::uuid[]) AND state IN ('failed','cancelled')`,
      [stale.map((s) => s.queueJobId)],
    );
    for (const r of rows as { id: string; state: string; output: unknown }[]) {
      const job = stale.find((s) => s.queueJobId === r.id);
      if (!job) continue;
      await db.job.updateMany({
        where: { id: job.id, queueJobId: r.id, state: { in: ["active", "retrying", "queued"] } },
        data: {
          state: r.state === "cancelled" ? "cancelled" : "failed",
          error: r.state === "failed" ? "the worker running this job was lost and no retries were left" : null,
          finishedAt: new Date(),
        },
      });
    }
  }

  for (const def of opts.registry) {
    await boss.work<{ jobId: string }>(
      def.name,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 },
      async ([carrier]: Carrier[]) => {
        if (carrier) await runCarrier(def, carrier);
      },
    );
  }
  await reconcile().catch((err) => log(`reconcile failed: ${(err as Error).message}`));
  const reconcileTimer = setInterval(() => void reconcile().catch(() => {}), RECONCILE_MS);
  reconcileTimer.unref();
  log(`taking jobs: ${opts.registry.map((d) => d.name).join(", ")}`);

  return {
    workerId,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(reconcileTimer);
      for (const def of opts.registry) await boss.offWork(def.name);
      const graceMs = opts.graceMs ?? 10_000;
      const all = Promise.all([...running.values()].map((r) => r.done));
      const finished = await Promise.race([
        all.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), graceMs)),
      ]);
      if (!finished) {
        log(`releasing ${running.size} running job(s)`);
        for (const r of running.values()) r.abort.abort(new JobAbort("shutdown"));
        await all;
      }
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      log("stopped");
    },
  };
}
