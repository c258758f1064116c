import { describe, expect, it } from "vitest";
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, NUM_TASKS, normalizeAction, scoreCandidates } from "@/lib/fusion";
import {
  CH,
  FixedFusionPolicy,
  OraclePolicy,
  RandomPolicy,
  TRUE_PAIR,
  TRUE_PAIR_DIM,
  VecEnv,
  World,
  parseScenario,
  rollout,
  selectTop,
  withExploration,
  type Policy,
  type PolicyDecision,
  type RequestObservation,
  type RequestOutcome,
} from "@/lib/simulator";

const SMALL = parseScenario({ world: { users: 400, items: 4000 } });

describe("scenario", () => {
  it("fills every default, accepts JSON text and rejects unknown or inconsistent fields", () => {
    const s = parseScenario("{}");
    expect(s.session).toMatchObject({ candidates: 100, shown: 5 });
    expect(s.prediction.miscalibration).toBe(true);
    expect(parseScenario('{"session":{"shown":3}}').session).toMatchObject({ shown: 3, candidates: 100 });
    expect(() => parseScenario({ world: { userz: 1 } })).toThrow(/userz/);
    expect(() => parseScenario({ reward: { validPlay: "1" } })).toThrow();
    expect(() => parseScenario({ session: { shown: 20, candidates: 10 } })).toThrow(/shown/);
  });
});

describe("world", () => {
  it("is a pure function of scenario and seed", () => {
    const a = new World(SMALL, 7);
    const b = new World(SMALL, 7);
    const c = new World(SMALL, 8);
    expect(Array.from(a.itemFeatures)).toEqual(Array.from(b.itemFeatures));
    expect(Array.from(a.userStaticFeatures)).toEqual(Array.from(b.userStaticFeatures));
    expect(Array.from(a.itemTrue)).toEqual(Array.from(b.itemTrue));
    expect(Array.from(a.itemFeatures)).not.toEqual(Array.from(c.itemFeatures));
  });

  it("switching miscalibration off changes only the prediction layer's segment biases", () => {
    const on = new World(SMALL, 3);
    const off = new World(parseScenario({ ...SMALL, prediction: { ...SMALL.prediction, miscalibration: false } }), 3);
    expect(Array.from(off.itemTrue)).toEqual(Array.from(on.itemTrue));
    expect(Array.from(off.userTrue)).toEqual(Array.from(on.userTrue));
    expect(Array.from(off.itemFeatures)).toEqual(Array.from(on.itemFeatures));
    expect(Array.from(off.itemPred)).not.toEqual(Array.from(on.itemPred));
  });

  it("gives predicted scores in (0, 1) that are monotone products of the click probability", () => {
    const w = new World(SMALL, 1);
    const p = new Float64Array(NUM_TASKS);
    for (let j = 0; j < 500; j++) {
      w.predictedScores(j % w.numUsers, j, p, 0);
      for (const v of p) expect(v > 0 && v < 1).toBe(true);
      for (let k = 1; k < NUM_TASKS - 1; k++) expect(p[k]).toBeLessThanOrEqual(p[0]);
    }
  });
});

/** Collects every viewed item of a rollout with the true model's probabilities for it. */
async function logged(world: World, policy: Policy, sessions: number) {
  const rows: { j: number; u: number; out: RequestOutcome; p: number }[] = [];
  await rollout({
    world,
    policy,
    sessions,
    onRequest: (obs, _d, out) => {
      for (let p = 0; p < out.numShown; p++)
        rows.push({ j: out.itemIds[p], u: obs.userId, out: structuredClone(out), p });
    },
  });
  return rows;
}

