import { beforeAll, describe, expect, it } from "vitest";
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, denormalizeAction } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import {
  loadPolicy,
  memoryLogSource,
  ReplayBuffer,
  Scaler,
  saveFixedPolicy,
  scoreRequest,
  StateEncoder,
  trainProgressive,
  type LogSchema,
  type Tf,
  type TrainingProgress,
} from "@/lib/rl";
import { FixedFusionPolicy, parseScenario, rollout, World } from "@/lib/simulator";
import { loadTf } from "@/lib/tf/backend";

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadTf(() => {}));
});

describe("replay buffer", () => {
  it("links a session's requests and samples n-step returns with the right bootstrap discount", async () => {
    // One session of three requests (one shown item each); the user feature carries the row index.
    const layout = { user: ["row"], context: ["c"], item: ["i"] };
    const schema: LogSchema = {
      layout,
      slate: 1,
      actionMode: "request",
      bounds: DEFAULT_ACTION_BOUNDS,
      explorationNoise: 0.15,
    };
    const action = Float32Array.from(
      { length: 3 * ACTION_DIM },
      (_, k) => DEFAULT_ACTION_BOUNDS.centre[k % ACTION_DIM],
    );
    const log = {
      size: 3,
      sessionId: [7, 7, 7],
      step: [0, 1, 2],
      userId: [1, 1, 1],
      done: [0, 0, 1],
      numShown: [1, 1, 1],
      userFeatures: Float32Array.from([0, 1, 2]),
      context: new Float32Array(3),
      itemId: [10, 11, 12],
      predictions: new Float32Array(3 * NUM_TASKS).fill(0.1),
      itemFeatures: new Float32Array(3),
      viewed: [1, 1, 1],
      isClick: [1, 0, 1],
      rewardWatch: [1, 2, 4],
      rewardOther: [0, 0, 0],
      action,
      behaviourAction: action,
    };
    const buffer = new ReplayBuffer({ capacity: 10, slate: 1, layout, bounds: DEFAULT_ACTION_BOUNDS });
    expect(await buffer.append(memoryLogSource(schema, [log]))).toBe(3);
    const identity = (w: number) => Scaler.fromJSON({ mean: new Array(w).fill(0), std: new Array(w).fill(1) });
    const encoder = new StateEncoder(
      layout,
      DEFAULT_ACTION_BOUNDS.centre.slice(NUM_TASKS),
      identity(2),
      identity(1 + 2 * NUM_TASKS),
    );
    const batch = buffer.sample(new Rng(1), 60, encoder, 1, 0.5, 2);
    // γ = 0.5, n = 2: row 0 → 1 + 0.5·2, bootstrap from row 2 with 0.25; rows 1 and 2 reach the session's end.
    const expected: Record<number, [number, number, number]> = { 0: [2, 0.25, 2], 1: [4, 0, 0], 2: [4, 0, 0] };
    const seen = new Set<number>();
    for (let b = 0; b < batch.B; b++) {
      const row = batch.user[b * 2];
      seen.add(row);
      const [reward, discount, bootstrapRow] = expected[row];
      expect(batch.rewardWatch[b]).toBeCloseTo(reward, 6);
      expect(batch.discount[b]).toBeCloseTo(discount, 6);
      expect(batch.nextUser[b * 2]).toBe(bootstrapRow);
    }
    expect(seen.size).toBe(3);
  });
});

