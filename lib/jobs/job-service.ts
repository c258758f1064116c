import type { Prisma } from "@prisma/client";
import type PgBoss from "pg-boss";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { databaseUrl } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { JobDefinition } from "@/lib/jobs/define-job";
import { ensureQueues, sendOptions, startQueue } from "@/lib/jobs/queue";
import { findJobDefinition, JOB_REGISTRY } from "@/lib/jobs/registry";
import { parseInput, parseUuid, safeJson } from "@/lib/validation";

/** Enqueue, cancel and retry jobs. Used by the web process (UI + API) and by tests. */
export interface JobDeps {
  queue: PgBoss;
  registry: readonly JobDefinition[];
}

const globalForQueue = globalThis as unknown as { fusionlabQueue?: Promise<PgBoss> };

/** The web process's sending-only queue connection (workers run their own, supervising one). */
async function defaultDeps(): Promise<JobDeps> {
  globalForQueue.fusionlabQueue ??= (async () => {
    const boss = await startQueue(databaseUrl(), { supervise: false });
    await ensureQueues(boss, JOB_REGISTRY);
    return boss;
  })().catch((err) => {
    globalForQueue.fusionlabQueue = undefined;
    throw err;
  });
  return { queue: await globalForQueue.fusionlabQueue, registry: JOB_REGISTRY };
}

export async function enqueueJob(actor: Actor, name: string, rawPayload: unknown, deps?: JobDeps) {
  const registry = deps?.registry ?? JOB_REGISTRY;
  const def = findJobDefinition(registry, name);
  if (!def)
    throw new AppError("bad_request", `unknown job type "${name}"`, [{ path: "type", message: "unknown job type" }]);
  const missing = actor.kind === "apiKey" ? def.extraScopes?.filter((s) => !actor.scopes.includes(s)) : [];
  if (missing?.length)
    throw new AppError("forbidden", `a ${name} job also needs the ${missing.map((s) => `"${s}"`).join(", ")} scope`);
  // The payload is stored as jsonb: every string in it must be storable, whatever the job's schema says.
  parseInput(safeJson, rawPayload ?? {}, `${name} payload`);
  const payload = parseInput(def.payload, rawPayload ?? {}, `${name} payload`) as Prisma.InputJsonValue;
  const job = await db.$transaction(async (tx) => {
    const row = await tx.job.create({
      data: {
        type: name,
        payload,
        maxAttempts: def.retryLimit + 1,
        createdById: actor.kind === "user" ? actor.userId : null,
      },
    });
    await recordAudit(tx, actor, {
      action: "job.enqueue",
      entityType: "Job",
      entityId: row.id,
      after: { type: name, payload },
    });
    return row;
  });
  try {
    const { queue } = deps ?? (await defaultDeps());
    const queueJobId = await queue.send(name, { jobId: job.id }, sendOptions(def));
    return await db.job.update({ where: { id: job.id }, data: { queueJobId } });
  } catch (err) {
    // The queue refused it: the row must not pretend the job is waiting.
    await db.job.update({
      where: { id: job.id },
      data: { state: "failed", error: `could not enqueue: ${(err as Error).message}`, finishedAt: new Date() },
    });
    throw err;
  }
}

export async function cancelJob(actor: Actor, rawJobId: string, deps?: JobDeps) {
  const jobId = parseUuid(rawJobId, "jobId");
  const job = await db.job.findUnique({ where: { id: jobId } });
  if (!job) throw new AppError("not_found", "no such job");
  if (["completed", "failed", "cancelled"].includes(job.state))
    throw new AppError("conflict", `job is already ${job.state}`);
  const result = await db.$transaction(async (tx) => {
    // A queued job is cancelled at once; a running one stops at its next progress report.
    const updated =
      job.state === "active"
        ? await tx.job.update({ where: { id: jobId }, data: { cancelRequested: true } })
        : await tx.job.update({
            where: { id: jobId },
            data: { cancelRequested: true, state: "cancelled", finishedAt: new Date() },
          });
    await recordAudit(tx, actor, {
      action: "job.cancel",
      entityType: "Job",
      entityId: jobId,
      before: { state: job.state },
      after: { state: updated.state },
    });
    return updated;
  });
  if (result.state === "cancelled") {
    const def = findJobDefinition(deps?.registry ?? JOB_REGISTRY, job.type);
    const payload = def?.payload.safeParse(job.payload);
    if (def?.onGiveUp && payload?.success) await def.onGiveUp(payload.data, { state: "cancelled", error: null });
    if (job.queueJobId) {
      const { queue } = deps ?? (await defaultDeps());
      await queue.cancel(job.type, job.queueJobId).catch(() => {});
    }
  }
  return result;
}

/** Runs a failed or cancelled job again as a new job with the same payload (history is kept). */
export async function retryJob(actor: Actor, rawJobId: string, deps?: JobDeps) {
  const jobId = parseUuid(rawJobId, "jobId");
  const job = await db.job.findUnique({ where: { id: jobId } });
  if (!job) throw new AppError("not_found", "no such job");
  if (job.state !== "failed" && job.state !== "cancelled")
    throw new AppError("conflict", `only failed or cancelled jobs can be retried (this one is ${job.state})`);
  return enqueueJob(actor, job.type, job.payload, deps);
}

export async function listJobs(opts: { take?: number; state?: string } = {}) {
  return db.job.findMany({
    where: opts.state ? { state: opts.state as Prisma.EnumJobStateFilter["equals"] } : undefined,
    orderBy: { createdAt: "desc" },
    take: Math.min(opts.take ?? 50, 500),
    include: { createdBy: { select: { email: true } } },
  });
}

export async function getJob(jobId: string) {
  const job = await db.job.findUnique({
    where: { id: jobId },
    include: { logs: { orderBy: { id: "asc" }, take: 1000 }, createdBy: { select: { email: true } } },
  });
  if (!job) throw new AppError("not_found", "no such job");
  return job;
}
