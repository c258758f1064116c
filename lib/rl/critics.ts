/**
 * The two critic groups of both RL agents (docs/architecture.md §7): one ensemble estimates the watch-time
 * return, the other the return of every other reward, each with its own soft-updated target
 * ensemble. Each member bootstraps from its own target member, which keeps the members diverse
 * enough for their spread to measure the critics' uncertainty.
 */
import type { Scalar, Tensor, Tensor2D } from "@tensorflow/tfjs";
import type { Rng } from "@/lib/random/rng";
import type { UserStateConfig } from "./config";
import { EnsembleMlp, type MlpTopology, type Tf } from "./network";

export type Group = "watch" | "other";

/** Per group: Q values [E, R] (E ensemble members, R state–action rows). */
export type GroupQ = Record<Group, Tensor>;

export interface CriticWeights {
  /** One ensemble of 2E members: [0, E) the watch-time group, [E, 2E) the other-rewards group. */
  topology: MlpTopology;
  weights: Float32Array;
}

type CriticConfig = Pick<
  UserStateConfig,
  "hidden" | "ensembleSize" | "criticLearningRate" | "groupWeights" | "stdPenalty"
>;

export class CriticSet {
  readonly topology: MlpTopology;
  private readonly online: EnsembleMlp;
  private readonly target: EnsembleMlp;
  private readonly optimizer;
  private readonly E: number;

  constructor(
    private readonly tf: Tf,
    /** Widths of the input parts (see EnsembleMlp.apply). */
    inputs: number[],
    private readonly config: CriticConfig,
    rng: Rng,
    init?: CriticWeights,
  ) {
    // Both groups live in one stacked ensemble (few variables for the optimiser to visit).
    this.topology = init?.topology ?? {
      members: 2 * config.ensembleSize,
      inputs,
      layers: [...config.hidden, 1],
      output: "linear",
    };
    if (this.topology.inputs.join() !== inputs.join())
      throw new RangeError(`critic inputs ${this.topology.inputs} ≠ ${inputs}`);
    this.E = this.topology.members / 2;
    this.online = init
      ? EnsembleMlp.fromFlat(tf, this.topology, init.weights, true)
      : EnsembleMlp.create(tf, this.topology, rng);
    this.target = this.online.clone();
    this.optimizer = tf.train.adam(config.criticLearningRate);
  }

  /** Q of every member of both groups for input parts (rows R): [E, R] each. */
  q(parts: readonly Tensor2D[], useTarget = false): GroupQ {
    const tf = this.tf;
    const all = tf.squeeze((useTarget ? this.target : this.online).apply(parts), [2]);
    const [watch, other] = tf.split(all, [this.E, this.E], 0);
    return { watch, other };
  }

  /** The actor's objective per row: Σ_g c_g · (mean over members − λ · std over members) → [R]. */
  objective(q: GroupQ): Tensor {
    const tf = this.tf;
    const { groupWeights, stdPenalty } = this.config;
    const one = (g: Group) => {
      const { mean, variance } = tf.moments(q[g], 0);
      return tf.mul(tf.sub(mean, tf.mul(tf.sqrt(tf.add(variance, 1e-8)), stdPenalty)), groupWeights[g]);
    };
    return tf.add(one("watch"), one("other"));
  }

  /** One Adam step on `loss` over every online critic weight; returns the loss. */
  minimize(loss: () => Scalar): number {
    const cost = this.optimizer.minimize(loss, true, this.online.variables);
    const v = cost!.dataSync()[0];
    cost!.dispose();
    return v;
  }

  softUpdate(tau: number): void {
    this.target.softUpdate(this.online, tau);
  }

  weights(): CriticWeights {
    return { topology: this.topology, weights: this.online.flat() };
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}
