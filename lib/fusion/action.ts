/**
 * Fusion actions. An action is 2K numbers laid out as [w_0 … w_{K-1}, b_0 … b_{K-1}] in the task
 * order of FUSION_TASKS. Actions are bounded: a policy emits unconstrained "raw" numbers and
 * `actionFromRaw` maps them to centre ± range through tanh, so that w > 0 and b > 0 always hold
 * when the bounds are valid (centre − range > 0 in every dimension).
 *
 * Batches of actions are flat arrays of m × 2K numbers (one action per row).
 */
import { FUSION_TASKS, NUM_TASKS, type FusionTask } from "./tasks";

/** 2K: length of one action vector. */
export const ACTION_DIM = 2 * NUM_TASKS;

/** Human-readable names of the 2K action dimensions: w_click … w_watch_time, b_click … b_watch_time. */
export const ACTION_NAMES: readonly string[] = [
  ...FUSION_TASKS.map((t) => `w_${t}`),
  ...FUSION_TASKS.map((t) => `b_${t}`),
];

export interface ActionBounds {
  /** Length 2K. */
  readonly centre: Float64Array;
  /** Length 2K, every entry ≥ 0 and < centre (so the whole box is positive). */
  readonly range: Float64Array;
}

/** Validates and copies bounds; throws if any part of the box could reach w ≤ 0 or b ≤ 0. */
export function makeActionBounds(centre: ArrayLike<number>, range: ArrayLike<number>): ActionBounds {
  if (centre.length !== ACTION_DIM || range.length !== ACTION_DIM) {
    throw new RangeError(
      `action bounds need ${ACTION_DIM} centres and ranges, got ${centre.length} and ${range.length}`,
    );
  }
  for (let i = 0; i < ACTION_DIM; i++) {
    const c = centre[i];
    const r = range[i];
    if (!Number.isFinite(c) || !Number.isFinite(r) || r < 0 || c - r <= 0) {
      throw new RangeError(`action bound ${ACTION_NAMES[i]}: need 0 ≤ range < centre, got centre ${c}, range ${r}`);
    }
  }
  return { centre: Float64Array.from(centre), range: Float64Array.from(range) };
}

/**
 * Default box. Weights: 1 ± 0.9, so one task can weigh up to 19× another. Biases: centred on the
 * typical magnitude of each task's score (b much larger than p flattens log(p + b), b much smaller
 * lets rare-event noise dominate), ± 90% of it.
 */
const DEFAULT_BIAS_CENTRE: Record<FusionTask, number> = {
  click: 0.1,
  long_view: 0.1,
  like: 0.02,
  follow: 0.005,
  comment: 0.005,
  forward: 0.005,
  watch_time: 0.1,
};
export const DEFAULT_ACTION_BOUNDS: ActionBounds = makeActionBounds(
  [...FUSION_TASKS.map(() => 1), ...FUSION_TASKS.map((t) => DEFAULT_BIAS_CENTRE[t])],
  [...FUSION_TASKS.map(() => 0.9), ...FUSION_TASKS.map((t) => 0.9 * DEFAULT_BIAS_CENTRE[t])],
);

function checkBatch(length: number, what: string): void {
  if (length % ACTION_DIM !== 0) throw new RangeError(`${what} length ${length} is not a multiple of ${ACTION_DIM}`);
}

/** a = centre + range · tanh(raw), elementwise over m × 2K numbers. */
export function actionFromRaw(
  raw: ArrayLike<number>,
  bounds: ActionBounds = DEFAULT_ACTION_BOUNDS,
  out: Float64Array = new Float64Array(raw.length),
): Float64Array {
  checkBatch(raw.length, "raw action");
  const { centre, range } = bounds;
  for (let i = 0, d = 0; i < raw.length; i++, d = d + 1 === ACTION_DIM ? 0 : d + 1) {
    out[i] = centre[d] + range[d] * Math.tanh(raw[i]);
  }
  return out;
}

/** u = (a − centre) / range ∈ [−1, 1]: the actor's output space, where exploration noise is measured. */
export function normalizeAction(
  action: ArrayLike<number>,
  bounds: ActionBounds = DEFAULT_ACTION_BOUNDS,
  out: Float64Array = new Float64Array(action.length),
): Float64Array {
  checkBatch(action.length, "action");
  const { centre, range } = bounds;
  for (let i = 0, d = 0; i < action.length; i++, d = d + 1 === ACTION_DIM ? 0 : d + 1) {
    out[i] = range[d] === 0 ? 0 : (action[i] - centre[d]) / range[d];
  }
  return out;
}

/** Inverse of normalizeAction: a = centre + range · u. */
export function denormalizeAction(
  u: ArrayLike<number>,
  bounds: ActionBounds = DEFAULT_ACTION_BOUNDS,
  out: Float64Array = new Float64Array(u.length),
): Float64Array {
  checkBatch(u.length, "normalized action");
  const { centre, range } = bounds;
  for (let i = 0, d = 0; i < u.length; i++, d = d + 1 === ACTION_DIM ? 0 : d + 1) {
    out[i] = centre[d] + range[d] * u[i];
  }
  return out;
}

/** Throws unless every w and b of the action starting at `offset` is finite and > 0. */
export function validateAction(action: ArrayLike<number>, offset = 0): void {
  if (offset < 0 || offset + ACTION_DIM > action.length) {
    throw new RangeError(`action at ${offset} needs ${ACTION_DIM} numbers, array has ${action.length}`);
  }
  for (let d = 0; d < ACTION_DIM; d++) {
    const v = action[offset + d];
    // `!(v > 0)` also rejects NaN.
    if (!(v > 0) || v === Infinity) {
      throw new RangeError(`fusion ${ACTION_NAMES[d]} must be finite and > 0, got ${v}`);
    }
  }
}
