import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { keepAnActiveAdmin } from "@/lib/users/last-admin";
import { setDisabledInput } from "@/lib/users/user-input";
import { parseInput } from "@/lib/validation";

/** Disables a user (who can no longer sign in, and whose sessions end at their next request) or enables one again. */
export async function setUserDisabled(actor: Actor, raw: unknown) {
  const input = parseInput(setDisabledInput, raw, "user change");
  if (input.disabled && actor.kind === "user" && actor.userId === input.userId)
    throw new AppError("conflict", "you cannot disable yourself");
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId } });
    if (!before) throw new AppError("not_found", "no such user");
    if (input.disabled && before.role === "admin") await keepAnActiveAdmin(tx, input.userId, "disabled");
    const user = await tx.user.update({
      where: { id: input.userId },
      data: input.disabled
        ? { disabledAt: before.disabledAt ?? new Date(), sessionVersion: { increment: 1 } }
        : { disabledAt: null },
    });
    await recordAudit(tx, actor, {
      action: input.disabled ? "user.disable" : "user.enable",
      entityType: "User",
      entityId: user.id,
      before: { disabled: before.disabledAt !== null },
      after: { disabled: user.disabledAt !== null },
    });
    return { id: user.id, email: user.email, disabled: user.disabledAt !== null };
  });
}