describe("response model", () => {
  it("logs KuaiRand-consistent responses: valid play and long view are play-time thresholds", async () => {
    const world = new World(SMALL, 11);
    const rows = await logged(world, new RandomPolicy(), 150);
    let unviewed = 0;
    for (const { j, out, p } of rows) {
      const play = out.playTimeMs[p];
      const dur = world.itemDurationMs[j];
      expect(out.durationMs[p]).toBe(dur);
      if (!out.viewed[p]) {
        unviewed++;
        expect(play + out.isClick[p] + out.longView[p] + out.isLike[p] + out.isHate[p]).toBe(0);
        continue;
      }
      expect(play).toBeLessThanOrEqual(dur);
      expect(out.isClick[p]).toBe(play >= Math.min(10_000, dur) ? 1 : 0);
      expect(out.longView[p]).toBe(play >= Math.min(18_000, dur) ? 1 : 0);
      if (out.isLike[p] || out.isFollow[p] || out.isComment[p] || out.isForward[p]) expect(out.isClick[p]).toBe(1);
    }
    expect(unviewed).toBeGreaterThan(0);
  });

  it("samples responses at the true probabilities and play time at its closed-form expectation", async () => {
    const world = new World(SMALL, 12);
    const rows = (await logged(world, new RandomPolicy(), 600)).filter((r) => r.out.viewed[r.p]);
    const t = new Float64Array(TRUE_PAIR_DIM);
    let click = 0;
    let pClick = 0;
    let long = 0;
    let pLong = 0;
    let play = 0;
    let ePlay = 0;
    let hate = 0;
    let pHate = 0;
    for (const { j, u, out, p } of rows) {
      world.truePair(u, j, t);
      click += out.isClick[p];
      pClick += t[TRUE_PAIR.click];
      long += out.longView[p];
      pLong += t[TRUE_PAIR.click] * t[TRUE_PAIR.longView];
      play += out.playTimeMs[p] / 1000;
      ePlay += t[TRUE_PAIR.playSeconds];
      hate += out.isHate[p];
      pHate += t[CH.hate];
    }
    const n = rows.length;
    expect(n).toBeGreaterThan(5000);
    // Binomial standard errors are ≈ 0.5/√n ≈ 0.006; allow 4 of them.
    expect(Math.abs(click - pClick) / n).toBeLessThan(0.025);
    expect(Math.abs(long - pLong) / n).toBeLessThan(0.025);
    expect(Math.abs(hate - pHate) / n).toBeLessThan(0.01);
    expect(Math.abs(play - ePlay) / ePlay).toBeLessThan(0.04);
  });
});

/** A policy that wraps another and answers asynchronously (as a TF.js actor would). */
function asAsync(inner: Policy): Policy {
  return {
    name: `async(${inner.name})`,
    actionMode: inner.actionMode,
    act: async (batch, decisions) => {
      await Promise.resolve();
      inner.act(batch, decisions);
    },
  };
}

describe("vectorised environment", () => {
  it("runs each session identically whatever the number of parallel slots, sync or async policy", async () => {
    const world = new World(SMALL, 5);
    const a = await rollout({ world, policy: new FixedFusionPolicy(), sessions: 40, numEnvs: 1 });
    const b = await rollout({ world, policy: asAsync(new FixedFusionPolicy()), sessions: 40, numEnvs: 16 });
    expect(Array.from(b.perSession.durationSeconds)).toEqual(Array.from(a.perSession.durationSeconds));
    expect(Array.from(b.perSession.depth)).toEqual(Array.from(a.perSession.depth));
    expect(a.requests).toBe(a.perSession.depth.reduce((s, x) => s + x, 0));
  });

  it("exposes observations as views of contiguous batch buffers and gathers item features lazily", () => {
    const world = new World(SMALL, 6);
    const env = new VecEnv(world, { sessions: 3, numEnvs: 4 });
    expect(env.observations.length).toBe(3);
    const obs = env.observations[1];
    const n = obs.numCandidates;
    expect(obs.predictions.buffer).toBe(env.buffers.predictions.buffer);
    expect(obs.predictions.byteOffset).toBe(n * NUM_TASKS * 4);
    const dI = world.layout.item.length;
    const j = obs.candidateIds[7];
    expect(Array.from(obs.itemFeatures.subarray(7 * dI, 8 * dI))).toEqual(
      Array.from(world.itemFeatures.subarray(j * dI, (j + 1) * dI)),
    );
    expect(new Set(obs.candidateIds).size).toBe(n);
    expect(obs.userFeatures.length).toBe(world.layout.userStatic.length + world.layout.userSession.length);
  });

  it("never shows an item twice in a session and stops at the hard cap", async () => {
    const world = new World(
      parseScenario({
        ...SMALL,
        session: { ...SMALL.session, maxRequests: 4 },
        patience: { ...SMALL.patience, costPerRequest: 0 },
      }),
      2,
    );
    const shown = new Map<number, Set<number>>();
    const r = await rollout({
      world,
      policy: new FixedFusionPolicy(),
      sessions: 20,
      onRequest: (obs, _d, out) => {
        const s = shown.get(obs.sessionId) ?? new Set<number>();
        for (let p = 0; p < out.numShown; p++) {
          expect(s.has(out.itemIds[p])).toBe(false);
          s.add(out.itemIds[p]);
        }
        shown.set(obs.sessionId, s);
      },
    });
    for (const d of r.perSession.depth) expect(d).toBeLessThanOrEqual(4);
    expect(Math.max(...r.perSession.depth)).toBe(4);
  });
});

