/**
 * The servable part of the two RL policy types: state encoder, actor network(s) and action bounds.
 * A model turns a batch of requests into fusion actions (per request or per candidate); the same
 * code serves simulator rollouts, offline evaluation and the rank API, so a loaded version scores
 * exactly as the trained one did.
 *
 *  - UserStateModel: a = centre + range · tanh(MLP(user state)), one action per request.
 *  - EnhancedStateModel: the enhanced state of pair j is [h_user, item features_j, score logits_j]
 *    where h_user = ReLU(W·user state + c) is computed ONCE per request and broadcast over its
 *    candidates; one actor call over all candidates gives one action per pair.
 */
import type { Tensor, Tensor2D } from "@tensorflow/tfjs";
import { ACTION_DIM, type ActionBounds } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import type { StateEncoder } from "./features";
import type { EnsembleMlp, Tf } from "./network";

/** What a model needs from one request (a RequestObservation has all of it). */
export interface RankInput {
  readonly numCandidates: number;
  /** Static ++ in-session user features. */
  readonly userFeatures: ArrayLike<number>;
  readonly context: ArrayLike<number>;
  /** n × K predicted scores. */
  readonly predictions: ArrayLike<number>;
  /** n × item features. */
  readonly itemFeatures: ArrayLike<number>;
}

export interface FusionModel {
  readonly type: "user-state" | "enhanced-state";
  readonly actionMode: "request" | "candidate";
  readonly encoder: StateEncoder;
  readonly bounds: ActionBounds;
  /**
   * Writes the actions of each request into out[i]: 2K numbers (request mode) or
   * numCandidates × 2K (candidate mode).
   */
  writeActions(requests: readonly RankInput[], out: readonly Float64Array[]): void;
  /** A copy with its own (non-trainable) weights, unaffected by further training. */
  frozenCopy(): FusionModel;
  /** The actor networks, in a fixed order per model type. */
  networks(): EnsembleMlp[];
  dispose(): void;
}

/** Normalised actions u ∈ (−1, 1) → a = centre + range · u, written row by row into `out`. */
export function denormalizeRows(
  u: Float32Array,
  bounds: ActionBounds,
  rows: number,
  out: Float64Array,
  outRow: number,
): void {
  const { centre, range } = bounds;
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < ACTION_DIM; d++)
      out[(outRow + r) * ACTION_DIM + d] = centre[d] + range[d] * u[r * ACTION_DIM + d];
  }
}

/**
 * The values of a tensor, which is then disposed. (Never return a typed array from tf.tidy: tidy
 * walks its result element by element looking for tensors — for 6,400 × 14 actions that cost more
 * than the whole forward pass.)
 */
