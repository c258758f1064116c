import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { disconnectDb } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { startPlatform, stopPlatform, type RunningPlatform } from "@/test/support/platform";
import { platformApi } from "@/test/support/route-calls";

/**
 * The experimentation loop through the public API only: layer → experiment → start → simulated
 * traffic through /api/v1/rank and /api/v1/events (the simulate-traffic job) → uplift report.
 */
const API_KEY = "flk_e2e_traffic_test_key_0123456789";
let platform: RunningPlatform;
let dropDb: () => Promise<void>;

const api = platformApi(() => platform.url, API_KEY);

beforeAll(async () => {
  const scratch = await createScratchDatabase(inject("pgAdminUrl"), "fl_e2e_traffic");
  dropDb = scratch.drop;
  await migrate(scratch.url);
  platform = await startPlatform({
    DATABASE_URL: scratch.url,
    FUSIONLAB_API_KEY: API_KEY,
    FUSIONLAB_DATA_DIR: ".data/e2e-traffic",
    NEXTAUTH_URL: undefined,
  });
});

afterAll(async () => {
  await stopPlatform(platform);
  await disconnectDb();
  await dropDb?.();
});

describe("traffic simulation against the real API", () => {
  it("drives a running experiment and yields a report with both arms, SRM and CUPED", async () => {
    await api("POST", "/api/v1/layers", { key: "traffic", name: "Traffic test" });
    await api("POST", "/api/v1/scenarios", { key: "e2e", name: "E2E", config: { world: { items: 3000 } } });
    const exp = await api<{ id: string }>("POST", "/api/v1/experiments", {
      key: "aa-test",
      name: "A/A through the API",
      layer: "traffic",
      primaryMetric: "valid_consumption",
      arms: [
        { key: "control", control: true, weight: 0.5 },
        { key: "same", weight: 0.5 },
      ],
    });
    const bad = await fetch(`${platform.url}/api/v1/experiments/${exp.id}/start`, {
      method: "POST",
      headers: { authorization: "Bearer nope" },
    });
    expect(bad.status).toBe(401);
    await api("POST", `/api/v1/experiments/${exp.id}/start`);
    const job = await api<{ id: string }>("POST", "/api/v1/jobs", {
      type: "simulate-traffic",
      payload: {
        experiment: "aa-test",
        scenario: "e2e",
        users: 300,
        sessionsPerUser: 1,
        prePeriodDays: 3,
        concurrency: 8,
      },
    });
    let state = "";
    type Totals = { requests: number; validConsumption: number; durationSeconds: number; interactions: number };
    type Result = {
      requests: number;
      accepted: number;
      events: number;
      feedback: Record<string, Totals & { users: number }>;
      simulator: Totals;
    };
    let last: { state: string; error: string | null; result: Result | null } = { state: "", error: null, result: null };
    for (let i = 0; i < 600 && !["completed", "failed", "cancelled"].includes(state); i++) {
      await new Promise((r) => setTimeout(r, 500));
      last = await api("GET", `/api/v1/jobs/${job.id}`);
      state = last.state;
    }
    expect(last.error).toBeNull();
    expect(state).toBe("completed");
    expect(last.result!.requests).toBeGreaterThan(300);
    expect(last.result!.accepted).toBe(last.result!.events);

    const report = await api<{
      srm: { ok: boolean; pValue: number };
      cuped: boolean;
      arms: {
        key: string;
        users: number;
        control: boolean;
        metrics: Record<string, { mean: number; lift?: number; ci?: [number, number]; pValue?: number }>;
      }[];
    }>("GET", `/api/v1/experiments/${exp.id}/report`);
    const users = report.arms.reduce((s, a) => s + a.users, 0);
    expect(users).toBeGreaterThan(150);
    expect(report.arms.every((a) => a.users > 40)).toBe(true);
    expect(report.srm.ok).toBe(true);
    expect(report.cuped).toBe(true);
    const treatment = report.arms.find((a) => !a.control)!;
    expect(treatment.metrics.valid_consumption.mean).toBeGreaterThan(0);
    expect(treatment.metrics.valid_consumption.ci).toHaveLength(2);
    expect(typeof treatment.metrics.valid_consumption.pValue).toBe("number");
    // The feedback sent is what the simulator measured (the rollout's own session metrics), and the
    // report shows exactly that feedback, arm by arm: the same users, and per user the same valid
    // consumption, watch time and interactions — nothing lost, doubled or put in the wrong arm.
    const { feedback, simulator } = last.result!;
    const sum = (k: keyof Totals) => Object.values(feedback).reduce((s, t) => s + t[k], 0);
    expect(sum("requests")).toBe(simulator.requests);
    expect(sum("validConsumption")).toBe(simulator.validConsumption);
    expect(sum("interactions")).toBe(simulator.interactions);
    expect(sum("durationSeconds")).toBeCloseTo(simulator.durationSeconds, 3);
    expect(
      Object.keys(feedback)
        .filter((k) => k !== "(none)")
        .sort(),
    ).toEqual(["control", "same"]);
    for (const arm of report.arms) {
      const sent = feedback[arm.key];
      expect(arm.users).toBe(sent.users);
      expect(arm.metrics.valid_consumption.mean).toBeCloseTo(sent.validConsumption / sent.users, 9);
      expect(arm.metrics.duration.mean).toBeCloseTo(sent.durationSeconds / sent.users, 6);
      expect(arm.metrics.interactions.mean).toBeCloseTo(sent.interactions / sent.users, 9);
    }
    const assignment = await api<{ inExperiment: boolean; arm: string | null; bucket: number }>(
      "GET",
      `/api/v1/experiments/${exp.id}/assignment?userId=sim-1-3`,
    );
    expect(assignment.inExperiment).toBe(true);
    expect(["control", "same"]).toContain(assignment.arm);
  });
});
