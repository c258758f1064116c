import type { Prisma } from "@prisma/client";
import { AppError } from "@/lib/errors";
import type { ArmInput } from "@/lib/experiments/experiment-input";

/** Checks that every arm's policy version exists and can serve, then shapes the rows to insert. */
export async function armRows(tx: Prisma.TransactionClient, arms: readonly ArmInput[]) {
  const ids = [...new Set(arms.map((a) => a.policyVersionId).filter((id): id is string => !!id))];
  if (ids.length > 0) {
    const found = await tx.policyVersion.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
    for (const [i, arm] of arms.entries()) {
      if (!arm.policyVersionId) continue;
      const v = found.find((f) => f.id === arm.policyVersionId);
      if (!v)
        throw new AppError("unprocessable", `arm "${arm.key}": no policy version ${arm.policyVersionId}`, [
          { path: `arms.${i}.policyVersionId`, message: "no such policy version" },
        ]);
      if (v.status !== "ready")
        throw new AppError("unprocessable", `arm "${arm.key}": policy version is ${v.status}, not ready`, [
          { path: `arms.${i}.policyVersionId`, message: `version is ${v.status}` },
        ]);
    }
  }
  return arms.map((a, position) => ({
    key: a.key,
    name: a.name ?? a.key,
    isControl: a.control,
    position,
    policyVersionId: a.policyVersionId ?? null,
    weight: a.weight ?? null,
    ranges: (a.ranges ?? undefined) as Prisma.InputJsonValue | undefined,
  }));
}
