import { Prisma } from "@prisma/client";
import type { Actor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { createUserInput } from "@/lib/users/user-input";

export async function createUser(actor: Actor, raw: unknown) {
  const input = parseInput(createUserInput, raw, "user");
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, role: input.role, passwordHash },
        select: { id: true, email: true, name: true, role: true, createdAt: true },
      });
      await recordAudit(tx, actor, {
        action: "user.create",
        entityType: "User",
        entityId: user.id,
        after: { email: user.email, role: user.role },
      });
      return user;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError("conflict", `a user with email ${input.email} already exists`, [
        { path: "email", message: "is taken" },
      ]);
    }
    throw err;
  }
}
