import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { keepAnActiveAdmin } from "@/lib/users/last-admin";
import { parseInput } from "@/lib/validation";
import { setRoleInput } from "@/lib/users/user-input";

export async function setUserRole(actor: Actor, raw: unknown) {
  const input = parseInput(setRoleInput, raw, "role change");
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId } });
    if (!before) throw new AppError("not_found", "no such user");
    // Never leave the platform without an administrator.
    if (before.role === "admin" && input.role !== "admin") await keepAnActiveAdmin(tx, input.userId, "demoted");
    const user = await tx.user.update({ where: { id: input.userId }, data: { role: input.role } });
    await recordAudit(tx, actor, {
      action: "user.setRole",
      entityType: "User",
      entityId: user.id,
      before: { role: before.role },
      after: { role: user.role },
    });
    return { id: user.id, email: user.email, role: user.role };
  });
}
