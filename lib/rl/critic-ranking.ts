/**
 * How well an Enhanced-State version's critics rank items (docs/rl.md §8): on requests a
 * behaviour policy meets in the simulator, NDCG@k of the candidates ordered by the critics' value
 * Q̄(s_j, μ(s_j)) — the objective the actor climbs — against the TRUE item value (the oracle's
 * utility: expected reward plus the patience it leaves, hidden information), next to the same
 * NDCG for the behaviour's fusion scores and for the version's own fusion scores. Critics that
 * cannot rank items better than the formula cannot teach the actor to choose better slates.
 */
import type { Tensor2D } from "@tensorflow/tfjs";
import { ACTION_DIM } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import { OraclePolicy } from "@/lib/simulator/reference-policies";
import type { Policy, PolicyDecision, RequestObservation } from "@/lib/simulator/simulator-policy";
import { rollout } from "@/lib/simulator/rollout";
import type { World } from "@/lib/simulator/world";
import { parseEnhancedStateConfig } from "./config";
import { CriticSet } from "./critics";
import type { EnhancedStateModel } from "./models";
import type { Tf } from "./network";
import { loadPolicy, savedCritics, type SavedPolicy } from "./saved";

/** NDCG@k of `scores`' order against non-negative gains (the true values clipped at 0). */
export function ndcgAt(scores: ArrayLike<number>, truth: ArrayLike<number>, k: number): number {
  const n = scores.length;
  const gain = (i: number) => Math.max(0, truth[i]);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const ideal = Array.from({ length: n }, (_, i) => gain(i)).sort((a, b) => b - a);
  let dcg = 0;
  let idcg = 0;
  for (let r = 0; r < Math.min(k, n); r++) {
    dcg += gain(order[r]) / Math.log2(r + 2);
    idcg += ideal[r] / Math.log2(r + 2);
  }
  return idcg > 0 ? dcg / idcg : 1;
}

export interface CriticRanking {
  requests: number;
  k: number;
  /** Mean NDCG@k against the true item value, by what orders the candidates. */
  ndcg: { critic: number; behaviourFormula: number; policyFormula: number; random: number };
}

function scratchDecision(n: number): PolicyDecision {
  const action = new Float64Array(n * ACTION_DIM);
  return {
    scores: new Float64Array(n),
    action,
    requestAction: action.subarray(0, ACTION_DIM),
    behaviourAction: new Float64Array(n * ACTION_DIM),
    requestBehaviourAction: new Float64Array(ACTION_DIM),
  };
}

export async function criticItemRanking(options: {
  tf: Tf;
  saved: SavedPolicy;
  world: World;
  behaviour: Policy;
  requests: number;
  k?: number;
  seed: string;
}): Promise<CriticRanking | null> {
  const { tf, saved, world, behaviour } = options;
  const k = options.k ?? 10;
  if (!(options.requests >= 1) || !(k >= 1)) throw new RangeError("critic ranking needs requests ≥ 1 and k ≥ 1");
  const critics = saved.type === "enhanced-state" ? savedCritics(saved) : undefined;
  if (saved.type !== "enhanced-state" || !critics) return null;
  const loaded = loadPolicy(tf, saved);
  const model = loaded.model as EnhancedStateModel;
  const { encoder } = model;
  const set = new CriticSet(
    tf,
    [encoder.userWidth, encoder.pairWidth, ACTION_DIM],
    parseEnhancedStateConfig(saved.config),
    new Rng(0),
    critics,
  );
  const oracle = new OraclePolicy(world);
  const rng = Rng.derive(options.seed, "critic-ranking");
  const sums = { critic: 0, behaviourFormula: 0, policyFormula: 0, random: 0 };
  let measured = 0;
  const measure = async (obs: RequestObservation, behaviourScores: Float64Array) => {
    const n = obs.numCandidates;
    const truth = scratchDecision(n);
    oracle.act([obs], [truth]);
    const own = scratchDecision(n);
    await loaded.policy.act([obs], [own]);
    const dS = encoder.userWidth;
    const dP = encoder.pairWidth;
    const dI = encoder.layout.item.length;
    const user = new Float32Array(dS);
    encoder.encodeUser(obs.userFeatures, 0, obs.context, 0, user, 0);
    const pairs = new Float32Array(n * dP);
    for (let c = 0; c < n; c++)
      encoder.encodePair(obs.itemFeatures, c * dI, obs.predictions, c * NUM_TASKS, pairs, c * dP);
    const value = tf.tidy(() => {
      const u = tf.tensor2d(user, [1, dS]);
      const p = tf.tensor2d(pairs, [n, dP]);
      return set.objective(set.q([u, p, model.normalisedActions(u, p, n)] as Tensor2D[]));
    });
    const critic = value.dataSync();
    value.dispose();
    sums.critic += ndcgAt(critic, truth.scores, k);
    sums.behaviourFormula += ndcgAt(behaviourScores, truth.scores, k);
    sums.policyFormula += ndcgAt(own.scores, truth.scores, k);
    sums.random += ndcgAt(
      Array.from({ length: n }, () => rng.next()),
      truth.scores,
      k,
    );
    measured++;
  };
  // Requests as the behaviour meets them; the first request of every batch is measured.
  const probe: Policy = {
    name: "critic-ranking probe",
    actionMode: behaviour.actionMode,
    async act(batch, decisions) {
      await behaviour.act(batch, decisions);
      if (measured < options.requests)
        await measure(batch[0], Float64Array.from(decisions[0].scores.subarray(0, batch[0].numCandidates)));
    },
  };
  try {
    // A step serves at most numEnvs requests, so this budget leaves at least `requests` steps.
    const numEnvs = 8;
    await rollout({
      world,
      policy: probe,
      sessions: 1e6,
      requestBudget: numEnvs * options.requests,
      numEnvs,
      seed: options.seed,
    });
  } finally {
    set.dispose();
    model.dispose();
  }
  const mean = (x: number) => x / Math.max(1, measured);
  return {
    requests: measured,
    k,
    ndcg: {
      critic: mean(sums.critic),
      behaviourFormula: mean(sums.behaviourFormula),
      policyFormula: mean(sums.policyFormula),
      random: mean(sums.random),
    },
  };
}
