/**
 * Training input: logged requests, one row per request with the shown slate in rank order — the
 * row layout of a FusionLab dataset (lib/dataset-format: same field names, same widths), so a dataset
 * batch IS a RequestLog and training can stream from disk (`datasetLogSource`) or from simulator
 * rollouts (`collectLogs`, the in-memory equivalent of the simulate-dataset job).
 */
import { ACTION_DIM, type ActionBounds } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { actionWidth } from "@/lib/simulator/simulator-policy";
import type { DatasetReader } from "@/lib/dataset-format/reader";
import type { ActionMode, Policy } from "@/lib/simulator/simulator-policy";
import { selectTop } from "@/lib/simulator/env";
import { rollout } from "@/lib/simulator/rollout";
import { Rng } from "@/lib/random/rng";
import type { World } from "@/lib/simulator/world";
import type { StateLayout } from "./features";

/** A block of request rows (S = slate, K = tasks, A = actionWidth: 0, 2K or S·2K). */
export interface RequestLog {
  size: number;
  sessionId: ArrayLike<number>;
  step: ArrayLike<number>;
  userId: ArrayLike<number>;
  /** 1 when the session ended with this request. */
  done: ArrayLike<number>;
  numShown: ArrayLike<number>;
  /** size × (static ++ in-session user features). */
  userFeatures: Float32Array;
  /** size × context features. */
  context: Float32Array;
  /** size × S shown item ids (−1 in empty slots). */
  itemId: ArrayLike<number>;
  /** size × S × K predicted scores of the shown items. */
  predictions: Float32Array;
  /** size × S × item features of the shown items. */
  itemFeatures: Float32Array;
  /** size × S: 1 if the user reached the item (a user out of patience stops viewing). */
  viewed: ArrayLike<number>;
  /** size × S valid plays. */
  isClick: ArrayLike<number>;
  /** size × S rewards of the two groups. */
  rewardWatch: ArrayLike<number>;
  rewardOther: ArrayLike<number>;
  /** size × A actions taken and behaviour (exploration-centre) actions. */
  action: ArrayLike<number>;
  behaviourAction: ArrayLike<number>;
  /**
   * A sample of U = schema.unshown candidates that were NOT shown (simulator logs only; datasets
   * carry none): how many per row, and their predictions (size × U × K), item features
   * (size × U × item features) and behaviour actions (size × U × 2K). They have no outcome: the
   * actor uses them to learn which items enter the slate, not only how the shown ones are ordered.
   */
  numUnshown?: ArrayLike<number>;
  unshownPredictions?: Float32Array;
  unshownItemFeatures?: Float32Array;
  unshownBehaviour?: Float32Array;
}

/** What every batch of a source shares. */
export interface LogSchema {
  layout: StateLayout;
  slate: number;
  actionMode: ActionMode;
  /** Bounds the logged actions were drawn in (null when actionMode is "none"). */
  bounds: ActionBounds | null;
  /** Half-width of the logged exploration box (normalised units); 0 when the policy did not explore. */
  explorationNoise: number;
  /** Unshown candidates sampled per request (RequestLog.numUnshown …); absent or 0: none. */
  unshown?: number;
}

/** A stream of request rows; `batches()` may be called more than once (each call restarts it). */
export interface LogSource extends LogSchema {
  batches(): AsyncIterable<RequestLog>;
}

/** n numbers of a log column starting at `offset` (a view when the column is a typed array). */
export function columnSlice(column: ArrayLike<number>, offset: number, n: number): ArrayLike<number> {
  return ArrayBuffer.isView(column)
    ? (column as Float32Array).subarray(offset, offset + n)
    : Array.prototype.slice.call(column, offset, offset + n);
}

export const layoutOf = (world: World): StateLayout => ({
  user: [...world.layout.userStatic, ...world.layout.userSession],
  context: [...world.layout.context],
  item: [...world.layout.item],
});

