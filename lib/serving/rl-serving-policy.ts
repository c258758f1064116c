import { loadEnv } from "@/lib/config/env";
import { scoreCandidates } from "@/lib/fusion";
import { loadVersionPolicy } from "@/lib/policies/servable-policy";
import type { RankInput } from "@/lib/rl/models";
import { featureVector, scoreRequest } from "@/lib/rl/model-policy";
import { loadOnnxActor } from "@/lib/serving/onnx-actor";
import type { ItemFeatureTable } from "@/lib/serving/rank-request";
import { fixedServingPolicy, type ServingPolicy } from "@/lib/serving/serving-policy";

/**
 * The n × d item features in the policy's order `names` from the request's feature table; a feature
 * a candidate did not send takes `means` (as featureVector does for the user's).
 */
function itemFeatureVectors(
  names: readonly string[],
  n: number,
  table: ItemFeatureTable,
  means: ArrayLike<number>,
): Float32Array {
  const d = names.length;
  const m = table.names.length;
  const columns = names.map((name) => table.names.indexOf(name));
  const out = new Float32Array(n * d);
  for (let j = 0; j < n; j++)
    for (let k = 0; k < d; k++) {
      const v = columns[k] < 0 ? NaN : table.values[j * m + columns[k]];
      out[j * d + k] = Number.isNaN(v) ? means[k] : v;
    }
  return out;
}

/**
 * An RL version behind /api/v1/rank. The rank request carries features by name; they are laid out
 * in the order the policy was trained on, and a feature the caller did not send takes its training
 * mean (neutral after the policy's standardisation). Enhanced-state policies act on all candidates
 * in one batch. A training run that improved nothing registers its behaviour's document, which may
 * be a fixed action: it serves as that fixed policy. The actor runs on onnxruntime when
 * FUSIONLAB_SERVING_RUNTIME is "onnx" (the default) and its graph matches TF.js (onnx-actor.ts),
 * else on TF.js; either way the scores come from the same fusion formula.
 */
export async function rlServingPolicy(versionId: string): Promise<ServingPolicy> {
  const loaded = await loadVersionPolicy(versionId);
  const { saved, policy } = loaded;
  if (saved.type === "fixed") return fixedServingPolicy(versionId, loaded.label, saved.action);
  const { layout, user, pair } = saved.encoder;
  const dU = layout.user.length;
  const userMeans = user.mean.slice(0, dU);
  const contextMeans = user.mean.slice(dU);
  const itemMeans = pair.mean.slice(0, layout.item.length);
  const perCandidate = policy.actionMode === "candidate";
  const log = (msg: string) => console.log(`[serving] ${loaded.label}: ${msg}`);
  const onnx =
    loaded.model && loadEnv().FUSIONLAB_SERVING_RUNTIME === "onnx" ? await loadOnnxActor(loaded.model, log) : null;
  log(`loaded (${saved.type}) in ${loaded.loadMs.toFixed(1)} ms, actor on ${onnx ? "onnxruntime" : "TF.js"}`);
  return {
    versionId,
    label: loaded.label,
    async score(req) {
      const itemFeatures = itemFeatureVectors(layout.item, req.n, req.itemFeatures, itemMeans);
      const context = Object.fromEntries(
        Object.entries(req.context).filter((e): e is [string, number] => typeof e[1] === "number"),
      );
      const input: RankInput = {
        numCandidates: req.n,
        userFeatures: featureVector(layout.user, req.userFeatures, userMeans),
        context: featureVector(layout.context, context, contextMeans),
        predictions: req.predictions,
        itemFeatures,
      };
      if (onnx) {
        const actions = await onnx.actions(input);
        return { scores: scoreCandidates(req.predictions, req.n, actions), actions, perCandidate };
      }
      const result = await scoreRequest(policy, input);
      return { scores: result.scores, actions: result.actions, perCandidate };
    },
  };
}
