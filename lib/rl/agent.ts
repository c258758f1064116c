/**
 * The training step both RL agents share (docs/architecture.md §7):
 *   critic target  y_g = r_g + γ · (1 − done) · V′_g(s′),  per group g ∈ {watch, other} and member
 *                  (with nStep > 1: r_g summed over n requests and γ^n · V′ of the n-th next state),
 *   critic loss    Σ_g mean (Q_g(s, a) − y_g)²,
 *   actor loss     mean [ boxPenalty − Σ_g c_g (mean_e Q_ge − λ · std_e Q_ge) ],
 * followed by soft target updates; the actor steps every `actorDelay` critic steps. What Q(s, a)
 * and V′(s′) are — one request-level value, or a sum over the shown items' pair values — is what
 * distinguishes the user-state agent from the enhanced-state one.
 */
import type { Optimizer, Scalar, Tensor, Tensor2D } from "@tensorflow/tfjs";
import type { UserStateConfig } from "./config";
import type { TransitionBatch } from "./buffer";
import type { CriticSet, CriticWeights, GroupQ } from "./critics";
import type { FusionModel } from "./models";
import type { EnsembleMlp, MlpInit, Tf } from "./network";

export interface StepLosses {
  critic: number;
  /** Present on steps that updated the actor. */
  actor?: number;
  /** Mean box penalty of the actor's actions (actor steps). */
  penalty?: number;
}

/** One minibatch as tensors; each agent decides which fields it uses. */
export type BatchTensors = Record<keyof Omit<TransitionBatch, "B" | "S" | "U">, Tensor>;

export interface ActorLoss {
  loss: Scalar;
  penalty: Scalar;
}

export abstract class ActorCriticAgent {
  abstract readonly model: FusionModel;
  protected abstract readonly critics: CriticSet;
  private steps = 0;

  protected constructor(
    protected readonly tf: Tf,
    protected readonly config: UserStateConfig,
    /** Critic targets are in units of this list reward (saved with the policy). */
    readonly rewardScale: number,
  ) {}

  abstract get criticWeights(): CriticWeights;
  abstract dispose(): void;
  /** Online actor networks and their targets, both in FusionModel.networks() order. */
  protected abstract actorNetworks(): { online: EnsembleMlp[]; target: EnsembleMlp[] };
  protected abstract readonly actorOptimizer: Optimizer;
  /** Q(s, a) of the logged (state, taken action) per request, per group: [E, B]. */
  protected abstract listQ(t: BatchTensors, B: number, S: number): GroupQ;
  /** Σ over the successor's value under the target actor, discounted by φ: [E, B] per group. */
  protected abstract nextValue(t: BatchTensors, B: number, S: number): GroupQ;
  protected abstract actorLoss(t: BatchTensors, B: number, S: number): ActorLoss;

  /** Critic regression targets (constants for the step): list-level y_g = r_g + discount · V′_g, [E, B]. */
  protected criticTargets(t: BatchTensors, B: number, S: number): GroupQ {
    const next = this.nextValue(t, B, S);
    return {
      watch: bootstrapTarget(this.tf, t.rewardWatch, t.discount, next.watch),
      other: bootstrapTarget(this.tf, t.rewardOther, t.discount, next.other),
    };
  }

  /** Mean squared error of the critics against their targets. */
  protected criticLoss(t: BatchTensors, B: number, S: number, y: GroupQ): Scalar {
    const tf = this.tf;
    const q = this.listQ(t, B, S);
    return tf.add(
      tf.mean(tf.squaredDifference(q.watch, y.watch)),
      tf.mean(tf.squaredDifference(q.other, y.other)),
    ) as Scalar;
  }

  /** Sets the online and target actors to a model's weights (e.g. back to the promoted version). */
  resetActor(model: FusionModel): void {
    const source = model.networks();
    const nets = this.actorNetworks();
    nets.online.forEach((n, i) => n.softUpdate(source[i], 1));
    nets.target.forEach((n, i) => n.softUpdate(source[i], 1));
  }

