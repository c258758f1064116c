import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { startExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import { updateExperiment } from "@/lib/experiments/update-experiment";
import { db } from "@/lib/db/client";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_analysis_plan");

const base = {
  name: "Plan",
  layer: "plan",
  primaryMetric: "valid_consumption",
  guardrailMetrics: ["duration"],
  arms: [
    { key: "control", control: true, weight: 0.5 },
    { key: "treatment", weight: 0.5 },
  ],
};

describe("an experiment's analysis plan", () => {
  it(
    "defaults to sequential with 100 users per arm; bad plans get a 400 naming the field and write " + "nothing",
    async () => {
      await createLayer(SYSTEM_ACTOR, { key: "plan", name: "Plan" });
      const plain = await createExperiment(SYSTEM_ACTOR, { ...base, key: "plain", layerBuckets: [[0, 1000]] });
      expect(plain).toMatchObject({
        analysisPlan: "sequential",
        plannedUsers: null,
        minUsersPerArm: 100,
        minEventsPerArm: 0,
        guardrailHarm: {},
      });

      await expect(
        createExperiment(SYSTEM_ACTOR, {
          ...base,
          key: "fixed",
          layerBuckets: [[1000, 2000]],
          analysisPlan: "fixedHorizon",
        }),
      ).rejects.toMatchObject({ code: "bad_request", issues: [{ path: "plannedUsers" }] });
      await expect(
        createExperiment(SYSTEM_ACTOR, {
          ...base,
          key: "stray",
          layerBuckets: [[1000, 2000]],
          guardrailHarm: { interactions: 0.05 },
        }),
      ).rejects.toMatchObject({ code: "bad_request", issues: [{ path: "guardrailHarm.interactions" }] });
      await expect(
        createExperiment(SYSTEM_ACTOR, { ...base, key: "tiny", layerBuckets: [[1000, 2000]], minUsersPerArm: 1 }),
      ).rejects.toMatchObject({ code: "bad_request", issues: [{ path: "minUsersPerArm" }] });
      expect(await db.experiment.count()).toBe(1);

      const fixed = await createExperiment(SYSTEM_ACTOR, {
        ...base,
        key: "fixed",
        layerBuckets: [[1000, 2000]],
        analysisPlan: "fixedHorizon",
        plannedUsers: 20_000,
        minUsersPerArm: 500,
        guardrailHarm: { duration: 0.01 },
      });
      expect(fixed).toMatchObject({
        analysisPlan: "fixedHorizon",
        plannedUsers: 20_000,
        minUsersPerArm: 500,
        guardrailHarm: { duration: 0.01 },
      });
      expect((await db.experiment.findUniqueOrThrow({ where: { key: "fixed" } })).analysisPlan).toBe("fixed_horizon");
    },
  );

  it("a draft's plan can change (and must stay whole); a started experiment's plan is locked", async () => {
    // Dropping the planned users of a fixed-horizon plan leaves it without its horizon.
    await expect(updateExperiment(SYSTEM_ACTOR, "fixed", { plannedUsers: null })).rejects.toMatchObject({
      code: "bad_request",
      issues: [{ path: "plannedUsers" }],
    });
    // An override for a metric that stops being a guardrail is refused.
    await expect(
      updateExperiment(SYSTEM_ACTOR, "fixed", {
        guardrailMetrics: ["interactions"],
        guardrailHarm: { duration: 0.02 },
      }),
    ).rejects.toMatchObject({ code: "bad_request", issues: [{ path: "guardrailHarm.duration" }] });
    const sequential = await updateExperiment(SYSTEM_ACTOR, "fixed", {
      analysisPlan: "sequential",
      plannedUsers: null,
    });
    expect(sequential).toMatchObject({ analysisPlan: "sequential", plannedUsers: null });

    await startExperiment(SYSTEM_ACTOR, "plain");
    // Choosing the test after seeing data would void its error rates.
    await expect(
      updateExperiment(SYSTEM_ACTOR, "plain", { analysisPlan: "fixedHorizon", plannedUsers: 1000 }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(updateExperiment(SYSTEM_ACTOR, "plain", { minUsersPerArm: 10 })).rejects.toMatchObject({
      code: "conflict",
    });
  });
});
