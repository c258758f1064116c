import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion";
import type { RankBody } from "@/lib/serving/rank-input";

/**
 * The candidates' features by name, column-wise: `values[j * names.length + c]` is candidate j's
 * feature `names[c]` as float32, NaN where the candidate did not send it. Policies pick the columns
 * they were trained on; no per-candidate objects are kept.
 */
export interface ItemFeatureTable {
  names: readonly string[];
  values: Float32Array;
}

/**
 * A validated rank request as the rank path uses it: the small parts as sent, the candidates as flat
 * columns (ids, n × K predicted scores, the feature table). Built by the byte parser
 * (parse-rank-request.ts) or, for any other body, from the validated JSON by `rankRequestOf`.
 */
export interface RankRequest {
  userId: string;
  requestId?: string;
  context?: RankBody["context"];
  user?: RankBody["user"];
  k?: number;
  itemIds: string[];
  /** n × K, in SCORE_NAMES order. */
  predictions: Float32Array;
  itemFeatures: ItemFeatureTable;
}

export function rankRequestOf(body: RankBody): RankRequest {
  const n = body.candidates.length;
  const predictions = new Float32Array(n * NUM_TASKS);
  const columns = new Map<string, number>();
  for (const c of body.candidates)
    for (const name in c.features) if (!columns.has(name)) columns.set(name, columns.size);
  const m = columns.size;
  const values = new Float32Array(n * m).fill(NaN);
  body.candidates.forEach((c, j) => {
    for (let k = 0; k < NUM_TASKS; k++) predictions[j * NUM_TASKS + k] = c.scores[SCORE_NAMES[k]];
    for (const name in c.features) values[j * m + columns.get(name)!] = c.features[name];
  });
  return {
    userId: body.userId,
    requestId: body.requestId,
    context: body.context,
    user: body.user,
    k: body.k,
    itemIds: body.candidates.map((c) => c.itemId),
    predictions,
    itemFeatures: { names: [...columns.keys()], values },
  };
}
