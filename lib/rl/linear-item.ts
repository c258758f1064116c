/**
 * The per-item linear baseline: the action of candidate j is the base (tuned fixed) action plus
 * Θ·x_j, with x_j the candidate's standardised visible item features — the simplest policy that
 * acts per item. Θ (2K × features) is tuned by CEM against the simulator like the fixed action,
 * under the same guardrails. It is the strong, cheap baseline an RL policy acting per item has to
 * beat (docs/rl.md §8).
 */
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, type ActionBounds } from "@/lib/fusion/action";
import { scoreFromActions } from "@/lib/simulator/reference-policies";
import type { Policy, PolicyDecision, RequestObservation } from "@/lib/simulator/simulator-policy";
import type { World } from "@/lib/simulator/world";
import { crossEntropySearch, type CemProgress } from "./cem";
import { U_MAX, guardedScorer, type GuardedSearch } from "./fixed";

/** The visible, non-topic item features the linear policy reads. */
export const LINEAR_ITEM_FEATURES = [
  "quality",
  "popularity",
  "clickbait",
  "log_duration",
  "is_ad",
  "freshness",
] as const;

export interface ItemScaler {
  /** Positions of LINEAR_ITEM_FEATURES in the world's item feature layout. */
  index: number[];
  /** Width of the world's item feature rows. */
  width: number;
  mean: number[];
  std: number[];
}

/** Standardisation of the linear features over a world's items (the training world's). */
export function itemScaler(world: World): ItemScaler {
  const names = world.layout.item;
  const dI = names.length;
  const index = LINEAR_ITEM_FEATURES.map((f) => {
    const i = names.indexOf(f);
    if (i < 0) throw new RangeError(`the world has no item feature "${f}"`);
    return i;
  });
  const items = world.itemFeatures.length / dI;
  const mean = index.map((i) => {
    let s = 0;
    for (let j = 0; j < items; j++) s += world.itemFeatures[j * dI + i];
    return s / items;
  });
  const std = index.map((i, f) => {
    let s = 0;
    for (let j = 0; j < items; j++) s += (world.itemFeatures[j * dI + i] - mean[f]) ** 2;
    return Math.sqrt(s / items) || 1;
  });
  return { index, width: dI, mean, std };
}

export class LinearItemPolicy implements Policy {
  readonly actionMode = "candidate" as const;
  private readonly x = new Float64Array(LINEAR_ITEM_FEATURES.length);

  /** `base`: normalised base action (2K); `theta`: 2K × features, row-major, normalised units per SD. */
  constructor(
    private readonly base: ArrayLike<number>,
    private readonly theta: ArrayLike<number>,
    private readonly scaler: ItemScaler,
    private readonly bounds: ActionBounds = DEFAULT_ACTION_BOUNDS,
    readonly name = "per-item linear",
  ) {
    if (theta.length !== ACTION_DIM * LINEAR_ITEM_FEATURES.length)
      throw new RangeError(`theta needs ${ACTION_DIM * LINEAR_ITEM_FEATURES.length} numbers`);
  }

  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void {
    const F = LINEAR_ITEM_FEATURES.length;
    const { centre, range } = this.bounds;
    const { index, width: dI, mean, std } = this.scaler;
    for (let i = 0; i < batch.length; i++) {
      const obs = batch[i];
      const features = obs.itemFeatures;
      const action = decisions[i].action;
      for (let j = 0; j < obs.numCandidates; j++) {
        for (let f = 0; f < F; f++) this.x[f] = (features[j * dI + index[f]] - mean[f]) / std[f];
        for (let d = 0; d < ACTION_DIM; d++) {
          let u = this.base[d];
          for (let f = 0; f < F; f++) u += this.theta[d * F + f] * this.x[f];
          action[j * ACTION_DIM + d] = centre[d] + range[d] * Math.max(-U_MAX, Math.min(U_MAX, u));
        }
      }
      scoreFromActions(obs, decisions[i], "candidate");
    }
  }
}

export interface TuneLinearOptions extends GuardedSearch {
  /** Normalised base action (the tuned fixed action). */
  base: ArrayLike<number>;
  bounds?: ActionBounds;
}

export interface TunedLinear {
  theta: Float64Array;
  scaler: ItemScaler;
  history: CemProgress[];
  policy: () => LinearItemPolicy;
}

/** CEM over Θ from 0 (= the base action for every item), scaler fitted on the training world. */
export async function tuneLinearItemPolicy(options: TuneLinearOptions): Promise<TunedLinear> {
  const scaler = itemScaler(options.world);
  const make = (theta: ArrayLike<number>) => new LinearItemPolicy(options.base, theta, scaler, options.bounds);
  const { mean, history } = await crossEntropySearch({
    dim: ACTION_DIM * LINEAR_ITEM_FEATURES.length,
    config: options.config,
    stream: "cem:linear",
    limit: 1,
    score: guardedScorer(options, make),
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return { theta: mean, scaler, history, policy: () => make(mean) };
}
