import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { defineJob, type JobDefinition, type JobHandler } from "@/lib/jobs/define-job";
import { toJobListItem } from "@/lib/jobs/job-list-item";
import { cancelJob, enqueueJob, retryJob, type JobDeps } from "@/lib/jobs/job-service";
import { ensureQueues, startQueue } from "@/lib/jobs/queue";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { scheduleDbMaintenance } from "@/lib/jobs/schedule-maintenance";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker-runtime";
import { setupTestDatabase } from "@/test/support/test-database";

const database = setupTestDatabase("fl_jobs");

/** Gates that let a test hold a running job at a known point. */
const gates = new Map<string, () => void>();
const gate = (key: string) => new Promise<void>((resolve) => gates.set(key, resolve));

const stepsPayload = z.object({ key: z.string(), steps: z.number().int() });
const runSteps: JobHandler<z.infer<typeof stepsPayload>> = async (p, ctx) => {
  for (let i = 1; i <= p.steps; i++) {
    await ctx.progress(i / (p.steps + 1), `step ${i}`);
    await new Promise((r) => setTimeout(r, 600));
  }
  await ctx.log("waiting at the gate");
  await gate(p.key);
  await ctx.progress(1, "done");
  return { steps: p.steps, attempt: ctx.attempt };
};

const testRegistry: JobDefinition[] = [
  ...JOB_REGISTRY,
  defineJob({
    name: "test-always-fails",
    description: "throws on every attempt",
    payload: z.object({ message: z.string() }),
    retryLimit: 2,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    load: async () => async (p) => {
      throw new Error(p.message);
    },
  }),
  defineJob({
    name: "test-steps",
    description: "reports progress, then waits for the test to open its gate",
    payload: stepsPayload,
    retryLimit: 1,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    load: async () => runSteps,
  }),
  defineJob({
    name: "test-once",
    description: "like test-steps, but must never run twice",
    payload: stepsPayload,
    retryLimit: 0,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    rerunnable: false,
    load: async () => runSteps,
  }),
  defineJob({
    name: "test-unawaited-progress",
    description: "fires progress reports without awaiting them, as parallel rollouts do, around its return",
    payload: z.object({}),
    retryLimit: 0,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    load: async () => async (_p, ctx) => {
      await new Promise((r) => setTimeout(r, 700)); // past the progress-write throttle
      void ctx.progress(0.34, "rollouts: 17 of 40").catch(() => {});
      setTimeout(() => void ctx.progress(0.5, "late report").catch(() => {}), 100);
      return { ok: true };
    },
  }),
];

let deps: JobDeps;
let worker: RunningWorker;

async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const queue = await startQueue(database.url(), { supervise: false });
  await ensureQueues(queue, testRegistry);
  deps = { queue, registry: testRegistry };
  worker = await startWorker({
    databaseUrl: database.url(),
    registry: testRegistry,
    workerId: "test-worker-1",
    graceMs: 1_000,
    log: () => {},
  });
});

afterAll(async () => {
  await worker?.stop();
  await deps?.queue.stop({ graceful: false, wait: true });
});

