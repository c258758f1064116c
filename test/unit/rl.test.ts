import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ACTION_BOUNDS, denormalizeAction } from "@/lib/fusion/action";
import {
  bootstrapTarget,
  boxExcess,
  boxPenalty,
  collectLogs,
  EnhancedStateAgent,
  loadPolicy,
  memoryLogSource,
  ModelPolicy,
  BoxSchema,
  parseEnhancedStateConfig,
  parseUserStateConfig,
  phiFactor,
  ReplayBuffer,
  sampleUnshown,
  saveModel,
  saveFixedPolicy,
  scoreRequest,
  sumShown,
  trainOffline,
  UserStateAgent,
  type LogSource,
  type Tf,
  toTensors,
  type BatchTensors,
} from "@/lib/rl";
import fc from "fast-check";
import { Rng } from "@/lib/random/rng";
import { FixedFusionPolicy, parseScenario, rollout, withExploration, World } from "@/lib/simulator";
import { selectTop } from "@/lib/simulator/env";
import { loadTf } from "@/lib/tf/backend";

const SCENARIO = parseScenario({
  world: { users: 200, items: 2000, topics: 8 },
  session: { candidates: 20, shown: 5, maxRequests: 20 },
});
const TINY = { hidden: [16], ensembleSize: 2, batchSize: 32 };
const TINY_ENHANCED = { ...TINY, userWidth: 8 };
const tinyConfig = (type: "user-state" | "enhanced-state") => (type === "user-state" ? TINY : TINY_ENHANCED);

let tf: Tf;
let world: World;
let requestLogs: LogSource;
let itemLogs: LogSource;

async function logs(perItem: boolean): Promise<LogSource> {
  const policy = withExploration(new FixedFusionPolicy(), { perItem });
  const { schema, logs } = await collectLogs({ world, policy, sessions: 60, seed: "logs", numEnvs: 16 });
  return memoryLogSource(schema, logs);
}

beforeAll(async () => {
  ({ tf } = await loadTf(() => {}));
  world = new World(SCENARIO, "rl-test");
  requestLogs = await logs(false);
  itemLogs = await logs(true);
});

const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

describe("exploration box", () => {
  const box = BoxSchema.parse({ halfWidth: 0.15, phiDecay: 10, penaltyWeight: 1, penaltyRate: 10 });

  it("φ is 1 and the penalty 0 inside the box", () => {
    const excess = boxExcess(tf, tf.tensor2d([[0.1, -0.15]]), tf.tensor2d([[0, 0]]), box.halfWidth);
    expect(values(excess)[0]).toBeCloseTo(0, 7);
    expect(values(phiFactor(tf, excess, box))[0]).toBe(1);
    expect(values(boxPenalty(tf, excess, box))[0]).toBe(0);
  });

  it("outside, φ decays and the penalty grows exponentially in the L1 excess", () => {
    // |0.3 − 0| − 0.15 = 0.15 in dimension 0, and |−0.5 − (−0.2)| − 0.15 = 0.15 in dimension 1.
    const excess = boxExcess(tf, tf.tensor2d([[0.3, -0.5]]), tf.tensor2d([[0, -0.2]]), box.halfWidth);
    expect(values(excess)[0]).toBeCloseTo(0.3, 6);
    expect(values(phiFactor(tf, excess, box))[0]).toBeCloseTo(Math.exp(-3), 6);
    expect(values(boxPenalty(tf, excess, box))[0]).toBeCloseTo(Math.exp(3) - 1, 4);
    // Past exponent 10 the penalty continues linearly with the slope it had there, so it stays finite.
    const far = values(boxPenalty(tf, tf.tensor1d([2]), box))[0];
    expect(far).toBeCloseTo(Math.exp(10) - 1 + Math.exp(10) * 10, -1);
  });
});

describe("list-level critic target", () => {
  it("sums the next request's shown items, each discounted by its φ, onto the list reward", () => {
    // One ensemble member, two requests of S = 3 slots; slot 3 of each next list is empty.
    const nextQ = tf.tensor2d([[2, 1, 5, 2, 1, 5]]);
    const weight = tf.tensor2d([
      [1, 0.5, 0],
      [1, 0.5, 0],
    ]); // φ × shown mask
    const next = sumShown(tf, nextQ, weight, 2, 3);
    expect(values(next)).toEqual([2.5, 2.5]);
    // r = 3; request 1 continues (γ = 0.9: y = 3 + 0.9 · 2.5), request 2 ended its session (y = 3).
    const y = bootstrapTarget(tf, tf.tensor1d([3, 3]), tf.tensor1d([0.9, 0]), next);
    expect(values(y)[0]).toBeCloseTo(5.25, 6);
    expect(values(y)[1]).toBe(3);
  });
});

