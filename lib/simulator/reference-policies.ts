/**
 * Reference policies: fixed fusion (the industry baseline), random (lower bound), oracle (upper
 * bound), and the exploration wrapper used to collect RL training data.
 */
import {
  ACTION_DIM,
  DEFAULT_ACTION_BOUNDS,
  type ActionBounds,
  makeActionBounds,
  validateAction,
} from "@/lib/fusion/action";
import { scoreCandidates } from "@/lib/fusion/score";
import { patienceDelta, rewardOther, rewardWatch } from "./outcome";
import type { ActionMode, ExplorationSpec, Policy, PolicyDecision, RequestObservation } from "./simulator-policy";
import { TRUE_PAIR, TRUE_PAIR_DIM, type World } from "./world";

/**
 * Scores a request from the action(s) already in the decision: the request action for mode
 * "request", one action per candidate for mode "candidate". RL policies call this after writing
 * their actions.
 */
export function scoreFromActions(
  obs: RequestObservation,
  decision: PolicyDecision,
  mode: "request" | "candidate",
): void {
  scoreCandidates(
    obs.predictions,
    obs.numCandidates,
    mode === "request" ? decision.requestAction : decision.action,
    decision.scores,
  );
}

/** Default fixed action: the centre of the default bounds (every task weighted 1, b at its typical score). */
export const DEFAULT_FIXED_ACTION: Float64Array = Float64Array.from(DEFAULT_ACTION_BOUNDS.centre);

/** One fusion action for every request. */
export class FixedFusionPolicy implements Policy {
  readonly actionMode = "request" as const;
  private readonly action: Float64Array;

  constructor(
    action: ArrayLike<number> = DEFAULT_FIXED_ACTION,
    readonly name = "fixed",
  ) {
    if (action.length !== ACTION_DIM)
      throw new RangeError(`fixed action needs ${ACTION_DIM} numbers, got ${action.length}`);
    validateAction(action);
    this.action = Float64Array.from(action);
  }

  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void {
    for (let i = 0; i < batch.length; i++) {
      decisions[i].requestAction.set(this.action);
      scoreFromActions(batch[i], decisions[i], "request");
    }
  }
}

/** Uniformly random ranking (from the session's policy stream): the lower bound. */
export class RandomPolicy implements Policy {
  readonly name = "random";
  readonly actionMode = "none" as const;

  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void {
    for (let i = 0; i < batch.length; i++) {
      const { rng, numCandidates } = batch[i];
      const scores = decisions[i].scores;
      for (let j = 0; j < numCandidates; j++) scores[j] = rng.next();
    }
  }
}

/**
 * Ranks by TRUE expected utility: the expected reward of the item under the scenario's reward
 * weights plus `oracle.patienceValue` × the expected change in the user's patience (so it also
 * values keeping the session alive). It reads hidden state from the world, which no other policy
 * can; it is the upper bound every policy is compared against.
 */
export class OraclePolicy implements Policy {
  readonly name = "oracle";
  readonly actionMode = "none" as const;
  private readonly pair = new Float64Array(TRUE_PAIR_DIM);

  constructor(private readonly world: World) {}

  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void {
    const sc = this.world.scenario;
    const t = this.pair;
    for (let i = 0; i < batch.length; i++) {
      const { userId, candidateIds, numCandidates } = batch[i];
      const scores = decisions[i].scores;
      for (let c = 0; c < numCandidates; c++) {
        const j = candidateIds[c];
        this.world.truePair(userId, j, t);
        const pc = t[TRUE_PAIR.click];
        const long = pc * t[TRUE_PAIR.longView];
        const like = pc * t[TRUE_PAIR.like];
        const follow = pc * t[TRUE_PAIR.follow];
        const comment = pc * t[TRUE_PAIR.comment];
        const forward = pc * t[TRUE_PAIR.forward];
        const hate = t[TRUE_PAIR.hate];
        scores[c] =
          rewardWatch(sc.reward, t[TRUE_PAIR.playSeconds]) +
          rewardOther(sc.reward, pc, long, like, follow, comment, forward, hate) +
          sc.oracle.patienceValue *
            patienceDelta(sc.patience, this.world.itemClickbait[j], pc, long, like + follow + comment + forward, hate);
      }
    }
  }
}

export interface ExplorationOptions {
  /** Half-width in normalised action units; default 0.15 (docs/architecture.md §7). */
  noise?: number;
  /** Independent noise per candidate (true) or one draw per request (false, default). */
  perItem?: boolean;
  bounds?: ActionBounds;
}

/**
 * Bounded exploration around a fusion policy's action (docs/architecture.md §7). The base policy's action is the
 * behaviour action (logged in `behaviourAction`); the action taken is drawn uniformly from the box
 * behaviour ± noise (in normalised units u = (a − centre)/range) intersected with the action bounds,
 * so the taken action's density is known (1 / box volume) and never leaves the valid region.
 * Ranking scores are recomputed from the taken action(s).
 */
export function withExploration(base: Policy, options: ExplorationOptions = {}): Policy {
  if (base.actionMode === "none") throw new TypeError(`policy ${base.name} has no action to explore around`);
  const spec: ExplorationSpec = {
    noise: options.noise ?? 0.15,
    perItem: options.perItem ?? false,
    bounds: options.bounds ? makeActionBounds(options.bounds.centre, options.bounds.range) : DEFAULT_ACTION_BOUNDS,
  };
  if (!(spec.noise >= 0)) throw new RangeError(`exploration noise must be ≥ 0, got ${spec.noise}`);
  const baseMode = base.actionMode;
  const mode: ActionMode = spec.perItem ? "candidate" : baseMode;
  const draws = new Float64Array(ACTION_DIM);
  const explore = (obs: RequestObservation, d: PolicyDecision): void => {
    const n = obs.numCandidates;
    const rows = mode === "candidate" ? n : 1;
    // Behaviour action per row: broadcast the base's request action if it had one per request.
    for (let r = 0; r < rows; r++) {
      const src = baseMode === "candidate" ? d.action.subarray(r * ACTION_DIM, (r + 1) * ACTION_DIM) : d.requestAction;
      d.behaviourAction.set(src, r * ACTION_DIM);
    }
    if (!spec.perItem) for (let k = 0; k < ACTION_DIM; k++) draws[k] = obs.rng.next();
    const { centre, range } = spec.bounds;
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < ACTION_DIM; k++) {
        const i = r * ACTION_DIM + k;
        const rk = range[k];
        const ub = rk === 0 ? 0 : (d.behaviourAction[i] - centre[k]) / rk;
        if (ub < -1 - 1e-9 || ub > 1 + 1e-9) {
          throw new RangeError(
            `behaviour action dimension ${k} (${d.behaviourAction[i]}) lies outside the action bounds`,
          );
        }
        const lo = Math.max(-1, ub - spec.noise);
        const hi = Math.min(1, ub + spec.noise);
        const xi = spec.perItem ? obs.rng.next() : draws[k];
        d.action[i] = centre[k] + rk * (lo + (hi - lo) * xi);
      }
    }
    scoreFromActions(obs, d, mode === "candidate" ? "candidate" : "request");
  };
  return {
    name: `${base.name}+explore(${spec.noise}${spec.perItem ? ",item" : ",request"})`,
    actionMode: mode,
    exploration: spec,
    act(batch, decisions) {
      const done = base.act(batch, decisions);
      const finish = () => {
        for (let i = 0; i < batch.length; i++) explore(batch[i], decisions[i]);
      };
      return done instanceof Promise ? done.then(finish) : finish();
    },
  };
}
