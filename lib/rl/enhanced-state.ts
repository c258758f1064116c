/**
 * Enhanced-State RL (Liu et al., arXiv 2409.11678). The state of pair j of request t is the
 * enhanced state s_tj = [user part, item features_j, score transforms_j, context]; the actor gives
 * one action per pair and the critics score pairs. Critic (list-level target, docs/architecture.md §7):
 *   Σ_{j shown at t} Q_g(s_tj, a_tj)  ←  r_g(list_t) + γ · (1 − done) · Σ_{j shown at t+1} φ_j · Q′_g(s′_j, μ′(s′_j)),
 * with φ_j measured against each next item's logged behaviour action.
 *
 * Actor (list-level objective). A shown item's own reward hardly depends on the action that
 * ranked it — the action decides WHICH items make the list — so ∂Q(s, a)/∂a alone carries little
 * signal. The actor maximises the critic value of the list its actions would select: within each
 * logged list, a softmax over the fusion scores that the actor's actions give the shown items
 * (standardised within the list, temperature τ) weights each item's critic value, so gradients
 * flow both through the critics' action input (as in DDPG) and through the fusion formula
 * Σ_k w_k log(p_k + b_k), raising the scores of items the critics value above their list-mates:
 *   loss = −mean_t Σ_j softmax_j(z_tj / τ) · [Σ_g c_g (mean_e Q_ge − λ std_e Q_ge)](s_tj, μ(s_tj)) + mean box penalty.
 * (Cutting the first path — values as constants — lets the actor follow the critics' item
 * preferences much faster; docs/rl.md reports why that made the policy worse here.)
 */
import type { Optimizer, Scalar, Tensor, Tensor2D } from "@tensorflow/tfjs";
import { ACTION_DIM, type ActionBounds } from "@/lib/fusion/action";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import { ActorCriticAgent, actorOutputInit, type ActorLoss, type AgentInit, type BatchTensors } from "./agent";
import { boxExcess, boxPenalty, phiFactor } from "./box";
import type { EnhancedStateConfig } from "./config";
import { CriticSet, type CriticWeights, type GroupQ } from "./critics";
import type { StateEncoder } from "./features";
import { EnhancedStateModel } from "./models";
import { EnsembleMlp, type MlpTopology, type Tf } from "./network";

/**
 * The list-level sum Σ_j weight_tj · Q(s_tj, ·) over each request's slots: pair values [E, B·S]
 * (request-major) and weights [B, S] (the shown mask, times φ for bootstrap terms) → [E, B].
 */
export function sumShown(tf: Tf, q: Tensor, weight: Tensor, B: number, S: number): Tensor {
  return tf.tidy(() => tf.sum(tf.mul(tf.reshape(q, [-1, B, S]), weight), 2));
}

interface SlotTerms {
  value: Tensor;
  score: Tensor;
  penalty: Tensor;
}

export function enhancedActorTopologies(
  encoder: StateEncoder,
  config: Pick<EnhancedStateConfig, "hidden" | "userWidth">,
): { user: MlpTopology; pair: MlpTopology } {
  return {
    user: { members: 1, inputs: [encoder.userWidth], layers: [config.userWidth], output: "relu" },
    pair: {
      members: 1,
      inputs: [config.userWidth, encoder.pairWidth],
      layers: [...config.hidden, ACTION_DIM],
      output: "linear",
    },
  };
}

export class EnhancedStateAgent extends ActorCriticAgent {
  readonly model: EnhancedStateModel;
  protected readonly critics: CriticSet;
  protected readonly actorOptimizer: Optimizer;
  private readonly target: EnhancedStateModel;
  private readonly enhancedConfig: EnhancedStateConfig;

