import { Prisma } from "@prisma/client";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { keySchema } from "@/lib/experiments/experiment-input";
import { ScenarioSchema } from "@/lib/simulator";
import { parseInput, safeJson, safeString } from "@/lib/validation";

export const createScenarioInput = z.object({
  key: keySchema,
  name: safeString().trim().min(1, "is required").max(200),
  description: safeString().trim().max(2000).optional(),
  /** Any subset of the simulator's parameters; the rest take their documented defaults. */
  config: safeJson.optional(),
});

/** Stores a scenario with every default filled in, so a dataset can always be regenerated exactly. */
export async function createScenario(actor: Actor, raw: unknown) {
  const input = parseInput(createScenarioInput, raw, "scenario");
  const config = parseInput(ScenarioSchema, input.config ?? {}, "scenario config");
  try {
    return await db.$transaction(async (tx) => {
      const s = await tx.scenario.create({
        data: {
          key: input.key,
          name: input.name,
          description: input.description,
          config: config as Prisma.InputJsonValue,
          createdById: actor.kind === "user" ? actor.userId : null,
        },
      });
      await recordAudit(tx, actor, {
        action: "scenario.create",
        entityType: "Scenario",
        entityId: s.id,
        after: { key: s.key, name: s.name },
      });
      return s;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError("conflict", `a scenario with key "${input.key}" already exists`, [
        { path: "key", message: "is taken" },
      ]);
    }
    throw err;
  }
}

export async function findScenario(ref: string) {
  const s = await db.scenario.findFirst({ where: z.uuid().safeParse(ref).success ? { id: ref } : { key: ref } });
  if (!s) throw new AppError("not_found", `no scenario "${ref}"`);
  return s;
}

export const listScenarios = () =>
  db.scenario.findMany({ orderBy: { createdAt: "desc" }, include: { _count: { select: { datasets: true } } } });
