/**
 * User-state RL (IntegratedRL-MTF / UnifiedRL, arXiv 2404.17589): episode = session, step =
 * request. The actor maps the user state s (user features ++ context) to one fusion action per
 * request; the critics score (s, a) with the request's list reward as the immediate reward:
 *   y_g = r_g(list) + γ · (1 − done) · φ(μ′(s′), b′) · Q′_g(s′, μ′(s′)).
 */
import type { Optimizer, Tensor2D } from "@tensorflow/tfjs";
import { ACTION_DIM, type ActionBounds } from "@/lib/fusion/action";
import { Rng } from "@/lib/random/rng";
import {
  ActorCriticAgent,
  actorOutputInit,
  firstSlot,
  type ActorLoss,
  type AgentInit,
  type BatchTensors,
} from "./agent";
import { boxExcess, boxPenalty, phiFactor } from "./box";
import type { UserStateConfig } from "./config";
import { CriticSet, type CriticWeights, type GroupQ } from "./critics";
import type { StateEncoder } from "./features";
import { UserStateModel } from "./models";
import { EnsembleMlp, type MlpTopology, type Tf } from "./network";

export const userStateActorTopology = (userWidth: number, config: Pick<UserStateConfig, "hidden">): MlpTopology => ({
  members: 1,
  inputs: [userWidth],
  layers: [...config.hidden, ACTION_DIM],
  output: "linear",
});

export class UserStateAgent extends ActorCriticAgent {
  readonly model: UserStateModel;
  protected readonly critics: CriticSet;
  protected readonly actorOptimizer: Optimizer;
  private readonly actorTarget: EnsembleMlp;

  constructor(
    tf: Tf,
    config: UserStateConfig,
    encoder: StateEncoder,
    bounds: ActionBounds,
    rewardScale: number,
    init: AgentInit & { critics?: CriticWeights } = {},
  ) {
    super(tf, config, rewardScale);
    const rng = Rng.derive(config.seed, "user-state", "init");
    const topology = userStateActorTopology(encoder.userWidth, config);
    const actor = init.actor
      ? EnsembleMlp.fromFlat(tf, topology, init.actor, true)
      : EnsembleMlp.create(tf, topology, rng, actorOutputInit(init.initialAction, ACTION_DIM));
    this.model = new UserStateModel(tf, encoder, bounds, actor);
    this.actorTarget = actor.clone();
    this.critics = new CriticSet(tf, [encoder.userWidth, ACTION_DIM], config, rng, init.critics);
    this.actorOptimizer = tf.train.adam(config.actorLearningRate);
  }

  get criticWeights(): CriticWeights {
    return this.critics.weights();
  }

  protected actorNetworks() {
    return { online: [this.model.actor], target: [this.actorTarget] };
  }

  protected listQ(t: BatchTensors, B: number, S: number): GroupQ {
    const tf = this.tf;
    return this.critics.q([t.user as Tensor2D, firstSlot(tf, t.action, B, S)]);
  }

  protected nextValue(t: BatchTensors, B: number, S: number): GroupQ {
    const tf = this.tf;
    const u = tf.tanh(tf.squeeze(this.actorTarget.apply([t.nextUser as Tensor2D]), [0])) as Tensor2D;
    const phi = phiFactor(
      tf,
      boxExcess(tf, u, firstSlot(tf, t.nextBehaviour, B, S), this.config.box.halfWidth),
      this.config.box,
    );
    const q = this.critics.q([t.nextUser as Tensor2D, u], true);
    return { watch: tf.mul(q.watch, phi), other: tf.mul(q.other, phi) };
  }

  protected actorLoss(t: BatchTensors, B: number, S: number): ActorLoss {
    const tf = this.tf;
    const u = this.model.normalisedActions(t.user as Tensor2D);
    const objective = this.critics.objective(this.critics.q([t.user as Tensor2D, u]));
    const penalty = boxPenalty(
      tf,
      boxExcess(tf, u, firstSlot(tf, t.behaviour, B, S), this.config.box.halfWidth),
      this.config.box,
    );
    return { loss: tf.mean(tf.sub(penalty, objective)), penalty: tf.mean(penalty) };
  }

  dispose(): void {
    this.model.dispose();
    this.actorTarget.dispose();
    this.critics.dispose();
    this.actorOptimizer.dispose();
  }
}
