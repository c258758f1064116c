import type { Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { resetPasswordInput } from "@/lib/users/user-input";
import { parseInput } from "@/lib/validation";

/** An administrator sets a user's new password; every existing session of that user ends. */
export async function resetPassword(actor: Actor, raw: unknown) {
  const input = parseInput(resetPasswordInput, raw, "password reset");
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const exists = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true } });
    if (!exists) throw new AppError("not_found", "no such user");
    const user = await tx.user.update({
      where: { id: input.userId },
      data: { passwordHash, sessionVersion: { increment: 1 } },
    });
    // The audit says that it happened, never the password.
    await recordAudit(tx, actor, { action: "user.resetPassword", entityType: "User", entityId: user.id });
    return { id: user.id, email: user.email };
  });
}
