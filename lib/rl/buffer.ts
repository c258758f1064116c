/**
 * Replay buffer of request transitions for both RL agents. Rows come from LogSources (simulator
 * rounds or datasets) and are stored raw (user state, pairs as item features ++ score logits,
 * actions in normalised units u = (a − centre)/range, per-slot rewards); a row's successor is the
 * next request of the same session, linked as rows arrive, so a transition is (row, row.next).
 * A ring of fixed capacity: the oldest rows are overwritten first, and a row's successor is always
 * newer than it, so a live row never points at an overwritten one.
 */
import { ACTION_DIM, normalizeAction, type ActionBounds } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import type { Rng } from "@/lib/random/rng";
import {
  pairStateWidth,
  rawPairState,
  rawUserState,
  Scaler,
  StateEncoder,
  userStateWidth,
  type StateLayout,
} from "./features";
import { actionWidth } from "@/lib/simulator/simulator-policy";
import { columnSlice, type LogSource, type RequestLog } from "./logs";

/** Successor markers: the session ended here / the successor is not (yet) known. */
const TERMINAL = -1;
const UNKNOWN = -2;

/** One sampled minibatch, scaled and flattened for the networks (B requests × S slots). */
export interface TransitionBatch {
  B: number;
  S: number;
  /** B × userWidth scaled user states of the request and of the bootstrap state (zeros when the session ended). */
  user: Float32Array;
  nextUser: Float32Array;
  /** B × S × pairWidth scaled pairs (shown items) of the request and of the bootstrap state. */
  pair: Float32Array;
  nextPair: Float32Array;
  /** B × S × K raw predicted scores of the shown items (the fusion formula needs them unscaled). */
  predictions: Float32Array;
  /** B × S × 2K taken and behaviour actions (normalised); nextBehaviour belongs to the bootstrap state. */
  action: Float32Array;
  behaviour: Float32Array;
  nextBehaviour: Float32Array;
  /** B × S: 1 for real slots. */
  mask: Float32Array;
  nextMask: Float32Array;
  /**
   * B: list rewards of the two groups (sum over the shown items), divided by the reward scale,
   * discounted and summed over the n requests before the bootstrap state.
   */
  rewardWatch: Float32Array;
  rewardOther: Float32Array;
  /** B × S: each shown item's own rewards at the sampled request (undiscounted), divided by the reward scale. */
  slotRewardWatch: Float32Array;
  slotRewardOther: Float32Array;
  /** B: γ^k for a bootstrap state k requests ahead; 0 when the session ended first. */
  discount: Float32Array;
  /** U: unshown candidates per request in the batch (0 when the logs carry none). */
  U: number;
  /**
   * B × U × pairWidth scaled pairs, B × U × K raw predictions, B × U × 2K behaviour actions and B × U mask of the
   * sampled unshown candidates.
   */
  unshownPair: Float32Array;
  unshownPredictions: Float32Array;
  unshownBehaviour: Float32Array;
  unshownMask: Float32Array;
}

export class ReplayBuffer {
  readonly capacity: number;
  readonly slate: number;
  /** Unshown candidates kept per request (logs with fewer leave the rest masked). */
  readonly unshown: number;
  readonly layout: StateLayout;
  readonly bounds: ActionBounds;
  private readonly dS: number;
  private readonly dP: number;
  /** Offsets b of the log(p + b) pair features: the centre of the action bounds. */
  private readonly bias: Float64Array;
  private readonly user: Float32Array;
  private readonly pair: Float32Array;
  private readonly pred: Float32Array;
  private readonly act: Float32Array;
  private readonly beh: Float32Array;
  private readonly rw: Float32Array;
  private readonly ro: Float32Array;
  private readonly shown: Uint8Array;
  private readonly uPair: Float32Array;
  private readonly uPred: Float32Array;
  private readonly uBeh: Float32Array;
  private readonly numUnshown: Uint8Array;
  private readonly next: Int32Array;
  /** Insertion serial of each row (detects a pending predecessor that was overwritten). */
  private readonly serial: Float64Array;
  private inserted = 0;
  /** True when every row so far was logged with one action per request. */
  private requestLevel = true;

