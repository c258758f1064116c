import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { ALL_SCOPES, type ApiScope } from "@/lib/api-keys/scopes";
import { generateApiKey, hashApiKey, keyPrefix } from "@/lib/api-keys/key-material";
import { db } from "@/lib/db/client";
import { parseInput, safeString } from "@/lib/validation";

export const createApiKeyInput = z.object({
  name: safeString().trim().min(1, "is required").max(100),
  scopes: z.array(z.enum(ALL_SCOPES as [ApiScope, ...ApiScope[]])).min(1, "pick at least one scope"),
});

/** Creates a key and returns its plaintext exactly once; afterwards only the hash exists. */
export async function createApiKey(actor: Actor, raw: unknown, plaintext: string = generateApiKey()) {
  const input = parseInput(createApiKeyInput, raw, "API key");
  const scopes = [...new Set(input.scopes)].sort();
  return db.$transaction(async (tx) => {
    const key = await tx.apiKey.create({
      data: {
        name: input.name,
        scopes,
        prefix: keyPrefix(plaintext),
        hash: hashApiKey(plaintext),
        createdById: actor.kind === "user" ? actor.userId : null,
      },
      select: { id: true, name: true, prefix: true, scopes: true, createdAt: true },
    });
    await recordAudit(tx, actor, {
      action: "apiKey.create",
      entityType: "ApiKey",
      entityId: key.id,
      after: { name: key.name, scopes },
    });
    return { ...key, key: plaintext };
  });
}
