"use server";

import { revalidatePath } from "next/cache";
import { requireActionActor } from "@/lib/auth/session";
import { startExperiment, stopExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import { updateExperiment } from "@/lib/experiments/update-experiment";
import { powerBaseline } from "@/lib/experiments/power-baseline";
import { runAction } from "@/lib/http/action-result";

/** Experiments and layers from the UI: the same domain functions (and zod rules) as /api/v1, as the signed-in user. */

export async function createExperimentAction(raw: unknown) {
  return runAction(async () => {
    const e = await createExperiment(await requireActionActor("editor"), raw);
    revalidatePath("/experiments");
    revalidatePath(`/layers/${e.layer}`);
    return { id: e.id, key: e.key };
  });
}

export async function updateExperimentAction(ref: string, raw: unknown) {
  return runAction(async () => {
    const e = await updateExperiment(await requireActionActor("editor"), ref, raw);
    revalidatePath(`/experiments/${e.id}`);
    revalidatePath(`/layers/${e.layer}`);
    return { id: e.id, key: e.key, coverage: e.coverage, layerBuckets: e.layerBuckets };
  });
}

/** `raw` is the start body: `{ override: { reason } }` to launch past the launch gate. */
export async function startExperimentAction(ref: string, raw: unknown = {}) {
  return runAction(async () => {
    const e = await startExperiment(await requireActionActor("editor"), ref, raw);
    revalidatePath(`/experiments/${e.id}`);
    revalidatePath("/experiments");
    return { id: e.id, status: e.status };
  });
}

export async function stopExperimentAction(ref: string, decision: unknown) {
  return runAction(async () => {
    const e = await stopExperiment(await requireActionActor("editor"), ref, decision);
    revalidatePath(`/experiments/${e.id}`);
    revalidatePath("/experiments");
    return { id: e.id, status: e.status };
  });
}

export async function createLayerAction(raw: unknown) {
  return runAction(async () => {
    const layer = await createLayer(await requireActionActor("editor"), raw);
    revalidatePath("/layers");
    return { id: layer.id, key: layer.key };
  });
}

/** The history a power plan starts from (the form computes the plan itself with lib/stats/power). */
export async function powerBaselineAction(raw: unknown) {
  return runAction(async () => {
    await requireActionActor("viewer");
    return powerBaseline(raw);
  });
}