  constructor(
    tf: Tf,
    config: EnhancedStateConfig,
    encoder: StateEncoder,
    bounds: ActionBounds,
    rewardScale: number,
    init: AgentInit & { userNet?: Float32Array; critics?: CriticWeights } = {},
  ) {
    super(tf, config, rewardScale);
    this.enhancedConfig = config;
    const rng = Rng.derive(config.seed, "enhanced-state", "init");
    const topo = enhancedActorTopologies(encoder, config);
    const userNet = init.userNet
      ? EnsembleMlp.fromFlat(tf, topo.user, init.userNet, true)
      : EnsembleMlp.create(tf, topo.user, rng);
    const pairNet = init.actor
      ? EnsembleMlp.fromFlat(tf, topo.pair, init.actor, true)
      : EnsembleMlp.create(tf, topo.pair, rng, actorOutputInit(init.initialAction, ACTION_DIM));
    this.model = new EnhancedStateModel(tf, encoder, bounds, userNet, pairNet);
    this.target = new EnhancedStateModel(tf, encoder, bounds, userNet.clone(), pairNet.clone());
    this.critics = new CriticSet(tf, [encoder.userWidth, encoder.pairWidth, ACTION_DIM], config, rng, init.critics);
    this.actorOptimizer = tf.train.adam(config.actorLearningRate);
  }

  get criticWeights(): CriticWeights {
    return this.critics.weights();
  }

  protected actorNetworks() {
    return { online: [this.model.userNet, this.model.pairNet], target: [this.target.userNet, this.target.pairNet] };
  }

  /** Critic input parts per pair: the user state (one row per request, broadcast over its slots), pair, action. */
  private criticInput(user: Tensor, pairs: Tensor, u: Tensor): Tensor2D[] {
    return [user, pairs, u] as Tensor2D[];
  }

  protected listQ(t: BatchTensors, B: number, S: number): GroupQ {
    const tf = this.tf;
    const q = this.critics.q(this.criticInput(t.user, t.pair, t.action));
    return { watch: sumShown(tf, q.watch, t.mask, B, S), other: sumShown(tf, q.other, t.mask, B, S) };
  }

  protected nextValue(t: BatchTensors, B: number, S: number): GroupQ {
    const tf = this.tf;
    const u = this.target.normalisedActions(t.nextUser as Tensor2D, t.nextPair as Tensor2D, S);
    const phi = phiFactor(tf, boxExcess(tf, u, t.nextBehaviour, this.config.box.halfWidth), this.config.box);
    const weight = tf.mul(tf.reshape(phi, [B, S]), t.nextMask);
    const q = this.critics.q(this.criticInput(t.nextUser, t.nextPair, u), true);
    return { watch: sumShown(tf, q.watch, weight, B, S), other: sumShown(tf, q.other, weight, B, S) };
  }

  /**
   * "item" targets, per shown slot j of request t: y_tj = r_tj + (R_t − r_t + discount · V′_t) / n_t,
   * with r_tj the item's own reward, r_t = Σ_j r_tj the request's list reward, R_t the (n-step)
   * list return, V′_t the next list's value and n_t the items shown: [E, B·S]. Their sum over the
   * list is the list-level target.
   */
  protected override criticTargets(t: BatchTensors, B: number, S: number): GroupQ {
    if (this.enhancedConfig.criticTarget === "list") return super.criticTargets(t, B, S);
    const tf = this.tf;
    const next = this.nextValue(t, B, S);
    const shown = tf.maximum(tf.sum(t.mask, 1), 1);
    const one = (slot: Tensor, list: Tensor, v: Tensor) => {
      const continuation = tf.div(tf.add(tf.sub(list, tf.sum(slot, 1)), tf.mul(t.discount, v)), shown); // [E, B]
      return tf.reshape(tf.add(tf.expandDims(slot, 0), tf.expandDims(continuation, 2)), [-1, B * S]);
    };
    return {
      watch: one(t.slotRewardWatch, t.rewardWatch, next.watch),
      other: one(t.slotRewardOther, t.rewardOther, next.other),
    };
  }

  protected override criticLoss(t: BatchTensors, B: number, S: number, y: GroupQ): Scalar {
    if (this.enhancedConfig.criticTarget === "list") return super.criticLoss(t, B, S, y);
    const tf = this.tf;
    const q = this.critics.q(this.criticInput(t.user, t.pair, t.action));
    const mask = tf.reshape(t.mask, [1, B * S]);
    const count = tf.mul(tf.maximum(tf.sum(mask), 1), q.watch.shape[0]);
    const sse = (a: Tensor, b: Tensor) => tf.div(tf.sum(tf.mul(tf.squaredDifference(a, b), mask)), count);
    return tf.add(sse(q.watch, y.watch), sse(q.other, y.other)) as Scalar;
  }

