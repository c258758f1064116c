import { SCORE_NAMES } from "@/lib/fusion";

/** n valid rank candidates with distinct ids and scores in (0, 1). */
export function rankCandidates(n: number, prefix = "item") {
  return Array.from({ length: n }, (_, j) => ({
    itemId: `${prefix}-${j}`,
    scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, ((j * 7 + k * 3) % 97) / 100 + 0.005])),
  }));
}