describe("progressive training", () => {
  it("runs collect → train → evaluate → promote rounds, reports progress and returns a loadable version", async () => {
    const world = new World(
      parseScenario({
        world: { users: 150, items: 1500, topics: 8 },
        session: { candidates: 20, shown: 5, maxRequests: 15 },
      }),
      "progressive",
    );
    const events: TrainingProgress[] = [];
    const result = await trainProgressive({
      tf,
      type: "enhanced-state",
      world,
      behaviour: saveFixedPolicy(Array.from(DEFAULT_ACTION_BOUNDS.centre), DEFAULT_ACTION_BOUNDS),
      // A gate that always passes on reward (alpha ≈ 1) and guards nothing: this test is about the loop.
      config: {
        rounds: 2,
        sessionsPerRound: 40,
        stepsPerRound: 10,
        evalSessions: 20,
        gateWorlds: 2,
        gateAlpha: 0.999999,
        guardrails: { validConsumption: null, durationSeconds: null },
        numEnvs: 16,
        progressEvery: 5,
      },
      agentConfig: { hidden: [16], ensembleSize: 2, batchSize: 16, userWidth: 8 },
      onProgress: (p) => events.push(p),
    });
    expect(result.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(events.filter((e) => e.phase === "collect")).toHaveLength(2);
    expect(events.filter((e) => e.phase === "evaluate")).toHaveLength(2);
    const train = events.filter((e) => e.phase === "train");
    expect(train.map((e) => e.step)).toEqual([5, 10, 5, 10]);
    expect(train.every((e) => Number.isFinite(e.losses.critic) && Number.isFinite(e.losses.actor))).toBe(true);
    const gates = events.flatMap((e) => (e.phase === "evaluate" ? [e.gate] : []));
    expect(gates.every((g) => g.sessions === 40 && g.objective.ci[0] <= g.objective.difference)).toBe(true);
    if (result.improved) {
      expect(result.saved.type).toBe("enhanced-state");
      const loaded = loadPolicy(tf, JSON.stringify(result.saved));
      expect(loaded.policy.actionMode).toBe("candidate");
      result.model!.dispose();
    }
  });

  it("registers exactly its behaviour when no round passes the gate", async () => {
    const world = new World(
      parseScenario({
        world: { users: 150, items: 1500, topics: 8 },
        session: { candidates: 20, shown: 5, maxRequests: 15 },
      }),
      "unpromoted",
    );
    const behaviourAction = denormalizeAction(Array.from({ length: ACTION_DIM }, (_, d) => ((d % 5) - 2) / 10));
    const behaviour = saveFixedPolicy(behaviourAction, DEFAULT_ACTION_BOUNDS);
    const result = await trainProgressive({
      tf,
      type: "enhanced-state",
      world,
      behaviour,
      // alpha ≈ 0 makes the reward interval infinite: nothing can pass.
      config: {
        rounds: 1,
        sessionsPerRound: 30,
        stepsPerRound: 10,
        evalSessions: 20,
        gateWorlds: 2,
        gateAlpha: 1e-300,
        numEnvs: 16,
        progressEvery: 5,
      },
      agentConfig: { hidden: [16], ensembleSize: 2, batchSize: 16, userWidth: 8 },
    });
    expect(result.improved).toBe(false);
    expect(result.promotedRound).toBeNull();
    expect(result.model).toBeNull();
    expect(result.rounds[0].promoted).toBe(false);
    const registered = loadPolicy(tf, JSON.stringify(result.saved));
    const evalWorld = new World(world.scenario, "unpromoted:eval");
    const a = await rollout({ world: evalWorld, policy: registered.policy, sessions: 30, seed: "s" });
    const b = await rollout({
      world: evalWorld,
      policy: new FixedFusionPolicy(behaviourAction),
      sessions: 30,
      seed: "s",
    });
    expect(Array.from(a.perSession.rewardWatch)).toEqual(Array.from(b.perSession.rewardWatch));
    expect(Array.from(a.perSession.validConsumption)).toEqual(Array.from(b.perSession.validConsumption));
    const request = {
      numCandidates: 3,
      userFeatures: [],
      context: [],
      predictions: Array.from({ length: 3 * NUM_TASKS }, (_, i) => 0.05 + (i % 7) / 10),
      itemFeatures: [],
    };
    const [x, y] = [
      await scoreRequest(registered.policy, request),
      await scoreRequest(new FixedFusionPolicy(behaviourAction), request),
    ];
    expect(Array.from(x.scores)).toEqual(Array.from(y.scores));
  });

  it("stops between steps when its signal is aborted", async () => {
    const world = new World(
      parseScenario({
        world: { users: 100, items: 1000, topics: 8 },
        session: { candidates: 20, shown: 5, maxRequests: 10 },
      }),
      "abort",
    );
    const controller = new AbortController();
    const run = trainProgressive({
      tf,
      type: "user-state",
      world,
      behaviour: saveFixedPolicy(Array.from(DEFAULT_ACTION_BOUNDS.centre), DEFAULT_ACTION_BOUNDS),
      config: { rounds: 1, sessionsPerRound: 20, stepsPerRound: 50, evalSessions: 10, numEnvs: 8, progressEvery: 1 },
      agentConfig: { hidden: [8], ensembleSize: 1, batchSize: 8 },
      onProgress: (p) => {
        if (p.phase === "train" && p.step === 3) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow();
  });
});
