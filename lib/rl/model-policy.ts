/**
 * RL models as simulator Policies (batched `act`: one actor call per batch of requests), and the
 * one-request scoring entry point the rank API uses. Both go through FusionModel.writeActions and
 * the fusion formula of lib/fusion, so serving, evaluation and training rollouts score alike.
 */
import { ACTION_DIM } from "@/lib/fusion/action";
import { Rng } from "@/lib/random/rng";
import { scoreFromActions } from "@/lib/simulator/reference-policies";
import type { Policy, PolicyDecision, RequestObservation } from "@/lib/simulator/simulator-policy";
import type { FusionModel, RankInput } from "./models";

export class ModelPolicy implements Policy {
  readonly actionMode: "request" | "candidate";

  constructor(
    readonly model: FusionModel,
    readonly name: string = model.type,
  ) {
    this.actionMode = model.actionMode;
  }

  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void {
    const mode = this.actionMode;
    this.model.writeActions(
      batch,
      decisions.map((d) => (mode === "request" ? d.requestAction : d.action)),
    );
    for (let i = 0; i < batch.length; i++) scoreFromActions(batch[i], decisions[i], mode);
  }
}

export interface ScoredRequest {
  /** n fusion scores (higher ranks first). */
  scores: Float64Array;
  /** The action(s) behind them: 2K numbers (request mode), n × 2K (candidate mode), empty otherwise. */
  actions: Float64Array;
}

/**
 * Scores one request's candidates with any Policy (a loaded version, a fixed policy, …): what
 * /api/v1/rank calls. `userId` only seeds policies that draw random numbers.
 */
export async function scoreRequest(
  policy: Policy,
  input: RankInput & { userId?: number | string },
): Promise<ScoredRequest> {
  const n = input.numCandidates;
  const width = policy.actionMode === "candidate" ? n * ACTION_DIM : ACTION_DIM;
  const action = new Float64Array(Math.max(width, ACTION_DIM));
  const behaviour = new Float64Array(action.length);
  const decision: PolicyDecision = {
    scores: new Float64Array(n),
    action,
    requestAction: action.subarray(0, ACTION_DIM),
    behaviourAction: behaviour,
    requestBehaviourAction: behaviour.subarray(0, ACTION_DIM),
  };
  const obs: RequestObservation = {
    slot: 0,
    sessionId: 0,
    step: 0,
    userId: typeof input.userId === "number" ? input.userId : -1,
    numCandidates: n,
    userFeatures: Float32Array.from(input.userFeatures),
    context: Float32Array.from(input.context),
    candidateIds: new Int32Array(n),
    predictions: Float32Array.from(input.predictions),
    itemFeatures: Float32Array.from(input.itemFeatures),
    rng: Rng.derive("rank", String(input.userId ?? "")),
  };
  await policy.act([obs], [decision]);
  const actions = policy.actionMode === "none" ? new Float64Array(0) : action.slice(0, width);
  return { scores: decision.scores, actions };
}

/**
 * Feature vector in `names` order from a name → value record (the rank API's `features` objects).
 * Missing names get `fallback[k]` — pass the policy's training means so that an absent feature is
 * neutral (it standardises to 0) — or 0.
 */
export function featureVector(
  names: readonly string[],
  values: Readonly<Record<string, number>> | undefined,
  fallback?: ArrayLike<number>,
  out = new Float32Array(names.length),
  offset = 0,
): Float32Array {
  // A plain loop into a caller's buffer: the serving path fills n × d item features per request.
  for (let k = 0; k < names.length; k++) {
    const v = values?.[names[k]];
    out[offset + k] = typeof v === "number" && Number.isFinite(v) ? v : (fallback?.[k] ?? 0);
  }
  return out;
}
