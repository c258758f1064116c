import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures (docs/experiments.md): `X-FusionLab-Signature: sha256=<hex>`, the HMAC-SHA256
 * of the exact request body bytes under the platform's webhook secret. Receivers recompute it over
 * the raw body before parsing it.
 */
export const SIGNATURE_HEADER = "x-fusionlab-signature";

export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** Constant-time check of a received signature header against the body. */
export function verifyWebhookSignature(secret: string, body: string, header: string | null | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhook(secret, body));
  const got = Buffer.from(header.trim());
  return got.length === expected.length && timingSafeEqual(got, expected);
}
