import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { invalidateApiKeyCache } from "@/lib/api-keys/authenticate-api-key";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { parseUuid } from "@/lib/validation";

export async function revokeApiKey(actor: Actor, rawId: string) {
  const id = parseUuid(rawId);
  const key = await db.$transaction(async (tx) => {
    const before = await tx.apiKey.findUnique({ where: { id } });
    if (!before) throw new AppError("not_found", "no such API key");
    if (before.revokedAt) return before;
    const after = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, actor, {
      action: "apiKey.revoke",
      entityType: "ApiKey",
      entityId: id,
      before: { revokedAt: null },
      after: { revokedAt: after.revokedAt },
    });
    return after;
  });
  invalidateApiKeyCache(key.hash);
  return { id: key.id, revokedAt: key.revokedAt };
}
