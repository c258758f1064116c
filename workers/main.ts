/**
 * A worker process: takes jobs of every registered type from the shared queue until told to stop.
 * Started by `npm start` (FUSIONLAB_WORKERS of them); on other machines run `npm run worker` with
 * the same DATABASE_URL to add capacity.
 */
import { ConfigError, databaseUrl, loadEnv } from "@/lib/config/env";
import { disconnectDb } from "@/lib/db/client";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { scheduleDbMaintenance, scheduleGuardrailChecks, scheduleReportRollups } from "@/lib/jobs/schedule-maintenance";
import { startWorker } from "@/lib/jobs/worker-runtime";

async function main() {
  loadEnv();
  const worker = await startWorker({ databaseUrl: databaseUrl(), registry: JOB_REGISTRY });
  const log = (msg: string) => console.log(`[worker ${worker.workerId}] ${msg}`);
  const stopSchedules = [scheduleDbMaintenance(log), scheduleReportRollups(log), scheduleGuardrailChecks(log)];
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    for (const stop of stopSchedules) stop();
    console.log(`[worker ${worker.workerId}] ${why}: finishing or releasing running jobs`);
    await worker.stop();
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // Started by the launcher with an IPC channel: if the launcher dies, so do we (no orphans).
  process.on("disconnect", () => void shutdown("launcher went away"));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `fusionlab worker: ${err.message}` : err);
  process.exit(1);
});
