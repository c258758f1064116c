"use server";

import { revalidatePath } from "next/cache";
import { requireActionActor } from "@/lib/auth/session";
import { runAction } from "@/lib/http/action-result";
import { cancelJob, enqueueJob, retryJob } from "@/lib/jobs/job-service";

export async function enqueueJobAction(type: string, payload: unknown) {
  return runAction(async () => {
    const actor = await requireActionActor("editor");
    const job = await enqueueJob(actor, type, payload);
    revalidatePath("/jobs");
    return { id: job.id };
  });
}

export async function cancelJobAction(jobId: string) {
  return runAction(async () => {
    await cancelJob(await requireActionActor("editor"), jobId);
    revalidatePath(`/jobs/${jobId}`);
  });
}

export async function retryJobAction(jobId: string) {
  return runAction(async () => {
    const job = await retryJob(await requireActionActor("editor"), jobId);
    revalidatePath("/jobs");
    return { id: job.id };
  });
}
