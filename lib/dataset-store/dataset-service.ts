import type { Prisma } from "@prisma/client";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { simulateDatasetInput } from "@/lib/dataset-store/dataset-input";
import { datasetInclude as include } from "@/lib/dataset-store/get-dataset";
import { nameTaken } from "@/lib/dataset-store/dataset-name";
import { enqueueJob, type JobDeps } from "@/lib/jobs/job-service";
import { findScenario } from "@/lib/scenarios/scenario-service";
import { parseInput } from "@/lib/validation";

type DatasetRow = Prisma.DatasetGetPayload<{ include: { scenario: { select: { key: true } } } }>;

export function serializeDataset(d: DatasetRow) {
  const manifest = d.manifest as { summary?: { sessions?: number }; dims?: unknown; actionMode?: string } | null;
  return {
    id: d.id,
    name: d.name,
    origin: d.origin,
    status: d.status,
    scenario: d.scenario?.key ?? null,
    seed: d.seed,
    // An import learns its sessions from the file (the manifest), a simulation is asked for them.
    sessions: d.sessions ?? manifest?.summary?.sessions ?? null,
    behaviour: d.behaviour,
    exploration: d.exploration,
    requests: d.requests,
    bytes: d.bytes === null ? null : Number(d.bytes),
    actionMode: manifest?.actionMode ?? null,
    dims: manifest?.dims ?? null,
    summary: manifest?.summary ?? null,
    error: d.error,
    jobId: d.jobId,
    createdAt: d.createdAt.toISOString(),
    finishedAt: d.finishedAt?.toISOString() ?? null,
  };
}

/** Registers a dataset to be simulated and queues the `simulate-dataset` job that builds it. */
export async function startDatasetSimulation(actor: Actor, raw: unknown, deps?: JobDeps) {
  const input = parseInput(simulateDatasetInput, raw, "dataset");
  const scenario = await findScenario(input.scenario).catch(() => {
    throw new AppError("unprocessable", `no scenario "${input.scenario}"`, [
      { path: "scenario", message: "no such scenario" },
    ]);
  });
  if ("policyVersionId" in input.behaviour) {
    const v = await db.policyVersion.findUnique({ where: { id: input.behaviour.policyVersionId } });
    if (!v || v.status !== "ready")
      throw new AppError("unprocessable", "the behaviour policy version does not exist or is not ready", [
        { path: "behaviour.policyVersionId", message: "not ready" },
      ]);
  }
  const dataset = await db
    .$transaction(async (tx) => {
      const d = await tx.dataset.create({
        data: {
          name: input.name,
          origin: "simulated",
          scenarioId: scenario.id,
          seed: input.seed,
          sessions: input.sessions,
          behaviour: input.behaviour,
          exploration: input.exploration ?? undefined,
          createdById: actor.kind === "user" ? actor.userId : null,
        },
      });
      await recordAudit(tx, actor, { action: "dataset.simulate", entityType: "Dataset", entityId: d.id, after: input });
      return d;
    })
    .catch(nameTaken(input.name));
  try {
    const job = await enqueueJob(actor, "simulate-dataset", { datasetId: dataset.id }, deps);
    return serializeDataset(await db.dataset.update({ where: { id: dataset.id }, data: { jobId: job.id }, include }));
  } catch (err) {
    await db.dataset.update({
      where: { id: dataset.id },
      data: { status: "failed", error: `could not queue: ${(err as Error).message}` },
    });
    throw err;
  }
}

export { getDataset } from "@/lib/dataset-store/get-dataset";

export const listDatasets = () => db.dataset.findMany({ orderBy: { createdAt: "desc" }, include, take: 500 });
