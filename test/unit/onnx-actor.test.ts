import { beforeAll, describe, expect, it } from "vitest";
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, NUM_TASKS } from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";
import { enhancedActorTopologies } from "@/lib/rl/enhanced-state";
import { Scaler, StateEncoder } from "@/lib/rl/features";
import { EnhancedStateModel, UserStateModel, type FusionModel } from "@/lib/rl/models";
import { EnsembleMlp, type Tf } from "@/lib/rl/network";
import { ACTION_TOLERANCE, largestActionGap, loadOnnxActor } from "@/lib/serving/onnx-actor";
import { loadTf } from "@/lib/tf/backend";

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadTf(() => {}));
});

const layout = { user: ["age", "activity", "tenure"], context: ["hour"], item: ["duration", "freshness", "quality"] };
function encoder(): StateEncoder {
  const rng = new Rng("onnx-encoder");
  // Scalers fitted on random rows, so the encoder is not the identity.
  const fit = (width: number) =>
    Scaler.fit(width, 50, (_, out) => out.forEach((_, k) => (out[k] = rng.uniform(-2, 5) * (k + 1))));
  return new StateEncoder(
    layout,
    Float64Array.from(DEFAULT_ACTION_BOUNDS.centre.slice(NUM_TASKS)),
    fit(4),
    fit(layout.item.length + 2 * NUM_TASKS),
  );
}

function enhanced(seed: string): EnhancedStateModel {
  const enc = encoder();
  const topo = enhancedActorTopologies(enc, { hidden: [64, 64], userWidth: 32 });
  const rng = new Rng(seed);
  // outputScale 1: actions that vary a lot between candidates, unlike a freshly initialised actor.
  return new EnhancedStateModel(
    tf,
    enc,
    DEFAULT_ACTION_BOUNDS,
    EnsembleMlp.create(tf, topo.user, rng),
    EnsembleMlp.create(tf, topo.pair, rng, { outputScale: 1 }),
  );
}

function userState(seed: string): UserStateModel {
  const enc = encoder();
  const actor = EnsembleMlp.create(
    tf,
    { members: 1, inputs: [enc.userWidth], layers: [32, 32, ACTION_DIM], output: "linear" },
    new Rng(seed),
  );
  return new UserStateModel(tf, enc, DEFAULT_ACTION_BOUNDS, actor);
}

describe("actors exported to ONNX and served by onnxruntime", () => {
  it.each([
    ["Enhanced-State", () => enhanced("a")],
    ["user-state", () => userState("a")],
  ] as [string, () => FusionModel][])("%s: the same actions as TF.js, within float tolerance", async (_, make) => {
    const model = make();
    const logs: string[] = [];
    const actor = await loadOnnxActor(model, (m) => logs.push(m));
    expect(logs).toEqual([]);
    expect(actor).not.toBeNull();
    // Far tighter than the load check asks: the same float32 arithmetic, summed in another order.
    expect(await largestActionGap(model, actor!, "other-probe")).toBeLessThan(1e-5);
    const n = 7;
    const request = {
      numCandidates: n,
      userFeatures: [30, 0.5, 12],
      context: [9],
      predictions: Array.from({ length: n * NUM_TASKS }, (_, k) => ((k * 37) % 100) / 100),
      itemFeatures: Array.from({ length: n * 3 }, (_, k) => Math.sin(k)),
    };
    const reference = new Float64Array(model.actionMode === "candidate" ? n * ACTION_DIM : ACTION_DIM);
    model.writeActions([request], [reference]);
    const actions = await actor!.actions(request);
    expect(actions).toHaveLength(reference.length);
    actions.forEach((a, k) => expect(a).toBeCloseTo(reference[k], 4));
    model.dispose();
  });

  it("the load check catches a graph that is not the model's", async () => {
    const [a, b] = [enhanced("a"), enhanced("b")];
    const actorOfA = (await loadOnnxActor(a, () => {}))!;
    expect(await largestActionGap(b, actorOfA)).toBeGreaterThan(ACTION_TOLERANCE);
    a.dispose();
    b.dispose();
  });

  it("falls back (null, logged) when the model cannot be exported or run", async () => {
    const model = userState("c");
    const logs: string[] = [];
    // Not one of the exportable classes: the export throws, the loader reports it and gives up.
    expect(await loadOnnxActor({ ...model } as unknown as FusionModel, (m) => logs.push(m))).toBeNull();
    expect(logs).toEqual([expect.stringMatching(/ONNX actor unavailable \(no ONNX export .*\); serving with TF\.js/)]);
    model.dispose();
  });
});