describe("selectTop", () => {
  it("returns the k best in order, ties to the lower index, and rejects NaN", () => {
    const out = new Int32Array(3);
    const sc = new Float64Array(3);
    expect(selectTop(Float64Array.from([1, 5, 3, 5, -Infinity, 4]), 6, out, sc)).toBe(3);
    expect(Array.from(out)).toEqual([1, 3, 5]);
    expect(() => selectTop(Float64Array.from([1, Number.NaN]), 2, out, sc)).toThrow(/NaN/);
  });
});

describe("exploration", () => {
  const world = new World(SMALL, 9);

  async function decisions(policy: Policy) {
    const env = new VecEnv(world, { sessions: 4, numEnvs: 4 });
    await policy.act(env.observations, env.decisions);
    return { obs: env.observations, dec: env.decisions };
  }

  function checkBox(taken: Float64Array, behaviour: Float64Array, noise: number) {
    const ut = normalizeAction(taken);
    const ub = normalizeAction(behaviour);
    for (let i = 0; i < ut.length; i++) {
      expect(Math.abs(ut[i] - ub[i])).toBeLessThanOrEqual(noise + 1e-9);
      expect(Math.abs(ut[i])).toBeLessThanOrEqual(1 + 1e-9);
    }
  }

  it(
    "per request: one draw within ±noise of the behaviour action, logged separately, scores from the taken " + "action",
    async () => {
      const base = new FixedFusionPolicy();
      const policy = withExploration(base, { noise: 0.15 });
      expect(policy.actionMode).toBe("request");
      const { obs, dec } = await decisions(policy);
      const first = Array.from(dec[0].requestAction);
      for (let i = 0; i < obs.length; i++) {
        const d: PolicyDecision = dec[i];
        expect(Array.from(d.requestBehaviourAction)).toEqual(Array.from(DEFAULT_ACTION_BOUNDS.centre));
        checkBox(d.requestAction, d.requestBehaviourAction, 0.15);
        const expected = scoreCandidates(obs[i].predictions, obs[i].numCandidates, d.requestAction);
        expect(Array.from(d.scores)).toEqual(Array.from(expected));
      }
      expect(Array.from(dec[1].requestAction)).not.toEqual(first);
    },
  );

  it("per item: an independent action per candidate around the broadcast behaviour action", async () => {
    const policy = withExploration(new FixedFusionPolicy(), { noise: 0.15, perItem: true });
    expect(policy.actionMode).toBe("candidate");
    const { obs, dec } = await decisions(policy);
    const o: RequestObservation = obs[0];
    const d = dec[0];
    checkBox(d.action, d.behaviourAction, 0.15);
    expect(Array.from(d.action.subarray(0, ACTION_DIM))).not.toEqual(
      Array.from(d.action.subarray(ACTION_DIM, 2 * ACTION_DIM)),
    );
    expect(Array.from(d.behaviourAction.subarray(ACTION_DIM, 2 * ACTION_DIM))).toEqual(
      Array.from(DEFAULT_ACTION_BOUNDS.centre),
    );
    expect(Array.from(d.scores)).toEqual(Array.from(scoreCandidates(o.predictions, o.numCandidates, d.action)));
  });

  it("with zero noise takes exactly the behaviour action, and refuses policies without actions", async () => {
    const { dec } = await decisions(withExploration(new FixedFusionPolicy(), { noise: 0 }));
    expect(Array.from(dec[0].requestAction)).toEqual(Array.from(dec[0].requestBehaviourAction));
    expect(() => withExploration(new RandomPolicy())).toThrow(/no action/);
    expect(() => withExploration(new OraclePolicy(world))).toThrow(/no action/);
  });
});
