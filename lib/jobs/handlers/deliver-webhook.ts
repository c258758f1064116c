import { loadEnv } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { PermanentJobError, type JobHandler } from "@/lib/jobs/define-job";
import type { DeliverWebhookPayload } from "@/lib/jobs/registry";
import { SIGNATURE_HEADER, signWebhook } from "@/lib/webhooks/webhook-signature";

const TIMEOUT_MS = 10_000;

/**
 * The `deliver-webhook` job: POSTs a recorded message, signed, and records the attempt. Anything
 * but a 2xx answer throws, so the queue retries with exponential backoff; onGiveUp marks it failed.
 */
export const deliverWebhook: JobHandler<DeliverWebhookPayload> = async ({ deliveryId }, ctx) => {
  const d = await db.webhookDelivery.findUnique({ where: { id: deliveryId } });
  if (!d) throw new PermanentJobError(`no webhook delivery ${deliveryId}`);
  if (d.status === "delivered") return { status: "delivered", already: true };
  const secret = loadEnv().FUSIONLAB_WEBHOOK_SECRET;
  if (!secret) throw new PermanentJobError("FUSIONLAB_WEBHOOK_SECRET is not set: webhooks cannot be signed");
  let responseStatus: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(d.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "FusionLab-Webhook",
        "x-fusionlab-event": d.event,
        "x-fusionlab-delivery": d.id,
        [SIGNATURE_HEADER]: signWebhook(secret, d.body),
      },
      body: d.body,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]),
      redirect: "manual",
    });
    responseStatus = res.status;
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) error = `answered ${res.status}`;
  } catch (err) {
    error = (err as Error).message;
  }
  await db.webhookDelivery.update({
    where: { id: d.id },
    data: {
      attempts: { increment: 1 },
      responseStatus,
      error,
      ...(error === null ? { status: "delivered", deliveredAt: new Date() } : {}),
    },
  });
  if (error !== null) throw new Error(`webhook to ${d.url} ${error}`);
  return { status: "delivered", responseStatus };
};

/** The job gave up (retries spent, or cancelled): the delivery log says so. */
export async function markWebhookFailed({ deliveryId }: DeliverWebhookPayload): Promise<void> {
  await db.webhookDelivery.updateMany({ where: { id: deliveryId, status: "pending" }, data: { status: "failed" } });
}
