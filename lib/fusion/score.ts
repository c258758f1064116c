/**
 * Fusion score (docs/architecture.md §5): score_j = Σ_k w_k · log(p_jk + b_k), the log of Π_k (p_jk + b_k)^{w_k}.
 * With every w_k > 0 the score is strictly increasing in every prediction; b_k > 0 keeps the log
 * finite at p = 0 and sets how quickly a task's contribution saturates.
 *
 * Predictions are an n × K row-major matrix (one row per candidate, columns in FUSION_TASKS order).
 */
import { ACTION_DIM, validateAction } from "./action";
import { NUM_TASKS } from "./tasks";

type Numbers = Float32Array | Float64Array | readonly number[];

// Local copies of imported constants read in hot loops: module transformers (vitest's runner,
// CommonJS builds) turn every read of an imported binding into a property or getter access.
const K = NUM_TASKS;

/** Fusion score of one candidate: predictions[offset … offset+K) under action[actionOffset … +2K). */
export function fusionScore(predictions: Numbers, action: Numbers, offset = 0, actionOffset = 0): number {
  validateAction(action, actionOffset);
  return scoreRow(predictions, offset, action, actionOffset);
}

function scoreRow(p: Numbers, po: number, a: Numbers, ao: number): number {
  let s = 0;
  for (let k = 0; k < K; k++) s += a[ao + k] * Math.log(p[po + k] + a[ao + K + k]);
  return s;
}

/**
 * Scores all n candidates of one request. `action` is either one action (2K numbers, the same
 * weights for every candidate: fixed or user-state policies) or one per candidate (n × 2K,
 * enhanced-state policies); n = 1 is the same either way. Writes into and returns `out`.
 */
export function scoreCandidates(
  predictions: Numbers,
  n: number,
  action: Numbers,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  if (predictions.length < n * NUM_TASKS) {
    throw new RangeError(`predictions hold ${predictions.length} numbers, need ${n} × ${NUM_TASKS}`);
  }
  if (out.length < n) throw new RangeError(`output holds ${out.length} scores, need ${n}`);
  if (action.length === ACTION_DIM) {
    validateAction(action);
    for (let j = 0; j < n; j++) out[j] = scoreRow(predictions, j * K, action, 0);
  } else if (action.length === n * ACTION_DIM) {
    for (let j = 0; j < n; j++) {
      validateAction(action, j * ACTION_DIM);
      out[j] = scoreRow(predictions, j * K, action, j * ACTION_DIM);
    }
  } else {
    throw new RangeError(`action holds ${action.length} numbers: need ${ACTION_DIM} or ${n} × ${ACTION_DIM}`);
  }
  return out;
}