  constructor(options: {
    capacity: number;
    slate: number;
    layout: StateLayout;
    bounds: ActionBounds;
    unshown?: number;
  }) {
    const { capacity, slate, layout } = options;
    const U = options.unshown ?? 0;
    this.capacity = capacity;
    this.slate = slate;
    this.unshown = U;
    this.layout = layout;
    this.bounds = options.bounds;
    this.dS = userStateWidth(layout);
    this.dP = pairStateWidth(layout);
    this.bias = this.bounds.centre.slice(NUM_TASKS);
    this.user = new Float32Array(capacity * this.dS);
    this.pair = new Float32Array(capacity * slate * this.dP);
    this.pred = new Float32Array(capacity * slate * NUM_TASKS);
    this.act = new Float32Array(capacity * slate * ACTION_DIM);
    this.beh = new Float32Array(capacity * slate * ACTION_DIM);
    this.rw = new Float32Array(capacity * slate);
    this.ro = new Float32Array(capacity * slate);
    this.shown = new Uint8Array(capacity);
    this.uPair = new Float32Array(capacity * U * this.dP);
    this.uPred = new Float32Array(capacity * U * NUM_TASKS);
    this.uBeh = new Float32Array(capacity * U * ACTION_DIM);
    this.numUnshown = new Uint8Array(capacity);
    this.next = new Int32Array(capacity);
    this.serial = new Float64Array(capacity);
  }

  /** Rows currently stored. */
  get size(): number {
    return Math.min(this.inserted, this.capacity);
  }

  /** Whether every stored row carries one action per request (what user-state training needs). */
  get hasRequestActions(): boolean {
    return this.requestLevel;
  }

  /**
   * Appends every row of a source. Sessions are linked within one source only: a session that has
   * not ended when its source ends keeps an unknown successor and is never sampled.
   */
  async append(source: LogSource): Promise<number> {
    if (source.slate !== this.slate)
      throw new RangeError(`log slate ${source.slate} differs from the buffer's ${this.slate}`);
    if (source.actionMode === "none" || !source.bounds)
      throw new RangeError("RL training needs logs with fusion actions");
    checkLayout(source.layout, this.layout);
    checkBounds(source.bounds, this.bounds);
    if (source.actionMode === "candidate") this.requestLevel = false;
    const S = this.slate;
    const D = ACTION_DIM;
    const K = NUM_TASKS;
    const A = actionWidth(source.actionMode, S);
    const dI = this.layout.item.length;
    const dU = this.layout.user.length;
    const dC = this.layout.context.length;
    const pending = new Map<number, { row: number; serial: number; step: number }>();
    const raw = new Float64Array(Math.max(this.dS, this.dP));
    const u = new Float64Array(D);
    let added = 0;
    for await (const log of source.batches()) {
      for (let r = 0; r < log.size; r++) {
        const row = this.inserted % this.capacity;
        const serial = this.inserted++;
        added++;
        rawUserState(this.layout, log.userFeatures, r * dU, log.context, r * dC, raw);
        for (let k = 0; k < this.dS; k++) this.user[row * this.dS + k] = raw[k];
        const n = log.numShown[r];
        this.shown[row] = n;
        for (let p = 0; p < S; p++) {
          const i = row * S + p;
          const src = r * S + p;
          if (p >= n) {
            this.pair.fill(0, i * this.dP, (i + 1) * this.dP);
            this.pred.fill(0, i * K, (i + 1) * K);
            this.act.fill(0, i * D, (i + 1) * D);
            this.beh.fill(0, i * D, (i + 1) * D);
            this.rw[i] = this.ro[i] = 0;
            continue;
          }
          rawPairState(this.layout, this.bias, log.itemFeatures, src * dI, log.predictions, src * K, raw);
          for (let k = 0; k < this.dP; k++) this.pair[i * this.dP + k] = raw[k];
          for (let k = 0; k < K; k++) this.pred[i * K + k] = log.predictions[src * K + k];
          // A request-level action is every slot's action.
          const ao = A === D ? r * D : src * D;
          normalizeAction(columnSlice(log.action, ao, D), this.bounds, u);
          this.act.set(u, i * D);
          normalizeAction(columnSlice(log.behaviourAction, ao, D), this.bounds, u);
          this.beh.set(u, i * D);
          this.rw[i] = log.rewardWatch[src];
          this.ro[i] = log.rewardOther[src];
        }
        this.numUnshown[row] = this.appendUnshown(log, r, row, source.unshown ?? 0, raw, u);
        const session = log.sessionId[r];
        const prev = pending.get(session);
        if (prev && prev.step + 1 === log.step[r] && this.serial[prev.row] === prev.serial) this.next[prev.row] = row;
        this.serial[row] = serial;
        if (log.done[r]) {
          this.next[row] = TERMINAL;
          pending.delete(session);
        } else {
          this.next[row] = UNKNOWN;
          pending.set(session, { row, serial, step: log.step[r] });
        }
      }
    }
    return added;
  }

