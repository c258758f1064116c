"use server";

import { revalidatePath } from "next/cache";
import { requireActionActor } from "@/lib/auth/session";
import { getDataset, startDatasetSimulation } from "@/lib/dataset-store/dataset-service";
import { AppError } from "@/lib/errors";
import { runAction } from "@/lib/http/action-result";
import { createScenario } from "@/lib/scenarios/scenario-service";

/** Scenarios and datasets from the UI. CSV uploads go through /api/internal/datasets/import (a streamed body). */

export async function createScenarioAction(input: {
  key: string;
  name: string;
  description?: string;
  configJson?: string | null;
}) {
  return runAction(async () => {
    const actor = await requireActionActor("editor");
    let config: unknown = undefined;
    if (input.configJson != null && input.configJson.trim() !== "") {
      try {
        config = JSON.parse(input.configJson);
      } catch (err) {
        throw new AppError("bad_request", `the scenario JSON does not parse: ${(err as Error).message}`, [
          { path: "config", message: `not valid JSON: ${(err as Error).message}` },
        ]);
      }
    }
    const s = await createScenario(actor, {
      key: input.key,
      name: input.name,
      description: input.description || undefined,
      config,
    });
    revalidatePath("/scenarios");
    return { id: s.id, key: s.key };
  });
}

export async function startDatasetSimulationAction(raw: unknown) {
  return runAction(async () => {
    const d = await startDatasetSimulation(await requireActionActor("editor"), raw);
    revalidatePath("/datasets");
    return { id: d.id, jobId: d.jobId };
  });
}

/** Where an import (or any dataset build) stands, for the upload form that waits for its job. */
export async function datasetStatusAction(id: string) {
  return runAction(async () => {
    await requireActionActor("viewer");
    const d = await getDataset(id);
    return { status: d.status, name: d.name, requests: d.requests, error: d.error };
  });
}