/** A RequestLog with concrete, writable arrays (what the collector fills). */
interface OwnedLog extends RequestLog {
  sessionId: Uint32Array;
  step: Uint32Array;
  userId: Uint32Array;
  done: Uint8Array;
  numShown: Uint8Array;
  itemId: Int32Array;
  viewed: Uint8Array;
  isClick: Uint8Array;
  rewardWatch: Float32Array;
  rewardOther: Float32Array;
  action: Float32Array;
  behaviourAction: Float32Array;
  numUnshown: Uint8Array;
  unshownPredictions: Float32Array;
  unshownItemFeatures: Float32Array;
  unshownBehaviour: Float32Array;
}

function allocateLog(rows: number, schema: LogSchema): OwnedLog {
  const S = schema.slate;
  const U = schema.unshown ?? 0;
  const A = actionWidth(schema.actionMode, S);
  const { layout } = schema;
  return {
    size: 0,
    sessionId: new Uint32Array(rows),
    step: new Uint32Array(rows),
    userId: new Uint32Array(rows),
    done: new Uint8Array(rows),
    numShown: new Uint8Array(rows),
    userFeatures: new Float32Array(rows * layout.user.length),
    context: new Float32Array(rows * layout.context.length),
    itemId: new Int32Array(rows * S),
    predictions: new Float32Array(rows * S * NUM_TASKS),
    itemFeatures: new Float32Array(rows * S * layout.item.length),
    viewed: new Uint8Array(rows * S),
    isClick: new Uint8Array(rows * S),
    rewardWatch: new Float32Array(rows * S),
    rewardOther: new Float32Array(rows * S),
    action: new Float32Array(rows * A),
    behaviourAction: new Float32Array(rows * A),
    numUnshown: new Uint8Array(rows),
    unshownPredictions: new Float32Array(rows * U * NUM_TASKS),
    unshownItemFeatures: new Float32Array(rows * U * layout.item.length),
    unshownBehaviour: new Float32Array(rows * U * ACTION_DIM),
  };
}

/**
 * Picks up to `out.length` candidates that were not shown: the first half the best-scored ones just
 * outside the slate (the items a small change of actions would swap in), the rest uniformly among
 * the others (what a larger change could reach). Returns how many were picked.
 */
export function sampleUnshown(
  scores: Float64Array,
  n: number,
  shown: ArrayLike<number>,
  numShown: number,
  rng: Rng,
  out: Int32Array,
): number {
  const taken = new Uint8Array(n);
  for (let p = 0; p < numShown; p++) taken[shown[p]] = 1;
  const near = Math.ceil(out.length / 2);
  const top = new Int32Array(Math.min(n, numShown + near));
  selectTop(scores, n, top, new Float64Array(top.length));
  let m = 0;
  for (let i = 0; i < top.length && m < near; i++) {
    if (taken[top[i]]) continue;
    taken[top[i]] = 1;
    out[m++] = top[i];
  }
  const rest: number[] = [];
  for (let c = 0; c < n; c++) if (!taken[c]) rest.push(c);
  for (let i = 0; i < rest.length && m < out.length; i++) {
    const j = i + rng.int(rest.length - i);
    [rest[i], rest[j]] = [rest[j], rest[i]];
    out[m++] = rest[i];
  }
  return m;
}

export interface CollectOptions {
  world: World;
  /** The policy to log (wrap it in withExploration to log an exploring behaviour). */
  policy: Policy;
  sessions: number;
  seed: string | number;
  numEnvs?: number;
  /** Rows per returned batch. */
  batchSize?: number;
  /** Unshown candidates to log per request (sampleUnshown); default 0. */
  unshown?: number;
}

