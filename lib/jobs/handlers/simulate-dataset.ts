import fs from "node:fs";
import { db } from "@/lib/db/client";
import { behaviourPolicy } from "@/lib/dataset-store/behaviour-policy";
import { behaviourSchema, explorationSchema, type datasetJobPayload } from "@/lib/dataset-store/dataset-input";
import { markDatasetReady } from "@/lib/dataset-store/mark-dataset-ready";
import { datasetDir } from "@/lib/dataset-store/dataset-paths";
import { generateDataset } from "@/lib/dataset-format";
import { PermanentJobError, type JobHandler } from "@/lib/jobs/define-job";
import type { z } from "zod";

/**
 * The `simulate-dataset` job: runs the scenario with the behaviour policy (plus exploration) and
 * logs every request into shards under the data directory. A retry starts over; on failure the
 * partial output is removed and the dataset marked failed, so a dataset is either whole or absent.
 */
export const runDatasetSimulation: JobHandler<z.infer<typeof datasetJobPayload>> = async ({ datasetId }, ctx) => {
  const d = await db.dataset.findUnique({ where: { id: datasetId }, include: { scenario: true } });
  if (!d || !d.scenario || d.sessions === null || d.seed === null)
    throw new PermanentJobError(`dataset ${datasetId} is not a simulation request`);
  if (d.status === "ready") return { datasetId, alreadyBuilt: true };
  const dir = datasetDir(d.id);
  fs.rmSync(dir, { recursive: true, force: true });
  const exploration = d.exploration === null ? null : explorationSchema.parse(d.exploration);
  const policy = await behaviourPolicy(behaviourSchema.parse(d.behaviour));
  const sessions = d.sessions;
  try {
    const manifest = await generateDataset({
      scenario: d.scenario.config,
      seed: d.seed,
      policy,
      exploration,
      sessions,
      outDir: dir,
      signal: ctx.signal,
      onProgress: (p) =>
        void ctx
          .progress(
            p.sessionsDone / sessions,
            `${p.sessionsDone.toLocaleString("en")} of ${sessions.toLocaleString("en")} sessions, ` +
              `${p.requests.toLocaleString("en")} requests`,
          )
          .catch(() => {}),
    });
    ctx.signal.throwIfAborted();
    const bytes = await markDatasetReady(d.id, dir, manifest);
    await ctx.log(
      `wrote ${manifest.summary.requests} requests ` +
        `in ${manifest.shards.length} shards (${(bytes / 1e6).toFixed(1)} MB)`,
    );
    return { datasetId: d.id, requests: manifest.summary.requests, bytes };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
};
