import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion";
import type { RankBody } from "@/lib/serving/rank-input";
import type { ServingRequest, ServingResult } from "@/lib/serving/serving-policy";
import { encodeShownItems } from "@/lib/serving/shown-items";

/** A rank body as policies take it: the n × K predicted scores in one flat array. */
export function servingRequest(body: RankBody): ServingRequest {
  const n = body.candidates.length;
  const predictions = new Float32Array(n * NUM_TASKS);
  body.candidates.forEach((c, j) =>
    SCORE_NAMES.forEach((name, k) => (predictions[j * NUM_TASKS + k] = c.scores[name])),
  );
  return {
    n,
    predictions,
    userFeatures: body.user?.features ?? {},
    itemFeatures: body.candidates.map((c) => c.features),
    context: body.context ?? {},
  };
}

/** The decision log's encoding of the shown candidates (indices in rank order) with their scores and actions. */
export function shownItems(candidates: RankBody["candidates"], shown: number[], result: ServingResult): Buffer {
  const actionDim = result.perCandidate ? result.actions.length / candidates.length : result.actions.length;
  const itemActions = result.perCandidate ? new Float64Array(shown.length * actionDim) : null;
  if (itemActions)
    shown.forEach((j, r) =>
      itemActions.set(result.actions.subarray(j * actionDim, (j + 1) * actionDim), r * actionDim),
    );
  return encodeShownItems({
    itemIds: shown.map((j) => candidates[j].itemId),
    scores: shown.map((j) => result.scores[j]),
    requestAction: result.perCandidate ? null : result.actions,
    itemActions,
    actionDim,
  });
}

/** Candidate indices by descending score, ties to the lower index. */
export function byScore(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, j) => j).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** Without k the caller shows an unknown prefix; the first 100 cover any realistic page. */
export const UNBOUNDED_SHOWN = 100;
