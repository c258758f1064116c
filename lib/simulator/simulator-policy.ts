/**
 * The contract between the simulator and ranking policies. It is shaped for RL consumers: a policy
 * receives a BATCH of request observations (one per active session of a vectorised environment)
 * and fills one decision per observation, so a TF.js actor can run one forward pass per batch.
 *
 * Buffers are owned by the environment and reused every request: read and write them during
 * `act`, copy anything you want to keep.
 */
import { ACTION_DIM, type ActionBounds } from "@/lib/fusion/action";
import type { Rng } from "@/lib/random/rng";

/** What a policy's action is: nothing (random, oracle), one fusion action per request, one per candidate. */
export type ActionMode = "none" | "request" | "candidate";

/** Action numbers a policy logs per request: 0, 2K, or one 2K action per slot of the slate. */
export function actionWidth(mode: ActionMode, slate: number): number {
  return mode === "none" ? 0 : mode === "request" ? ACTION_DIM : slate * ACTION_DIM;
}

export interface RequestObservation {
  /** Index of the environment slot (stable while the session lasts). */
  readonly slot: number;
  /** Global session index within this run (0-based). */
  readonly sessionId: number;
  /** Request index within the session (0-based). */
  readonly step: number;
  readonly userId: number;
  /** n: candidates in this request. */
  readonly numCandidates: number;
  /** Static user features followed by in-session statistics (World.layout.userStatic ++ userSession). */
  readonly userFeatures: Float32Array;
  /** Request context (World.layout.context). */
  readonly context: Float32Array;
  /** n item ids. */
  readonly candidateIds: Int32Array;
  /** n × K MTL predicted scores (SCORE_NAMES order). */
  readonly predictions: Float32Array;
  /** n × dI item features; gathered on first access in each request (policies that ignore items pay nothing). */
  readonly itemFeatures: Float32Array;
  /** This session's policy random stream (separate from the environment's, so policies cannot perturb the world). */
  readonly rng: Rng;
}

export interface PolicyDecision {
  /** n ranking scores; the top `shown` are displayed, highest first, ties to the lower index. */
  readonly scores: Float64Array;
  /** n × 2K per-candidate actions (actionMode "candidate"). */
  readonly action: Float64Array;
  /** First 2K entries of `action` (actionMode "request"). */
  readonly requestAction: Float64Array;
  /** Behaviour (centre) action, same layout as `action`; written only by exploring policies. */
  readonly behaviourAction: Float64Array;
  readonly requestBehaviourAction: Float64Array;
}

/** Exploration around a behaviour action (see withExploration). */
export interface ExplorationSpec {
  /** Half-width of the uniform box in normalised action units ((a − centre) / range). */
  readonly noise: number;
  /** true: an independent draw per candidate; false: one draw per request shared by all candidates. */
  readonly perItem: boolean;
  readonly bounds: ActionBounds;
}

export interface Policy {
  readonly name: string;
  readonly actionMode: ActionMode;
  /** Set by exploring policies: `behaviourAction` then holds the centre and `action` the action taken. */
  readonly exploration?: ExplorationSpec;
  /** decisions[i] belongs to batch[i]. May return a promise (e.g. async TF.js inference). */
  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void | Promise<void>;
}
