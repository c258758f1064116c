/**
 * What the RL policies observe, and how it is scaled. The USER STATE is the user's features (static
 * noisy views ++ in-session statistics) followed by the request context; a PAIR is one candidate's
 * item features followed by transforms of its predicted scores (see rawPairState). Both are standardised with means and
 * standard deviations fitted once on the first training data and saved with the policy, so a
 * loaded version sees exactly the inputs it was trained on.
 */
import { NUM_TASKS } from "@/lib/fusion/tasks";

export interface StateLayout {
  /** User feature names (static ++ in-session), the order of RequestObservation.userFeatures. */
  user: string[];
  context: string[];
  item: string[];
}

/** Logit of a predicted score, clamped away from 0 and 1 so that rare-event scores stay finite. */
const PROB_EPS = 1e-6;
export const logit = (p: number): number => {
  const q = p < PROB_EPS ? PROB_EPS : p > 1 - PROB_EPS ? 1 - PROB_EPS : p;
  return Math.log(q / (1 - q));
};

export interface ScalerJson {
  mean: number[];
  std: number[];
}

/** Per-column standardisation (x − mean) / std; constant columns map to 0. */
export class Scaler {
  private constructor(
    readonly mean: Float64Array,
    readonly std: Float64Array,
  ) {}

  /** Fits on `rows` rows of width `mean.length` produced by `row(i, out)`. */
  static fit(width: number, rows: number, row: (i: number, out: Float64Array) => void): Scaler {
    const sum = new Float64Array(width);
    const sq = new Float64Array(width);
    const x = new Float64Array(width);
    for (let i = 0; i < rows; i++) {
      row(i, x);
      for (let k = 0; k < width; k++) {
        sum[k] += x[k];
        sq[k] += x[k] * x[k];
      }
    }
    const mean = new Float64Array(width);
    const std = new Float64Array(width);
    for (let k = 0; k < width; k++) {
      mean[k] = rows ? sum[k] / rows : 0;
      const v = rows ? sq[k] / rows - mean[k] * mean[k] : 0;
      std[k] = v > 1e-12 ? Math.sqrt(v) : 1;
    }
    return new Scaler(mean, std);
  }

  static fromJSON(j: ScalerJson): Scaler {
    if (j.mean.length !== j.std.length) throw new RangeError("scaler mean and std differ in length");
    return new Scaler(Float64Array.from(j.mean), Float64Array.from(j.std));
  }

  toJSON(): ScalerJson {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  get width(): number {
    return this.mean.length;
  }

  /** Standardises column k's value x. */
  apply(k: number, x: number): number {
    return (x - this.mean[k]) / this.std[k];
  }
}

export interface EncoderJson {
  layout: StateLayout;
  /** The b half of the action bounds' centre: the offsets of the log(p + b) pair features. */
  bias: number[];
  user: ScalerJson;
  pair: ScalerJson;
}

export const userStateWidth = (layout: StateLayout): number => layout.user.length + layout.context.length;
export const pairStateWidth = (layout: StateLayout): number => layout.item.length + 2 * NUM_TASKS;

/** Raw user state (user features ++ context), unscaled, into out[0 … userStateWidth). */
export function rawUserState(
  layout: StateLayout,
  user: ArrayLike<number>,
  uo: number,
  context: ArrayLike<number>,
  co: number,
  out: Float64Array,
): void {
  const dU = layout.user.length;
  for (let k = 0; k < dU; k++) out[k] = user[uo + k];
  for (let k = 0; k < layout.context.length; k++) out[dU + k] = context[co + k];
}

/**
 * Raw pair, unscaled, into out[0 … pairStateWidth): item features ++ logit(p_k) ++ log(p_k + b_k).
 * The last block is the basis of the fusion formula at the centre offsets b (a fusion score is
 * linear in it), so a network can start from the formula's ranking and learn corrections; the
 * logits keep the resolution of rare-event scores that log(p + b) flattens.
 */
export function rawPairState(
  layout: StateLayout,
  bias: ArrayLike<number>,
  item: ArrayLike<number>,
  io: number,
  pred: ArrayLike<number>,
  po: number,
  out: Float64Array,
): void {
  const dI = layout.item.length;
  for (let k = 0; k < dI; k++) out[k] = item[io + k];
  for (let k = 0; k < NUM_TASKS; k++) {
    out[dI + k] = logit(pred[po + k]);
    out[dI + NUM_TASKS + k] = Math.log(pred[po + k] + bias[k]);
  }
}

/** Turns raw observations into the network inputs of both RL policy types. */
export class StateEncoder {
  readonly userWidth: number;
  readonly pairWidth: number;
  private readonly scratch: Float64Array;

  constructor(
    readonly layout: StateLayout,
    readonly bias: Float64Array,
    readonly user: Scaler,
    readonly pair: Scaler,
  ) {
    this.userWidth = userStateWidth(layout);
    this.pairWidth = pairStateWidth(layout);
    if (bias.length !== NUM_TASKS) throw new RangeError(`encoder needs ${NUM_TASKS} offsets b, got ${bias.length}`);
    if (user.width !== this.userWidth || pair.width !== this.pairWidth) {
      throw new RangeError(
        `encoder scalers (${user.width}, ${pair.width}) do not match the layout (${this.userWidth}, ${this.pairWidth})`,
      );
    }
    this.scratch = new Float64Array(Math.max(this.userWidth, this.pairWidth));
  }

  static fromJSON(j: EncoderJson): StateEncoder {
    return new StateEncoder(j.layout, Float64Array.from(j.bias), Scaler.fromJSON(j.user), Scaler.fromJSON(j.pair));
  }

  toJSON(): EncoderJson {
    return { layout: this.layout, bias: Array.from(this.bias), user: this.user.toJSON(), pair: this.pair.toJSON() };
  }

  /** Scaled user state into dst[d …]. */
  encodeUser(
    user: ArrayLike<number>,
    uo: number,
    context: ArrayLike<number>,
    co: number,
    dst: Float32Array,
    d: number,
  ): void {
    rawUserState(this.layout, user, uo, context, co, this.scratch);
    for (let k = 0; k < this.userWidth; k++) dst[d + k] = this.user.apply(k, this.scratch[k]);
  }

  /** Scaled pair into dst[d …]. */
  encodePair(
    item: ArrayLike<number>,
    io: number,
    pred: ArrayLike<number>,
    po: number,
    dst: Float32Array,
    d: number,
  ): void {
    rawPairState(this.layout, this.bias, item, io, pred, po, this.scratch);
    for (let k = 0; k < this.pairWidth; k++) dst[d + k] = this.pair.apply(k, this.scratch[k]);
  }
}
