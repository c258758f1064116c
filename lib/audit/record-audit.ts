import type { Prisma } from "@prisma/client";
import type { Actor } from "@/lib/auth/actor";

type Tx = Pick<Prisma.TransactionClient, "auditLog">;

/** Appends an audit entry inside the caller's transaction, so a change and its record land together. */
export async function recordAudit(
  tx: Tx,
  actor: Actor,
  entry: { action: string; entityType: string; entityId: string; before?: unknown; after?: unknown },
): Promise<void> {
  await tx.auditLog.create({
    data: {
      actorUserId: actor.kind === "user" ? actor.userId : null,
      actorKeyId: actor.kind === "apiKey" ? actor.apiKeyId : null,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: entry.before === undefined ? undefined : (entry.before as Prisma.InputJsonValue),
      after: entry.after === undefined ? undefined : (entry.after as Prisma.InputJsonValue),
    },
  });
}