  trainStep(batch: TransitionBatch): StepLosses {
    const tf = this.tf;
    const { B, S } = batch;
    const t = tf.tidy(() => toTensors(tf, batch));
    try {
      const y = tf.tidy(() => this.criticTargets(t, B, S));
      const critic = this.critics.minimize(() => this.criticLoss(t, B, S, y));
      tf.dispose([y.watch, y.other]);
      this.critics.softUpdate(this.config.tau);
      const losses: StepLosses = { critic };
      if (++this.steps % this.config.actorDelay === 0) {
        let penalty = 0;
        const nets = this.actorNetworks();
        const vars = nets.online.flatMap((n) => n.variables);
        const cost = this.actorOptimizer.minimize(
          () => {
            const l = this.actorLoss(t, B, S);
            penalty = l.penalty.dataSync()[0];
            return l.loss;
          },
          true,
          vars,
        );
        losses.actor = cost!.dataSync()[0];
        losses.penalty = penalty;
        cost!.dispose();
        nets.target.forEach((n, i) => n.softUpdate(nets.online[i], this.config.tau));
      }
      return losses;
    } finally {
      tf.dispose(Object.values(t));
    }
  }
}

/** y = r + discount · V′ (discount = γ^k, or 0 after the session ended): r, discount [B], V′ [E, B] → [E, B]. */
export function bootstrapTarget(tf: Tf, reward: Tensor, discount: Tensor, next: Tensor): Tensor {
  return tf.tidy(() => tf.add(reward, tf.mul(discount, next)));
}

export function toTensors(tf: Tf, b: TransitionBatch): BatchTensors {
  const { B, S } = b;
  const rows = (a: Float32Array, width: number) => tf.tensor2d(a, [a.length / width, width]);
  const dS = b.user.length / B;
  const dP = b.pair.length / (B * S);
  const A = b.action.length / (B * S);
  const K = b.predictions.length / (B * S);
  return {
    user: rows(b.user, dS),
    nextUser: rows(b.nextUser, dS),
    pair: rows(b.pair, dP),
    nextPair: rows(b.nextPair, dP),
    predictions: rows(b.predictions, K),
    action: rows(b.action, A),
    behaviour: rows(b.behaviour, A),
    nextBehaviour: rows(b.nextBehaviour, A),
    mask: tf.tensor2d(b.mask, [B, S]),
    nextMask: tf.tensor2d(b.nextMask, [B, S]),
    rewardWatch: tf.tensor1d(b.rewardWatch),
    rewardOther: tf.tensor1d(b.rewardOther),
    slotRewardWatch: tf.tensor2d(b.slotRewardWatch, [B, S]),
    slotRewardOther: tf.tensor2d(b.slotRewardOther, [B, S]),
    discount: tf.tensor1d(b.discount),
    unshownPair: tf.tensor2d(b.unshownPair, [B * b.U, dP]),
    unshownPredictions: tf.tensor2d(b.unshownPredictions, [B * b.U, K]),
    unshownBehaviour: tf.tensor2d(b.unshownBehaviour, [B * b.U, A]),
    unshownMask: tf.tensor2d(b.unshownMask, [B, b.U]),
  };
}

/** Normalised actions are kept this far inside (−1, 1) so that atanh stays finite. */
const U_LIMIT = 0.995;

export interface AgentInit {
  /** Normalised action a fresh actor starts at (the behaviour policy's action); default 0, the box centre. */
  initialAction?: ArrayLike<number>;
  /** Weights of a saved actor (warm start from a parent version). */
  actor?: Float32Array;
}

/** Output layer of a fresh actor: near-zero weights and bias atanh(u₀), so that it starts as the behaviour policy. */
export function actorOutputInit(initialAction: ArrayLike<number> | undefined, dim: number): MlpInit {
  const bias = new Float64Array(dim);
  for (let d = 0; d < dim; d++) bias[d] = Math.atanh(Math.max(-U_LIMIT, Math.min(U_LIMIT, initialAction?.[d] ?? 0)));
  return { outputScale: 0.01, outputBias: bias };
}

/** The request-level action of every row: slot 0 of rows laid out [B·S, A]. */
export function firstSlot(tf: Tf, rows: Tensor, B: number, S: number): Tensor2D {
  const A = rows.shape[1]!;
  return tf.reshape(tf.slice(tf.reshape(rows, [B, S, A]), [0, 0, 0], [B, 1, A]), [B, A]);
}
