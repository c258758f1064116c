import type * as Ort from "onnxruntime-node";
import { ACTION_DIM, NUM_TASKS } from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";
import { denormalizeRows, encodeUsers, EnhancedStateModel, type FusionModel, type RankInput } from "@/lib/rl/models";
import { actorOnnx } from "@/lib/rl/onnx-export";

/**
 * An RL version's actor served through onnxruntime-node (CPU, one intra-op thread) instead of
 * TF.js: the same weights exported as an ONNX graph (lib/rl/onnx-export.ts). TF.js stays the
 * reference — training, evaluation and rollouts use it — so at load the graph must reproduce the
 * TF.js model's actions on probe requests within ACTION_TOLERANCE (of each action dimension's
 * range); otherwise, or when the runtime does not load, this returns null and the caller serves with
 * TF.js as before.
 */
export interface OnnxActor {
  /** The request's actions: 2K (request mode) or n × 2K (candidate mode), as FusionModel.writeActions writes them. */
  actions(request: RankInput): Promise<Float64Array>;
}

/** Largest allowed |a_onnx − a_tfjs| / range per action value: float32 rounding, not a different model. */
export const ACTION_TOLERANCE = 1e-4;
const PROBE_CANDIDATES = 200;

export async function loadOnnxActor(model: FusionModel, log: (msg: string) => void): Promise<OnnxActor | null> {
  try {
    // Native code: a platform without its binaries fails here, and is served by TF.js.
    return await checkedActor(await import("onnxruntime-node"), model, log);
  } catch (err) {
    log(`ONNX actor unavailable (${err instanceof Error ? err.message : String(err)}); serving with TF.js`);
    return null;
  }
}

async function checkedActor(
  ort: typeof Ort,
  model: FusionModel,
  log: (msg: string) => void,
): Promise<OnnxActor | null> {
  const session = await ort.InferenceSession.create(actorOnnx(model), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  const dS = model.encoder.userWidth;
  const dP = model.encoder.pairWidth;
  // Pair buffers are reused, but not shared: session.run reads its inputs a turn of the event loop
  // later, when another request may already be encoding its own.
  const free: Float32Array[] = [];
  const actor: OnnxActor = {
    async actions(request) {
      const n = request.numCandidates;
      const feeds: Record<string, Ort.Tensor> = {
        user: new ort.Tensor("float32", encodeUsers(model.encoder, [request]), [1, dS]),
      };
      let pairs: Float32Array | undefined;
      if (model instanceof EnhancedStateModel) {
        pairs = free.pop();
        if (pairs?.length !== n * dP) pairs = new Float32Array(n * dP);
        feeds.pairs = new ort.Tensor("float32", model.encodePairs([request], n, pairs), [n, dP]);
      }
      try {
        const { u } = await session.run(feeds);
        const rows = model.actionMode === "candidate" ? n : 1;
        const out = new Float64Array(rows * ACTION_DIM);
        denormalizeRows(u.data as Float32Array, model.bounds, rows, out, 0);
        return out;
      } finally {
        if (pairs && free.length < 8) free.push(pairs);
      }
    },
  };
  const gap = await largestActionGap(model, actor);
  if (!(gap <= ACTION_TOLERANCE)) {
    log(
      `ONNX actor differs from TF.js ` +
        `by ${gap.toExponential(2)} of an action's range (> ${ACTION_TOLERANCE}); serving with TF.js`,
    );
    await session.release();
    return null;
  }
  return actor;
}

/** max |a_onnx − a_tfjs| / range over the actions of a few random requests. */
export async function largestActionGap(model: FusionModel, actor: OnnxActor, seed = "onnx-probe"): Promise<number> {
  const rng = new Rng(seed);
  const { layout } = model.encoder;
  const random = (length: number, scale: number) => Array.from({ length }, () => rng.uniform(-scale, scale));
  let gap = 0;
  for (let i = 0; i < 3; i++) {
    const n = PROBE_CANDIDATES;
    const request: RankInput = {
      numCandidates: n,
      userFeatures: random(layout.user.length, 3),
      context: random(layout.context.length, 3),
      predictions: Array.from({ length: n * NUM_TASKS }, () => rng.next()),
      itemFeatures: random(n * layout.item.length, 3),
    };
    const reference = new Float64Array(model.actionMode === "candidate" ? n * ACTION_DIM : ACTION_DIM);
    model.writeActions([request], [reference]);
    const actions = await actor.actions(request);
    for (let k = 0; k < reference.length; k++)
      gap = Math.max(gap, Math.abs(actions[k] - reference[k]) / model.bounds.range[k % ACTION_DIM]);
  }
  return gap;
}