describe("job runtime (pg-boss + Job table)", () => {
  it("runs the real maintenance job end to end", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "db-maintenance", {}, deps);
    const done = await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      return j.state === "completed" && j;
    }, "maintenance to complete");
    expect(done.progress).toBe(1);
    const result = done.result as {
      tables: Record<string, unknown>;
      createdPartitions: string[];
      droppedDecisionItemPartitions: string[];
      deletedDecisionItems: number;
    };
    expect(result.tables).toHaveProperty("Job");
    expect(result.tables).toHaveProperty("Event");
    expect(result.tables).toHaveProperty("DecisionItems");
    // A fresh database: yesterday to a week ahead, one partition a day, for Event, Decision and DecisionItems.
    expect(result.createdPartitions).toHaveLength(3 * 9);
    expect(result.createdPartitions.filter((p) => p.startsWith("DecisionItems_p"))).toHaveLength(9);
    // Nothing is old enough to drop yet.
    expect([result.droppedDecisionItemPartitions, result.deletedDecisionItems]).toEqual([[], 0]);
    expect(done.attempts).toBe(1);
  });

  it("enqueues db-maintenance from the periodic check only when none ran in the last day", async () => {
    const count = () => db.job.count({ where: { type: "db-maintenance" } });
    const before = await count();
    expect(before).toBeGreaterThan(0);
    let stop = scheduleDbMaintenance(() => {}, { checkEveryMs: 100, deps });
    await new Promise((r) => setTimeout(r, 600));
    stop();
    expect(await count()).toBe(before);

    await db.job.updateMany({
      where: { type: "db-maintenance" },
      data: { createdAt: new Date(Date.now() - 2 * 86_400_000) },
    });
    stop = scheduleDbMaintenance(() => {}, { checkEveryMs: 100, deps });
    await waitFor(async () => (await count()) === before + 1, "a scheduled maintenance job");
    await new Promise((r) => setTimeout(r, 500));
    stop();
    expect(await count()).toBe(before + 1);
  });

  it("rejects an unknown job type or a bad payload with 400 and stores nothing", async () => {
    const before = await db.job.count();
    await expect(enqueueJob(SYSTEM_ACTOR, "no-such-job", {}, deps)).rejects.toMatchObject({ code: "bad_request" });
    await expect(enqueueJob(SYSTEM_ACTOR, "db-maintenance", { jobLogRetentionDays: -3 }, deps)).rejects.toMatchObject({
      code: "bad_request",
    });
    expect(await db.job.count()).toBe(before);
  });

  it("retries a job that throws with backoff, then shows it failed with its error", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "test-always-fails", { message: "model file is corrupt" }, deps);
    const failed = await waitFor(
      async () => {
        const j = await db.job.findUniqueOrThrow({
          where: { id: job.id },
          include: { logs: { orderBy: { id: "asc" } } },
        });
        return j.state === "failed" && j;
      },
      "the job to fail for good",
      60_000,
    );
    expect(failed.attempts).toBe(3);
    expect(failed.maxAttempts).toBe(3);
    expect(failed.error).toBe("model file is corrupt");
    expect(failed.finishedAt).not.toBeNull();
    const attemptLogs = failed.logs.filter((l) => l.level === "error").map((l) => l.message);
    expect(attemptLogs).toEqual([
      "attempt 1 failed: model file is corrupt (will retry)",
      "attempt 2 failed: model file is corrupt (will retry)",
      "attempt 3 failed: model file is corrupt",
    ]);
    const retried = await retryJob(SYSTEM_ACTOR, job.id, deps);
    expect(retried.id).not.toBe(job.id);
    expect(retried.payload).toEqual({ message: "model file is corrupt" });
  });

  it("makes progress readable from the database while the job runs", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "test-steps", { key: "progress", steps: 3 }, deps);
    const seen = new Set<number>();
    await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      if (j.state === "active") seen.add(Math.round(j.progress * 100));
      return gates.has("progress") && j.progressMessage === "step 3";
    }, "the job to reach its gate");
    const running = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(running.state).toBe("active");
    expect(running.progress).toBeCloseTo(0.75, 5);
    expect(seen.size).toBeGreaterThanOrEqual(2); // saw it move, not only its end state
    gates.get("progress")!();
    const done = await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      return j.state === "completed" && j;
    }, "completion");
    expect(done.result).toEqual({ steps: 3, attempt: 1 });
  });

  it("a completed job reads 100% even when progress reports were in flight or came after its end", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "test-unawaited-progress", {}, deps);
    await waitFor(
      async () => (await db.job.findUniqueOrThrow({ where: { id: job.id } })).state === "completed",
      "completion",
    );
    await new Promise((r) => setTimeout(r, 1_000)); // the late report would have landed by now
    const done = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.state).toBe("completed");
    expect(done.progress).toBe(1);
    expect(done.progressMessage).not.toBe("late report");
  });

  it("cancels a running job at its next progress report, and a queued one at once", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "test-steps", { key: "cancel", steps: 30 }, deps);
    await waitFor(async () => (await db.job.findUniqueOrThrow({ where: { id: job.id } })).state === "active", "start");
    const asked = await cancelJob(SYSTEM_ACTOR, job.id, deps);
    // Until its next progress report the job shows "cancelling…", not a state it is not in yet.
    expect(asked.state).toBe("active");
    expect(toJobListItem({ ...asked, createdBy: null }).cancelling).toBe(true);
    const cancelled = await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      return j.state === "cancelled" && j;
    }, "cancellation");
    expect(cancelled.progress).toBeLessThan(1);
    await expect(cancelJob(SYSTEM_ACTOR, job.id, deps)).rejects.toMatchObject({ code: "conflict" });
  });

  it("on shutdown releases a running job, which another worker then finishes", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "test-steps", { key: "release", steps: 1 }, deps);
    await waitFor(async () => gates.has("release"), "the job to reach its gate");
    gates.delete("release");
    await worker.stop(); // grace 1 s, then the job is aborted and put back in the queue
    const released = await db.job.findUniqueOrThrow({ where: { id: job.id }, include: { logs: true } });
    expect(released.state).toBe("queued");
    expect(released.attempts).toBe(0);
    expect(released.logs.some((l) => l.message.includes("released by test-worker-1"))).toBe(true);

    worker = await startWorker({
      databaseUrl: database.url(),
      registry: testRegistry,
      workerId: "test-worker-2",
      graceMs: 1_000,
      log: () => {},
    });
    await waitFor(async () => gates.has("release"), "the second worker to pick it up");
    gates.get("release")!();
    const done = await waitFor(async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      return j.state === "completed" && j;
    }, "completion on the second worker");
    expect(done.workerId).toBe("test-worker-2");
    expect(done.attempts).toBe(1);
  });

  it("a job that must not run twice fails on shutdown instead of going back to the queue", async () => {
    const job = await enqueueJob(SYSTEM_ACTOR, "test-once", { key: "once", steps: 0 }, deps);
    await waitFor(async () => gates.has("once"), "the job to reach its gate");
    gates.delete("once");
    await worker.stop();
    const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.state).toBe("failed");
    expect(row.error).toMatch(/not run again/);
    worker = await startWorker({
      databaseUrl: database.url(),
      registry: testRegistry,
      workerId: "test-worker-3",
      graceMs: 1_000,
      log: () => {},
    });
  });

  it(
    "simulate-traffic needs experiments:write besides policies:write; unstorable strings in any payload are a " + "400",
    async () => {
      const key = {
        kind: "apiKey" as const,
        apiKeyId: "00000000-0000-4000-8000-000000000000",
        scopes: ["policies:write"],
      };
      const before = await db.job.count();
      await expect(
        enqueueJob(key, "simulate-traffic", { experiment: "x", scenario: "default", users: 10 }, deps),
      ).rejects.toMatchObject({ code: "forbidden", message: expect.stringContaining("experiments:write") });
      await expect(enqueueJob(SYSTEM_ACTOR, "test-steps", { key: "a\u0000b", steps: 1 }, deps)).rejects.toMatchObject({
        code: "bad_request",
        issues: [{ path: "key" }],
      });
      await expect(enqueueJob(SYSTEM_ACTOR, "db-maintenance", { ["\ud800"]: 1 }, deps)).rejects.toMatchObject({
        code: "bad_request",
      });
      expect(await db.job.count()).toBe(before);
    },
  );
});