function readAndDispose(t: Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/** The scaled user states of `requests`: [m, userWidth]. */
export function encodeUsers(encoder: StateEncoder, requests: readonly RankInput[]): Float32Array {
  const dS = encoder.userWidth;
  const x = new Float32Array(requests.length * dS);
  requests.forEach((q, i) => encoder.encodeUser(q.userFeatures, 0, q.context, 0, x, i * dS));
  return x;
}

export class UserStateModel implements FusionModel {
  readonly type = "user-state" as const;
  readonly actionMode = "request" as const;

  constructor(
    private readonly tf: Tf,
    readonly encoder: StateEncoder,
    readonly bounds: ActionBounds,
    readonly actor: EnsembleMlp,
  ) {}

  /** u = tanh(MLP(s)): [B, dS] → [B, 2K]. */
  normalisedActions(user: Tensor2D): Tensor2D {
    const tf = this.tf;
    return tf.tidy(() => tf.tanh(tf.squeeze(this.actor.apply([user]), [0])) as Tensor2D);
  }

  writeActions(requests: readonly RankInput[], out: readonly Float64Array[]): void {
    const tf = this.tf;
    const m = requests.length;
    if (m === 0) return;
    const x = encodeUsers(this.encoder, requests);
    const u = readAndDispose(tf.tidy(() => this.normalisedActions(tf.tensor2d(x, [m, this.encoder.userWidth]))));
    for (let i = 0; i < m; i++) denormalizeRows(u.subarray(i * ACTION_DIM), this.bounds, 1, out[i], 0);
  }

  frozenCopy(): UserStateModel {
    return new UserStateModel(this.tf, this.encoder, this.bounds, this.actor.clone());
  }

  networks(): EnsembleMlp[] {
    return [this.actor];
  }

  dispose(): void {
    this.actor.dispose();
  }
}

export class EnhancedStateModel implements FusionModel {
  readonly type = "enhanced-state" as const;
  readonly actionMode = "candidate" as const;
  private pairBuffer = new Float32Array(0);

  constructor(
    private readonly tf: Tf,
    readonly encoder: StateEncoder,
    readonly bounds: ActionBounds,
    /** [user state → userWidth], ReLU output: the user part of the enhanced state. */
    readonly userNet: EnsembleMlp,
    /** [user part (per request, broadcast), pair] → hidden… → 2K. */
    readonly pairNet: EnsembleMlp,
  ) {}

  /**
   * u = tanh(MLP([h_user broadcast, pair])): user [B, dS], pairs [B·n, dP] (request-major, n per
   * request) → [B·n, 2K]. The user part runs once per request.
   */
  normalisedActions(user: Tensor2D, pairs: Tensor2D, n: number): Tensor2D {
    const tf = this.tf;
    if (pairs.shape[0] !== user.shape[0] * n)
      throw new RangeError(`expected ${user.shape[0]} × ${n} pairs, got ${pairs.shape[0]}`);
    return tf.tidy(() => {
      const h = tf.squeeze(this.userNet.apply([user]), [0]) as Tensor2D;
      return tf.tanh(tf.squeeze(this.pairNet.apply([h, pairs]), [0])) as Tensor2D;
    });
  }

  writeActions(requests: readonly RankInput[], out: readonly Float64Array[]): void {
    // One forward pass per run of requests with the same candidate count (all of them in the simulator).
    for (let start = 0; start < requests.length;) {
      const n = requests[start].numCandidates;
      let end = start + 1;
      while (end < requests.length && requests[end].numCandidates === n) end++;
      this.writeRun(requests.slice(start, end), out.slice(start, end), n);
      start = end;
    }
  }

  frozenCopy(): EnhancedStateModel {
    return new EnhancedStateModel(this.tf, this.encoder, this.bounds, this.userNet.clone(), this.pairNet.clone());
  }

  networks(): EnsembleMlp[] {
    return [this.userNet, this.pairNet];
  }

  dispose(): void {
    this.userNet.dispose();
    this.pairNet.dispose();
  }

  /** The scaled pair states of `requests` (n candidates each, request-major) into `out`: [m·n, pairWidth]. */
  encodePairs(requests: readonly RankInput[], n: number, out: Float32Array): Float32Array {
    const dP = this.encoder.pairWidth;
    const dI = this.encoder.layout.item.length;
    const K = NUM_TASKS;
    requests.forEach((q, i) => {
      for (let c = 0; c < n; c++)
        this.encoder.encodePair(q.itemFeatures, c * dI, q.predictions, c * K, out, (i * n + c) * dP);
    });
    return out;
  }

  private writeRun(requests: readonly RankInput[], out: readonly Float64Array[], n: number): void {
    const tf = this.tf;
    const m = requests.length;
    const dS = this.encoder.userWidth;
    const dP = this.encoder.pairWidth;
    const users = encodeUsers(this.encoder, requests);
    // Reused across calls: serving scores one request at a time, and a fresh 500 × dP buffer per
    // call is garbage that shows up in the latency tail.
    if (this.pairBuffer.length < m * n * dP) this.pairBuffer = new Float32Array(m * n * dP);
    const pairs = this.encodePairs(requests, n, this.pairBuffer.subarray(0, m * n * dP));
    const u = readAndDispose(
      tf.tidy(() => this.normalisedActions(tf.tensor2d(users, [m, dS]), tf.tensor2d(pairs, [m * n, dP]), n)),
    );
    for (let i = 0; i < m; i++) denormalizeRows(u.subarray(i * n * ACTION_DIM), this.bounds, n, out[i], 0);
  }
}