  /**
   * Copies row r's logged unshown candidates (logU per log row) into buffer row `row`, as many as fit; returns how
   * many.
   */
  private appendUnshown(
    log: RequestLog,
    r: number,
    row: number,
    logU: number,
    raw: Float64Array,
    u: Float64Array,
  ): number {
    if (
      logU === 0 ||
      this.unshown === 0 ||
      !log.numUnshown ||
      !log.unshownPredictions ||
      !log.unshownItemFeatures ||
      !log.unshownBehaviour
    )
      return 0;
    const U = this.unshown;
    const n = Math.min(U, log.numUnshown[r]);
    const K = NUM_TASKS;
    const D = ACTION_DIM;
    const dI = this.layout.item.length;
    for (let q = 0; q < n; q++) {
      const i = row * U + q;
      const src = r * logU + q;
      rawPairState(this.layout, this.bias, log.unshownItemFeatures, src * dI, log.unshownPredictions, src * K, raw);
      for (let k = 0; k < this.dP; k++) this.uPair[i * this.dP + k] = raw[k];
      this.uPred.set(log.unshownPredictions.subarray(src * K, (src + 1) * K), i * K);
      normalizeAction(log.unshownBehaviour.subarray(src * D, (src + 1) * D), this.bounds, u);
      this.uBeh.set(u, i * D);
    }
    return n;
  }

  /** Fits the state scalers on the stored rows (user states, and every real slot's pair). */
  fitEncoder(): StateEncoder {
    const n = this.size;
    const S = this.slate;
    const user = Scaler.fit(this.dS, n, (i, out) => {
      for (let k = 0; k < this.dS; k++) out[k] = this.user[i * this.dS + k];
    });
    const slots: number[] = [];
    for (let i = 0; i < n; i++) for (let p = 0; p < this.shown[i]; p++) slots.push(i * S + p);
    const pair = Scaler.fit(this.dP, slots.length, (i, out) => {
      for (let k = 0; k < this.dP; k++) out[k] = this.pair[slots[i] * this.dP + k];
    });
    return new StateEncoder(this.layout, this.bias, user, pair);
  }

  /** Mean list reward (both groups) per stored request: the scale that keeps critic targets O(1). */
  meanListReward(): number {
    const n = this.size * this.slate;
    let s = 0;
    for (let i = 0; i < n; i++) s += this.rw[i] + this.ro[i];
    return this.size ? s / this.size : 0;
  }

