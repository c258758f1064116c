import type { Prisma } from "@prisma/client";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { keySchema } from "@/lib/experiments/experiment-input";
import { fixedPolicyConfig } from "@/lib/serving/serving-policy";
import { parseInput, safeString } from "@/lib/validation";

/**
 * Registers a hand-set fixed fusion action (the industry formula baseline) as a new ready version of
 * a `fixed` policy, created on first use. Each new version's parent is the policy's previous latest
 * version (lineage). The Policies page's "Register fixed policy" form calls it.
 */
export const registerFixedPolicyInput = z.object({
  key: keySchema,
  name: safeString().trim().min(1, "is required").max(200),
  description: safeString().trim().max(2000).optional(),
  action: fixedPolicyConfig.shape.action,
});

export async function registerFixedPolicyVersion(actor: Actor, raw: unknown) {
  const input = parseInput(registerFixedPolicyInput, raw, "fixed policy");
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`policy:${input.key}`}))`;
    let policy = await tx.policy.findUnique({ where: { key: input.key } });
    if (policy && policy.type !== "fixed") {
      throw new AppError("conflict", `policy "${input.key}" is a ${policy.type} policy`, [
        { path: "key", message: `is a ${policy.type} policy, not fixed` },
      ]);
    }
    policy ??= await tx.policy.create({
      data: {
        key: input.key,
        name: input.name,
        type: "fixed",
        description: input.description,
        createdById: actor.kind === "user" ? actor.userId : null,
      },
    });
    const latest = await tx.policyVersion.findFirst({
      where: { policyId: policy.id },
      orderBy: { version: "desc" },
      select: { id: true, version: true },
    });
    const version = await tx.policyVersion.create({
      data: {
        policyId: policy.id,
        version: (latest?.version ?? 0) + 1,
        status: "ready",
        config: { action: input.action } as Prisma.InputJsonValue,
        parentVersionId: latest?.id ?? null,
      },
    });
    await recordAudit(tx, actor, {
      action: "policy.version.register",
      entityType: "PolicyVersion",
      entityId: version.id,
      after: { policy: policy.key, version: version.version, type: "fixed", config: { action: input.action } },
    });
    return { policyKey: policy.key, versionId: version.id, version: version.version };
  });
}