describe("item-level critic targets", () => {
  it(
    "give each shown item its own reward plus an equal share of the continuation, summing to the list " + "target",
    async () => {
      const buffer = new ReplayBuffer({
        capacity: 10_000,
        slate: 5,
        layout: itemLogs.layout,
        bounds: DEFAULT_ACTION_BOUNDS,
      });
      await buffer.append(itemLogs);
      const encoder = buffer.fitEncoder();
      class Probe extends EnhancedStateAgent {
        targets(t: BatchTensors, B: number, S: number) {
          return this.criticTargets(t, B, S);
        }
      }
      const make = (criticTarget: "item" | "list") =>
        new Probe(tf, parseEnhancedStateConfig({ ...TINY_ENHANCED, criticTarget }), encoder, DEFAULT_ACTION_BOUNDS, 5);
      const [item, list] = [make("item"), make("list")];
      const batch = buffer.sample(new Rng(3), 16, encoder, 5, 0.9);
      const t = toTensors(tf, batch);
      const { B, S } = batch;
      const yi = item.targets(t, B, S);
      const yl = list.targets(t, B, S);
      const perItem = (await yi.other.array()) as number[][];
      const perList = (await yl.other.array()) as number[][];
      const E = perList.length;
      for (let e = 0; e < E; e++) {
        for (let b = 0; b < B; b++) {
          let sum = 0;
          for (let p = 0; p < S; p++) sum += batch.mask[b * S + p] * perItem[e][b * S + p];
          expect(sum).toBeCloseTo(perList[e][b], 4);
        }
      }
      // Two shown items of one request differ exactly by their own rewards.
      const b0 = Array.from({ length: B }, (_, b) => b).find((b) => batch.mask[b * S] && batch.mask[b * S + 1])!;
      expect(perItem[0][b0 * S] - perItem[0][b0 * S + 1]).toBeCloseTo(
        batch.slotRewardOther[b0 * S] - batch.slotRewardOther[b0 * S + 1],
        5,
      );
      // Training in item mode runs and gives finite losses.
      const losses = item.trainStep(batch);
      expect(Number.isFinite(losses.critic)).toBe(true);
      tf.dispose([...Object.values(t), yi.watch, yi.other, yl.watch, yl.other]);
      item.dispose();
      list.dispose();
    },
  );
});

describe("unshown candidates", () => {
  it("sampleUnshown takes the best-scored near misses first, then distinct others, never a shown item", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer(),
        (n, shownWanted, U, seed) => {
          const rng = new Rng(seed);
          const scores = Float64Array.from({ length: n }, () => rng.normal());
          const top = new Int32Array(Math.min(n, shownWanted));
          const numShown = selectTop(scores, n, top, new Float64Array(top.length));
          const out = new Int32Array(U);
          const m = sampleUnshown(scores, n, top, numShown, new Rng(seed + 1), out);
          expect(m).toBe(Math.min(U, n - numShown));
          const picked = Array.from(out.subarray(0, m));
          expect(new Set(picked).size).toBe(m);
          for (const c of picked) expect(Array.from(top.subarray(0, numShown))).not.toContain(c);
          // The first ⌈U/2⌉ picks are exactly the next candidates in score order after the slate.
          const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
          const near = Math.min(m, Math.ceil(U / 2));
          expect(picked.slice(0, near)).toEqual(order.slice(numShown, numShown + near));
        },
      ),
    );
  });

  it("enter the actor's soft selection; masked out, the actor loss is exactly the shown-only loss", async () => {
    const policy = withExploration(new FixedFusionPolicy(), { perItem: true });
    const { schema, logs } = await collectLogs({
      world,
      policy,
      sessions: 30,
      seed: "unshown",
      numEnvs: 8,
      unshown: 4,
    });
    expect(schema.unshown).toBe(4);
    const buffer = new ReplayBuffer({
      capacity: 10_000,
      slate: 5,
      layout: schema.layout,
      bounds: DEFAULT_ACTION_BOUNDS,
      unshown: 4,
    });
    await buffer.append(memoryLogSource(schema, logs));
    const encoder = buffer.fitEncoder();
    class Probe extends EnhancedStateAgent {
      loss(t: BatchTensors, B: number, S: number) {
        return this.actorLoss(t, B, S).loss.dataSync()[0];
      }
    }
    const agent = new Probe(
      tf,
      parseEnhancedStateConfig({ ...TINY_ENHANCED, unshownCandidates: 4 }),
      encoder,
      DEFAULT_ACTION_BOUNDS,
      5,
    );
    const batch = buffer.sample(new Rng(5), 16, encoder, 5, 0.9);
    // 20 candidates, 5 shown: every request has 4 unshown ones.
    expect(batch.unshownMask.every((m) => m === 1)).toBe(true);
    const withUnshown = toTensors(tf, batch);
    const masked = toTensors(tf, { ...batch, unshownMask: new Float32Array(batch.unshownMask.length) });
    const none = toTensors(tf, {
      ...batch,
      U: 0,
      unshownPair: new Float32Array(0),
      unshownPredictions: new Float32Array(0),
      unshownBehaviour: new Float32Array(0),
      unshownMask: new Float32Array(0),
    });
    const { B, S } = batch;
    expect(agent.loss(masked, B, S)).toBeCloseTo(agent.loss(none, B, S), 5);
    expect(Math.abs(agent.loss(withUnshown, B, S) - agent.loss(none, B, S))).toBeGreaterThan(1e-4);
    expect(Number.isFinite(agent.trainStep(batch).critic)).toBe(true);
    tf.dispose([...Object.values(withUnshown), ...Object.values(masked), ...Object.values(none)]);
    agent.dispose();
  });
});

