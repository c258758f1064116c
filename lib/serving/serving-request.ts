import type { RankRequest } from "@/lib/serving/rank-request";
import type { ServingRequest, ServingResult } from "@/lib/serving/serving-policy";
import { encodeShownItems } from "@/lib/serving/shown-items";

/** A rank request as policies take it. */
export function servingRequest(request: RankRequest): ServingRequest {
  return {
    n: request.itemIds.length,
    predictions: request.predictions,
    userFeatures: request.user?.features ?? {},
    itemFeatures: request.itemFeatures,
    context: request.context ?? {},
  };
}

/** The decision log's encoding of the shown candidates (indices in rank order) with their scores and actions. */
export function shownItems(itemIds: readonly string[], shown: number[], result: ServingResult): Buffer {
  const actionDim = result.perCandidate ? result.actions.length / itemIds.length : result.actions.length;
  const itemActions = result.perCandidate ? new Float64Array(shown.length * actionDim) : null;
  if (itemActions)
    shown.forEach((j, r) =>
      itemActions.set(result.actions.subarray(j * actionDim, (j + 1) * actionDim), r * actionDim),
    );
  return encodeShownItems({
    itemIds: shown.map((j) => itemIds[j]),
    scores: shown.map((j) => result.scores[j]),
    requestAction: result.perCandidate ? null : result.actions,
    itemActions,
    actionDim,
  });
}

/** The `k` best candidate indices (all by default) by descending score, ties to the lower index. */
export function byScore(scores: ArrayLike<number>, k = scores.length): number[] {
  const n = scores.length;
  if (k * 8 >= n)
    return Array.from({ length: n }, (_, j) => j)
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, k);
  // A page of a long list (10 of 200): one pass that keeps the best k in order, instead of a full sort.
  const top: number[] = [];
  for (let j = 0; j < n; j++) {
    const s = scores[j];
    if (top.length === k && !(s > scores[top[k - 1]])) continue;
    let p = top.length === k ? k - 1 : top.length;
    for (; p > 0 && scores[top[p - 1]] < s; p--) top[p] = top[p - 1];
    top[p] = j;
  }
  return top;
}

/** Without k the caller shows an unknown prefix; the first 100 cover any realistic page. */
export const UNBOUNDED_SHOWN = 100;
