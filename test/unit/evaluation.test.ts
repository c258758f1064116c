import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ACTION_BOUNDS, denormalizeAction } from "@/lib/fusion/action";
import {
  auc,
  boxImportanceWeight,
  groupAuc,
  mtfGauc,
  pairedDifference,
  rolloutValue,
  snips,
  snipsEstimate,
} from "@/lib/evaluation";
import { collectLogs, memoryLogSource, type LogSource } from "@/lib/rl";
import { FixedFusionPolicy, OraclePolicy, parseScenario, RandomPolicy, withExploration, World } from "@/lib/simulator";

const SCENARIO = parseScenario({
  world: { users: 200, items: 2000, topics: 8 },
  session: { candidates: 20, shown: 5, maxRequests: 20 },
});

describe("MTF-GAUC", () => {
  it("computes AUC by rank sums, ties counting one half", () => {
    // Pairs (positive, negative): (.9,.8) ✓ (.9,.6) ✓ (.7,.8) ✗ (.7,.6) ✓ → 3/4.
    expect(auc([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])).toBe(0.75);
    // (.5 vs .5) counts ½, (.5 vs .2) counts 1 → 1.5 / 2.
    expect(auc([0.5, 0.5, 0.2], [1, 0, 0])).toBe(0.75);
    expect(auc([0.3, 0.1], [1, 1])).toBeNaN();
  });

  it("weights each user's AUC by the user's instant reward and skips one-class users", () => {
    const impressions = [
      // user 1: AUC 3/4, reward 2 + 0.1 + 1.5 + 0.4 = 4
      { user: 1, score: 0.9, label: 1, reward: 2 },
      { user: 1, score: 0.8, label: 0, reward: 0.1 },
      { user: 1, score: 0.7, label: 1, reward: 1.5 },
      { user: 1, score: 0.6, label: 0, reward: 0.4 },
      // user 2: AUC 0, reward 1
      { user: 2, score: 0.2, label: 1, reward: 1 },
      { user: 2, score: 0.4, label: 0, reward: 0 },
      // user 3: only positives, left out
      { user: 3, score: 0.5, label: 1, reward: 3 },
    ];
    const r = groupAuc(impressions);
    expect(r.gauc).toBeCloseTo((4 * 0.75 + 1 * 0) / 5, 12);
    expect(r.users).toBe(2);
    expect(r.impressions).toBe(7);
  });
});

describe("SNIPS with box-kernel propensities", () => {
  it("weights a logged action by the ratio of clipped box volumes when it lies in the target's box", () => {
    // Behaviour box widths: [−0.1, 0.1] → 0.2 and [0.85, 1] (clipped) → 0.15.
    // Target box widths:    [0, 0.2] → 0.2 and [0.82, 1] (clipped) → 0.18.  w = (0.2/0.2)·(0.15/0.18).
    expect(boxImportanceWeight([0.05, 0.9], [0, 0.95], 0.1, [0.1, 0.92], 0.1)).toBeCloseTo(0.15 / 0.18, 12);
    // |0.05 − 0.3| > 0.1: outside the target's box.
    expect(boxImportanceWeight([0.05, 0.9], [0, 0.95], 0.1, [0.3, 0.92], 0.1)).toBe(0);
  });

  it("self-normalises and gives a delta-method interval", () => {
    const e = snipsEstimate([1, 0, 3], [2, 10, 4]);
    expect(e.mean).toBeCloseTo(3.5, 12); // (1·2 + 3·4) / 4
    const half = 1.959963984540054 * Math.sqrt(((1 * (2 - 3.5)) ** 2 + (3 * (4 - 3.5)) ** 2) / 16);
    expect(e.ci[1] - e.mean).toBeCloseTo(half, 12);
  });

  describe("on simulated logs", () => {
    let world: World;
    let source: LogSource;
    const behaviour = new FixedFusionPolicy();
    beforeAll(async () => {
      world = new World(SCENARIO, "snips");
      const { schema, logs } = await collectLogs({
        world,
        policy: withExploration(behaviour),
        sessions: 80,
        seed: "snips",
        numEnvs: 16,
      });
      source = memoryLogSource(schema, logs);
    });

    it("recovers the logged mean exactly for the behaviour policy itself (every weight 1)", async () => {
      const r = await snips(behaviour, source);
      if (!r.applicable) throw new Error(r.reason);
      expect(r.matched).toBe(r.requests);
      expect(r.effectiveSampleSize).toBeCloseTo(r.requests, 6);
      expect(r.reward.mean).toBeCloseTo(r.behaviourReward, 10);
      expect(r.validConsumption.mean).toBeCloseTo(r.behaviourValidConsumption, 10);
    });

    it("matches no log for a target far outside the exploration box, and refuses per-item targets", async () => {
      const far = new FixedFusionPolicy(denormalizeAction(new Array(14).fill(0.8), DEFAULT_ACTION_BOUNDS));
      const r = await snips(far, source);
      expect(r.applicable && r.matched).toBe(0);
      expect((await snips(new RandomPolicy(), source)).applicable).toBe(false);
    });

    it("MTF-GAUC ranks the oracle above random on the same logs", async () => {
      const oracle = await mtfGauc(new OraclePolicy(world), source);
      const random = await mtfGauc(new RandomPolicy(), source);
      expect(oracle.gauc).toBeGreaterThan(random.gauc);
      expect(oracle.users).toBeGreaterThan(10);
    });
  });
});

describe("rollout value", () => {
  it("reports per-policy CIs over seeds and paired differences on common random numbers", async () => {
    const value = await rolloutValue({
      scenario: SCENARIO,
      seeds: [1, 2, 3, 4],
      sessionsPerSeed: 40,
      numEnvs: 16,
      policies: {
        random: () => new RandomPolicy(),
        fixed: () => new FixedFusionPolicy(),
        oracle: (w) => new OraclePolicy(w),
      },
    });
    const fixed = value.policies.fixed.estimate.validConsumption;
    expect(fixed.perSeed).toHaveLength(4);
    expect(fixed.ci[0]).toBeLessThanOrEqual(fixed.mean);
    expect(fixed.ci[1]).toBeGreaterThanOrEqual(fixed.mean);
    const d = pairedDifference(value, "fixed", "random", "validConsumption");
    expect(d.difference.perSeed).toEqual(
      value.policies.fixed.perSeed.validConsumption.map(
        (x, i) => x - value.policies.random.perSeed.validConsumption[i],
      ),
    );
    expect(d.significant).toBe(true);
    expect(d.difference.mean).toBeGreaterThan(0);
    expect(pairedDifference(value, "oracle", "fixed", "reward").difference.mean).toBeGreaterThan(0);
  });
});