describe("saved versions", () => {
  it("load bit-identical actions and scores, for both RL types", async () => {
    const buffer = new ReplayBuffer({
      capacity: 10_000,
      slate: 5,
      layout: itemLogs.layout,
      bounds: DEFAULT_ACTION_BOUNDS,
    });
    await buffer.append(itemLogs);
    const encoder = buffer.fitEncoder();
    const agents = [
      new UserStateAgent(tf, parseUserStateConfig(TINY), encoder, DEFAULT_ACTION_BOUNDS, 5),
      new EnhancedStateAgent(tf, parseEnhancedStateConfig(TINY_ENHANCED), encoder, DEFAULT_ACTION_BOUNDS, 5),
    ];
    for (const agent of agents) {
      // A few steps so the weights are not the (symmetric) initial ones.
      for (let i = 0; i < 3; i++) agent.trainStep(buffer.sample(new Rng(i), 16, encoder, 5, 0.9));
      const config =
        agent instanceof EnhancedStateAgent ? parseEnhancedStateConfig(TINY_ENHANCED) : parseUserStateConfig(TINY);
      const text = JSON.stringify(saveModel(agent.model, config, 5, agent.criticWeights));
      const loaded = loadPolicy(tf, text);
      expect(loaded.loadMs).toBeGreaterThanOrEqual(0);
      const original = new ModelPolicy(agent.model);
      const a = await rollout({ world, policy: original, sessions: 20, seed: "save", numEnvs: 8 });
      const b = await rollout({ world, policy: loaded.policy, sessions: 20, seed: "save", numEnvs: 8 });
      expect(b.perSession.validConsumption).toEqual(a.perSession.validConsumption);
      const request = {
        numCandidates: 3,
        userFeatures: Array.from({ length: encoder.layout.user.length }, (_, k) => k / 10),
        context: [0.5, 0.1],
        predictions: Array.from({ length: 21 }, (_, k) => 0.01 + k / 30),
        itemFeatures: Array.from({ length: 3 * encoder.layout.item.length }, (_, k) => Math.sin(k)),
      };
      const s1 = await scoreRequest(original, request);
      const s2 = await scoreRequest(loaded.policy, request);
      expect(Array.from(s2.scores)).toEqual(Array.from(s1.scores));
      expect(Array.from(s2.actions)).toEqual(Array.from(s1.actions));
      expect(s1.actions.length).toBe(agent instanceof EnhancedStateAgent ? 3 * 14 : 14);
      agent.dispose();
    }
  });

  it("round-trips a fixed version", async () => {
    const action = denormalizeAction(Array.from({ length: 14 }, (_, d) => (d % 3) / 4 - 0.2));
    const loaded = loadPolicy(
      tf,
      JSON.stringify({
        format: "fusionlab.policy",
        version: 1,
        type: "fixed",
        bounds: { centre: Array.from(DEFAULT_ACTION_BOUNDS.centre), range: Array.from(DEFAULT_ACTION_BOUNDS.range) },
        action: Array.from(action),
      }),
    );
    const s = await scoreRequest(loaded.policy, {
      numCandidates: 2,
      userFeatures: [],
      context: [],
      predictions: Array(14).fill(0.2),
      itemFeatures: [],
    });
    expect(Array.from(s.actions)).toEqual(Array.from(action));
  });
});

describe("training", () => {
  const train = (type: "user-state" | "enhanced-state", seed: string, source: LogSource) =>
    trainOffline({
      tf,
      type,
      source,
      steps: 12,
      agentConfig: { ...tinyConfig(type), seed },
      parent: saveFixedPolicy(DEFAULT_ACTION_BOUNDS.centre, DEFAULT_ACTION_BOUNDS),
    });

  it("is deterministic for a fixed seed and differs across seeds", async () => {
    for (const [type, source] of [
      ["user-state", requestLogs],
      ["enhanced-state", itemLogs],
    ] as const) {
      const a = await train(type, "s1", source);
      const b = await train(type, "s1", source);
      const c = await train(type, "s2", source);
      expect(JSON.stringify(b.saved)).toBe(JSON.stringify(a.saved));
      expect(JSON.stringify(c.saved)).not.toBe(JSON.stringify(a.saved));
      for (const r of [a, b, c]) r.model.dispose();
    }
  });

  it("refuses user-state training on logs explored per item", async () => {
    await expect(train("user-state", "s1", itemLogs)).rejects.toThrow(/one action per request/);
  });
});
