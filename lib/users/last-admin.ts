import type { Prisma } from "@prisma/client";
import { AppError } from "@/lib/errors";

/**
 * Refuses a change that would leave no active administrator. Changes to the set of admins take one
 * transaction-scoped advisory lock first, so two admins demoting or disabling each other at the same
 * time cannot both pass the count.
 */
export async function keepAnActiveAdmin(tx: Prisma.TransactionClient, userId: string, what: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('fusionlab.admins'))`;
  const others = await tx.user.count({ where: { role: "admin", disabledAt: null, id: { not: userId } } });
  if (others === 0) throw new AppError("conflict", `the last administrator cannot be ${what}`);
}
