import type { TeamDraft } from "@/lib/assignment/team-draft";
import { ACTION_DIM } from "@/lib/fusion";
import type { ServingResult } from "@/lib/serving/serving-policy";
import { encodeShownItems } from "@/lib/serving/shown-items";

/**
 * An interleaved list as the answer and the decision log take it: every drafted item's score and
 * action come from the team that placed it; the first `logged` items go to the decision log with
 * the key of their team. Only the drafted items are touched, not all candidates.
 */
export function draftedList(
  itemIds: readonly string[],
  results: readonly ServingResult[],
  draft: TeamDraft,
  logged: number,
  teamKeys: readonly string[],
) {
  const { items, teams } = draft;
  const m = Math.min(logged, items.length);
  const scores = new Float64Array(items.length);
  const actions = new Float64Array(m * ACTION_DIM);
  // The { itemId: team key } JSON written member by member: JSON.stringify of an object with
  // dynamic keys cost more than the rest of the merge.
  const keys = teamKeys.map((key) => JSON.stringify(key));
  let teamOf = "";
  for (let r = 0; r < items.length; r++) {
    const j = items[r];
    const result = results[teams[r]];
    scores[r] = result.scores[j];
    if (r >= m) continue;
    const action = result.perCandidate ? result.actions.subarray(j * ACTION_DIM, (j + 1) * ACTION_DIM) : result.actions;
    actions.set(action, r * ACTION_DIM);
    teamOf += `${r ? "," : ""}${JSON.stringify(itemIds[j])}:${keys[teams[r]]}`;
  }
  return {
    items: items.map((j, r) => ({ itemId: itemIds[j], score: scores[r] })),
    shown: encodeShownItems({
      itemIds: items.slice(0, m).map((j) => itemIds[j]),
      scores: scores.subarray(0, m),
      requestAction: null,
      itemActions: actions,
      actionDim: ACTION_DIM,
    }),
    teams: `{${teamOf}}`,
  };
}
