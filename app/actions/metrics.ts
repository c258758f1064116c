"use server";

import { revalidatePath } from "next/cache";
import { requireActionActor } from "@/lib/auth/session";
import { runAction } from "@/lib/http/action-result";
import { createMetric, deleteMetric } from "@/lib/metrics/metric-catalogue";

/** The metric catalogue from the UI: the same domain functions (and zod rules) as /api/v1/metrics. */

export async function createMetricAction(raw: unknown) {
  return runAction(async () => {
    const m = await createMetric(await requireActionActor("editor"), raw);
    revalidatePath("/metrics");
    return { id: m.id, key: m.key };
  });
}

export async function deleteMetricAction(ref: string) {
  return runAction(async () => {
    const r = await deleteMetric(await requireActionActor("editor"), ref);
    revalidatePath("/metrics");
    return r;
  });
}
