import type { Prisma } from "@prisma/client";
import { db } from "@/lib/db/client";
import { defaultScenario } from "@/lib/simulator";

/**
 * Demo content a fresh install starts with, so the three user jobs can be tried at once: a layer to
 * allocate buckets in and the default simulator scenario to generate traffic and datasets from.
 * Idempotent: creates only what is missing, never changes what users edited.
 */
export async function seedDemo(): Promise<void> {
  await db.layer.upsert({
    where: { key: "main" },
    update: {},
    create: {
      key: "main",
      name: "Main fusion layer",
      description: "Experiments on the fusion policy of the main feed",
      priority: 100,
    },
  });
  await db.scenario.upsert({
    where: { key: "default" },
    update: {},
    create: {
      key: "default",
      name: "Default scenario",
      description: "The documented defaults of the session simulator (docs/simulator.md)",
      config: defaultScenario() as unknown as Prisma.InputJsonValue,
    },
  });
}