  /**
   * Uniformly samples B transitions whose successor is known (or which ended their session), with
   * n-step returns: rewards of up to `nStep` requests, then the state to bootstrap from (a shorter
   * horizon where the log does not say what came next).
   */
  sample(rng: Rng, B: number, encoder: StateEncoder, rewardScale: number, gamma: number, nStep = 1): TransitionBatch {
    const n = this.size;
    if (n === 0) throw new RangeError("cannot sample from an empty replay buffer");
    const S = this.slate;
    const D = ACTION_DIM;
    const K = NUM_TASKS;
    const dS = this.dS;
    const dP = this.dP;
    const out: TransitionBatch = {
      B,
      S,
      user: new Float32Array(B * dS),
      nextUser: new Float32Array(B * dS),
      pair: new Float32Array(B * S * dP),
      nextPair: new Float32Array(B * S * dP),
      predictions: new Float32Array(B * S * K),
      action: new Float32Array(B * S * D),
      behaviour: new Float32Array(B * S * D),
      nextBehaviour: new Float32Array(B * S * D),
      mask: new Float32Array(B * S),
      nextMask: new Float32Array(B * S),
      rewardWatch: new Float32Array(B),
      rewardOther: new Float32Array(B),
      slotRewardWatch: new Float32Array(B * S),
      slotRewardOther: new Float32Array(B * S),
      discount: new Float32Array(B),
      U: this.unshown,
      unshownPair: new Float32Array(B * this.unshown * dP),
      unshownPredictions: new Float32Array(B * this.unshown * K),
      unshownBehaviour: new Float32Array(B * this.unshown * D),
      unshownMask: new Float32Array(B * this.unshown),
    };
    for (let b = 0; b < B; b++) {
      let row = rng.int(n);
      for (let tries = 0; this.next[row] === UNKNOWN; tries++) {
        if (tries > 1000) throw new RangeError("the replay buffer holds no complete transitions");
        row = rng.int(n);
      }
      this.encodeRow(row, b, encoder, out.user, out.pair, out.mask);
      this.encodeUnshown(row, b, encoder, out);
      out.predictions.set(this.pred.subarray(row * S * K, (row + 1) * S * K), b * S * K);
      out.action.set(this.act.subarray(row * S * D, (row + 1) * S * D), b * S * D);
      out.behaviour.set(this.beh.subarray(row * S * D, (row + 1) * S * D), b * S * D);
      for (let p = 0; p < S; p++) {
        out.slotRewardWatch[b * S + p] = this.rw[row * S + p] / rewardScale;
        out.slotRewardOther[b * S + p] = this.ro[row * S + p] / rewardScale;
      }
      let rw = 0;
      let ro = 0;
      let discount = 1;
      let at = row;
      for (let k = 0; k < nStep; k++) {
        for (let p = 0; p < S; p++) {
          rw += discount * this.rw[at * S + p];
          ro += discount * this.ro[at * S + p];
        }
        discount *= gamma;
        at = this.next[at];
        if (at === TERMINAL || this.next[at] === UNKNOWN) break;
      }
      out.rewardWatch[b] = rw / rewardScale;
      out.rewardOther[b] = ro / rewardScale;
      if (at === TERMINAL) continue;
      out.discount[b] = discount;
      this.encodeRow(at, b, encoder, out.nextUser, out.nextPair, out.nextMask);
      out.nextBehaviour.set(this.beh.subarray(at * S * D, (at + 1) * S * D), b * S * D);
    }
    return out;
  }

  private encodeUnshown(row: number, b: number, enc: StateEncoder, out: TransitionBatch): void {
    const U = this.unshown;
    const dP = this.dP;
    const K = NUM_TASKS;
    const D = ACTION_DIM;
    for (let q = 0; q < this.numUnshown[row]; q++) {
      const src = row * U + q;
      const dst = b * U + q;
      for (let k = 0; k < dP; k++) out.unshownPair[dst * dP + k] = enc.pair.apply(k, this.uPair[src * dP + k]);
      out.unshownPredictions.set(this.uPred.subarray(src * K, (src + 1) * K), dst * K);
      out.unshownBehaviour.set(this.uBeh.subarray(src * D, (src + 1) * D), dst * D);
      out.unshownMask[dst] = 1;
    }
  }

  private encodeRow(
    row: number,
    b: number,
    enc: StateEncoder,
    user: Float32Array,
    pair: Float32Array,
    mask: Float32Array,
  ): void {
    const S = this.slate;
    const dS = this.dS;
    const dP = this.dP;
    for (let k = 0; k < dS; k++) user[b * dS + k] = enc.user.apply(k, this.user[row * dS + k]);
    for (let p = 0; p < this.shown[row]; p++) {
      const src = (row * S + p) * dP;
      const dst = (b * S + p) * dP;
      for (let k = 0; k < dP; k++) pair[dst + k] = enc.pair.apply(k, this.pair[src + k]);
      mask[b * S + p] = 1;
    }
  }
}

function checkLayout(a: StateLayout, b: StateLayout): void {
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  if (!same(a.user, b.user) || !same(a.context, b.context) || !same(a.item, b.item)) {
    throw new RangeError("log features differ from the policy's feature layout");
  }
}

function checkBounds(a: ActionBounds, b: ActionBounds): void {
  for (let d = 0; d < ACTION_DIM; d++) {
    if (Math.abs(a.centre[d] - b.centre[d]) > 1e-6 || Math.abs(a.range[d] - b.range[d]) > 1e-6) {
      throw new RangeError("logged actions were drawn in different action bounds than the policy's");
    }
  }
}
