import PgBoss from "pg-boss";
import type { JobDefinition } from "@/lib/jobs/define-job";

/**
 * pg-boss on FusionLab's own database (schema `pgboss`): the queue that lets any number of worker
 * processes on any number of machines share work. The Job table is the product's view of a job;
 * a pg-boss job is only its carrier (data = { jobId }).
 */
export type Queue = PgBoss;

export async function startQueue(databaseUrl: string, opts: { supervise: boolean }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: "pgboss",
    max: opts.supervise ? 4 : 2,
    supervise: opts.supervise,
    schedule: false,
    application_name: opts.supervise ? "fusionlab-worker" : "fusionlab-web",
  });
  boss.on("error", (err) => console.error("queue error:", err.message));
  await boss.start();
  return boss;
}

export async function ensureQueues(boss: PgBoss, registry: readonly JobDefinition[]): Promise<void> {
  for (const def of registry) {
    const existing = await boss.getQueue(def.name);
    const options = {
      retryLimit: def.retryLimit,
      retryDelay: def.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: def.expireInSeconds,
    };
    if (existing) {
      await boss.updateQueue(def.name, { name: def.name, ...options });
      continue;
    }
    try {
      await boss.createQueue(def.name, { name: def.name, ...options });
    } catch (err) {
      // Another process created it between our check and our insert.
      if (!(await boss.getQueue(def.name))) throw err;
    }
  }
}

export function sendOptions(def: JobDefinition): PgBoss.SendOptions {
  return {
    retryLimit: def.retryLimit,
    retryDelay: def.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: def.expireInSeconds,
  };
}
