import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ACTION_BOUNDS } from "@/lib/fusion/action";
import { criticItemRanking, ndcgAt, saveFixedPolicy, trainProgressive, type Tf } from "@/lib/rl";
import { FixedFusionPolicy, parseScenario, World } from "@/lib/simulator";
import { loadTf } from "@/lib/tf/backend";

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadTf(() => {}));
});

describe("critic item ranking", () => {
  it("computes NDCG@k against clipped true values (hand-computed)", () => {
    // Order by score: items 0, 2, 1 → gains 1, 0, 3; ideal 3, 2, 1.
    const expected = (1 + 0 + 3 / 2) / (3 + 2 / Math.log2(3) + 1 / 2);
    expect(ndcgAt([3, 1, 2, 0.5], [1, 3, -4, 2], 3)).toBeCloseTo(expected, 12);
    expect(ndcgAt([1, 2, 3], [1, 2, 3], 2)).toBe(1);
    expect(ndcgAt([1, 2], [0, -1], 2)).toBe(1);
  });

  it(
    "measures a trained Enhanced-State agent's critics on simulator requests, next to the formula and " + "random",
    async () => {
      const world = new World(
        parseScenario({
          world: { users: 150, items: 1500, topics: 8 },
          session: { candidates: 20, shown: 5, maxRequests: 15 },
        }),
        "critic-ranking",
      );
      const result = await trainProgressive({
        tf,
        type: "enhanced-state",
        world,
        behaviour: saveFixedPolicy(DEFAULT_ACTION_BOUNDS.centre, DEFAULT_ACTION_BOUNDS),
        config: { rounds: 1, sessionsPerRound: 30, stepsPerRound: 10, evalSessions: 10, gateWorlds: 2, numEnvs: 16 },
        agentConfig: { hidden: [16], ensembleSize: 2, batchSize: 16, userWidth: 8 },
      });
      const ranking = await criticItemRanking({
        tf,
        saved: result.final,
        world,
        behaviour: new FixedFusionPolicy(DEFAULT_ACTION_BOUNDS.centre),
        requests: 20,
        seed: "t",
      });
      expect(ranking!.requests).toBe(20);
      for (const v of Object.values(ranking!.ndcg)) expect(v).toBeGreaterThan(0);
      for (const v of Object.values(ranking!.ndcg)) expect(v).toBeLessThanOrEqual(1);
      // The formula sees the MTL predictions: it ranks far better than chance.
      expect(ranking!.ndcg.behaviourFormula).toBeGreaterThan(ranking!.ndcg.random);
      expect(
        await criticItemRanking({
          tf,
          saved:
            result.saved.type === "fixed"
              ? result.saved
              : saveFixedPolicy(DEFAULT_ACTION_BOUNDS.centre, DEFAULT_ACTION_BOUNDS),
          world,
          behaviour: new FixedFusionPolicy(),
          requests: 5,
          seed: "t",
        }),
      ).toBeNull();
    },
  );
});
