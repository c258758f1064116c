import { randomUUID } from "node:crypto";
import { loadEnv } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import type { JobContext } from "@/lib/jobs/define-job";

/** What FusionLab announces; the body's `event` and the X-FusionLab-Event header. */
export type WebhookEvent = "experiment.arm_stopped" | "experiment.verdict";

/**
 * Records a webhook message for an experiment and queues its delivery with the calling job's
 * `enqueue` (the deliver-webhook job retries it with exponential backoff). The URL is the experiment's, else
 * FUSIONLAB_WEBHOOK_URL; with neither nothing is sent and null is returned.
 */
export async function queueWebhook(
  enqueue: JobContext["enqueue"],
  experiment: { id: string; key: string; name: string; webhookUrl: string | null },
  event: WebhookEvent,
  data: Record<string, unknown>,
): Promise<string | null> {
  const url = experiment.webhookUrl ?? loadEnv().FUSIONLAB_WEBHOOK_URL;
  if (!url) return null;
  const id = randomUUID();
  const body = JSON.stringify({
    id,
    event,
    sentAt: new Date().toISOString(),
    experiment: { id: experiment.id, key: experiment.key, name: experiment.name },
    ...data,
  });
  await db.webhookDelivery.create({ data: { id, experimentId: experiment.id, event, url, body } });
  await enqueue("deliver-webhook", { deliveryId: id });
  return id;
}
