/**
 * What the RL policies observe, and how it is scaled. The USER STATE is the user's features (static
 * noisy views ++ in-session statistics) followed by the request context; a PAIR is one candidate's
 * item features followed by its predicted scores as logits. Both are standardised with means and
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
  user: ScalerJson;
  pair: ScalerJson;
}

/** Turns raw observations into the network inputs of both RL policy types. */
export class StateEncoder {
  readonly userWidth: number;
  readonly pairWidth: number;

  constructor(
    readonly layout: StateLayout,
    readonly user: Scaler,
    readonly pair: Scaler,
  ) {
    this.userWidth = layout.user.length + layout.context.length;
    this.pairWidth = layout.item.length + NUM_TASKS;
    if (user.width !== this.userWidth || pair.width !== this.pairWidth) {
      throw new RangeError(`encoder scalers (${user.width}, ${pair.width}) do not match the layout (${this.userWidth}, ${this.pairWidth})`);
    }
  }

  static fromJSON(j: EncoderJson): StateEncoder {
    return new StateEncoder(j.layout, Scaler.fromJSON(j.user), Scaler.fromJSON(j.pair));
  }

  toJSON(): EncoderJson {
    return { layout: this.layout, user: this.user.toJSON(), pair: this.pair.toJSON() };
  }

  /** Raw user state (user features ++ context), unscaled, into out[0 … userWidth). */
  static rawUser(layout: StateLayout, user: ArrayLike<number>, uo: number, context: ArrayLike<number>, co: number, out: Float64Array): void {
    const dU = layout.user.length;
    for (let k = 0; k < dU; k++) out[k] = user[uo + k];
    for (let k = 0; k < layout.context.length; k++) out[dU + k] = context[co + k];
  }

  /** Raw pair (item features ++ logit of predicted scores), unscaled, into out[0 … pairWidth). */
  static rawPair(layout: StateLayout, item: ArrayLike<number>, io: number, pred: ArrayLike<number>, po: number, out: Float64Array): void {
    const dI = layout.item.length;
    for (let k = 0; k < dI; k++) out[k] = item[io + k];
    for (let k = 0; k < NUM_TASKS; k++) out[dI + k] = logit(pred[po + k]);
  }

  /** Scaled user state into dst[d …]. */
  encodeUser(user: ArrayLike<number>, uo: number, context: ArrayLike<number>, co: number, dst: Float32Array, d: number): void {
    const dU = this.layout.user.length;
    for (let k = 0; k < dU; k++) dst[d + k] = this.user.apply(k, user[uo + k]);
    for (let k = 0; k < this.layout.context.length; k++) dst[d + dU + k] = this.user.apply(dU + k, context[co + k]);
  }

  /** Scaled pair into dst[d …]. */
  encodePair(item: ArrayLike<number>, io: number, pred: ArrayLike<number>, po: number, dst: Float32Array, d: number): void {
    const dI = this.layout.item.length;
    for (let k = 0; k < dI; k++) dst[d + k] = this.pair.apply(k, item[io + k]);
    for (let k = 0; k < NUM_TASKS; k++) dst[d + dI + k] = this.pair.apply(dI + k, logit(pred[po + k]));
  }
}