/** Simulates sessions with `policy` and returns every request as RequestLog rows (in memory). */
export async function collectLogs(
  options: CollectOptions,
): Promise<{ schema: LogSchema; logs: RequestLog[]; requests: number }> {
  const { world, policy } = options;
  const batchSize = options.batchSize ?? 8192;
  const S = world.scenario.session.shown;
  const K = NUM_TASKS;
  const layout = layoutOf(world);
  const schema: LogSchema = {
    layout,
    slate: S,
    actionMode: policy.actionMode,
    bounds: policy.exploration?.bounds ?? null,
    explorationNoise: policy.exploration?.noise ?? 0,
    unshown: options.unshown ?? 0,
  };
  const U = schema.unshown!;
  const unshownRng = Rng.derive(options.seed, "unshown");
  const picked = new Int32Array(U);
  const A = actionWidth(policy.actionMode, S);
  const D = ACTION_DIM;
  const dU = layout.user.length;
  const dC = layout.context.length;
  const dI = layout.item.length;
  const logs: RequestLog[] = [];
  let cur = allocateLog(batchSize, schema);
  let requests = 0;
  await rollout({
    world,
    policy,
    sessions: options.sessions,
    seed: options.seed,
    numEnvs: options.numEnvs,
    onRequest(obs, decision, out) {
      if (cur.size === batchSize) {
        logs.push(cur);
        cur = allocateLog(batchSize, schema);
      }
      const r = cur.size++;
      requests++;
      cur.sessionId[r] = obs.sessionId;
      cur.step[r] = obs.step;
      cur.userId[r] = obs.userId;
      cur.done[r] = out.done ? 1 : 0;
      cur.numShown[r] = out.numShown;
      cur.userFeatures.set(obs.userFeatures, r * dU);
      cur.context.set(obs.context, r * dC);
      const items = obs.itemFeatures;
      const behaviour = policy.exploration ? decision.behaviourAction : decision.action;
      for (let p = 0; p < out.numShown; p++) {
        const i = r * S + p;
        const c = out.shown[p];
        cur.itemId[i] = out.itemIds[p];
        cur.predictions.set(obs.predictions.subarray(c * K, (c + 1) * K), i * K);
        cur.itemFeatures.set(items.subarray(c * dI, (c + 1) * dI), i * dI);
        cur.viewed[i] = out.viewed[p];
        cur.isClick[i] = out.isClick[p];
        cur.rewardWatch[i] = out.rewardWatch[p];
        cur.rewardOther[i] = out.rewardOther[p];
        if (A === S * D) {
          cur.action.set(decision.action.subarray(c * D, (c + 1) * D), i * D);
          cur.behaviourAction.set(behaviour.subarray(c * D, (c + 1) * D), i * D);
        }
      }
      for (let p = out.numShown; p < S; p++) cur.itemId[r * S + p] = -1;
      if (A === D) {
        cur.action.set(decision.requestAction, r * D);
        cur.behaviourAction.set(policy.exploration ? decision.requestBehaviourAction : decision.requestAction, r * D);
      }
      if (U === 0) return;
      const m = sampleUnshown(decision.scores, obs.numCandidates, out.shown, out.numShown, unshownRng, picked);
      cur.numUnshown[r] = m;
      const requestBehaviour = policy.exploration ? decision.requestBehaviourAction : decision.requestAction;
      for (let q = 0; q < m; q++) {
        const i = r * U + q;
        const c = picked[q];
        cur.unshownPredictions.set(obs.predictions.subarray(c * K, (c + 1) * K), i * K);
        cur.unshownItemFeatures.set(items.subarray(c * dI, (c + 1) * dI), i * dI);
        cur.unshownBehaviour.set(A === S * D ? behaviour.subarray(c * D, (c + 1) * D) : requestBehaviour, i * D);
      }
    },
  });
  if (cur.size > 0) logs.push(cur);
  return { schema, logs, requests };
}

/** Logs already in memory as a LogSource. */
export function memoryLogSource(schema: LogSchema, logs: readonly RequestLog[]): LogSource {
  return {
    ...schema,
    async *batches() {
      yield* logs;
    },
  };
}

/**
 * A FusionLab dataset (lib/dataset-format) as a LogSource: its request batches already carry every
 * RequestLog field (static user and item features joined back by the reader).
 */
export function datasetLogSource(reader: DatasetReader, batchSize = 4096): LogSource {
  const m = reader.manifest;
  return {
    layout: {
      user: [...m.names.userStatic, ...m.names.userSession],
      context: [...m.names.context],
      item: [...m.names.item],
    },
    slate: m.dims.slate,
    actionMode: m.actionMode,
    bounds: m.actionBounds
      ? { centre: Float64Array.from(m.actionBounds.centre), range: Float64Array.from(m.actionBounds.range) }
      : null,
    explorationNoise: m.exploration?.noise ?? 0,
    batches: () => reader.batches(batchSize),
  };
}
