import { Gauge, Histogram, Registry } from "prom-client";
import { db } from "@/lib/db/client";

/**
 * Background-job metrics, read from the Job table when /metrics is scraped: jobs run in worker
 * processes that serve no HTTP, and the table already holds every job's type, state and run time.
 * Computed once per scrape by the web process that answers it (never summed across web processes).
 */
function create() {
  const registry = new Registry();
  new Gauge({
    name: "fusionlab_jobs",
    help: "Jobs by type and state (queued = the queue depth)",
    labelNames: ["type", "state"] as const,
    registers: [registry],
    async collect() {
      const rows = await db.job.groupBy({ by: ["type", "state"], _count: { _all: true } });
      this.reset();
      for (const r of rows) this.set({ type: r.type, state: r.state }, r._count._all);
    },
  });
  new Histogram({
    name: "fusionlab_job_duration_seconds",
    help: "Run time of finished jobs (first start to finish), by type and final state",
    labelNames: ["type", "state"] as const,
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600],
    registers: [registry],
    async collect() {
      // Bucket counts are cumulative over all finished jobs the table holds, as a histogram's must be.
      const rows = await db.$queryRaw<{ type: string; state: string; seconds: number }[]>`
        SELECT type, state::text AS state, extract(epoch FROM "finishedAt" - "startedAt")::float8 AS seconds
        FROM "Job" WHERE "finishedAt" IS NOT NULL AND "startedAt" IS NOT NULL`;
      this.reset();
      for (const r of rows) this.observe({ type: r.type, state: r.state }, r.seconds);
    },
  });
  return registry;
}

const shared = globalThis as unknown as { fusionlabJobMetrics?: Registry };
export const jobMetrics = (shared.fusionlabJobMetrics ??= create());