  protected actorLoss(t: BatchTensors, B: number, S: number): ActorLoss {
    const tf = this.tf;
    const U = t.unshownMask.shape[1]!;
    const shown = this.slotTerms(t.user, t.pair, t.predictions, t.behaviour, B, S);
    // With logged unshown candidates the soft selection runs over shown ∪ unshown: raising an
    // unshown item the critics value above a shown one is how the actor changes WHICH items enter.
    const parts =
      U > 0 ? [shown, this.slotTerms(t.user, t.unshownPair, t.unshownPredictions, t.unshownBehaviour, B, U)] : [shown];
    const join = (f: (p: SlotTerms) => Tensor) => (parts.length > 1 ? tf.concat(parts.map(f), 1) : f(parts[0]));
    const mask = U > 0 ? tf.concat([t.mask, t.unshownMask], 1) : t.mask;
    const value = join((p) => p.value);
    const score = join((p) => p.score);
    const excess = join((p) => p.penalty);
    const objective = tf.sum(tf.mul(this.softSelection(score, mask), value), 1);
    const penalty = tf.div(tf.sum(tf.mul(excess, mask)), tf.maximum(tf.sum(mask), 1));
    return { loss: tf.add(tf.neg(tf.mean(objective)), penalty) as Scalar, penalty: penalty as Scalar };
  }

  /** Per slot of B requests × n slots: the actor's critic value, fusion score and box penalty, each [B, n]. */
  private slotTerms(
    user: Tensor,
    pairs: Tensor,
    predictions: Tensor,
    behaviour: Tensor,
    B: number,
    n: number,
  ): SlotTerms {
    const tf = this.tf;
    const u = this.model.normalisedActions(user as Tensor2D, pairs as Tensor2D, n);
    return {
      value: tf.reshape(this.critics.objective(this.critics.q(this.criticInput(user, pairs, u))), [B, n]),
      score: this.fusionScores(u, predictions, B, n),
      penalty: tf.reshape(boxPenalty(tf, boxExcess(tf, u, behaviour, this.config.box.halfWidth), this.config.box), [
        B,
        n,
      ]),
    };
  }

  /** Σ_k w_k log(p_k + b_k) of each slot under normalised actions u [B·n, 2K]: [B, n]. */
  private fusionScores(u: Tensor, predictions: Tensor, B: number, n: number): Tensor {
    const tf = this.tf;
    const K = NUM_TASKS;
    const { centre, range } = this.model.bounds;
    const a = tf.add(tf.mul(u, tf.tensor1d(Float32Array.from(range))), tf.tensor1d(Float32Array.from(centre)));
    const w = tf.slice(a, [0, 0], [-1, K]);
    const b = tf.slice(a, [0, K], [-1, K]);
    return tf.reshape(tf.sum(tf.mul(w, tf.log(tf.add(predictions, b))), 1), [B, n]);
  }

  /** softmax over each list's real slots of its fusion scores f [B, n], standardised within the list, / τ: [B, n]. */
  private softSelection(f: Tensor, mask: Tensor): Tensor {
    const tf = this.tf;
    const count = tf.maximum(tf.sum(mask, 1, true), 1);
    const mean = tf.div(tf.sum(tf.mul(f, mask), 1, true), count);
    const dev = tf.mul(tf.sub(f, mean), mask);
    const sd = tf.sqrt(tf.add(tf.div(tf.sum(tf.square(dev), 1, true), count), 1e-6));
    const logits = tf.add(
      tf.div(tf.div(dev, sd), this.enhancedConfig.selectionTemperature),
      tf.mul(tf.sub(mask, 1), 1e9),
    );
    return tf.softmax(logits, 1);
  }

  dispose(): void {
    this.model.dispose();
    this.target.dispose();
    this.critics.dispose();
    this.actorOptimizer.dispose();
  }
}
