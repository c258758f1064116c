/**
 * The exploration box (docs/architecture.md §7). Logged actions were drawn uniformly in behaviour ± halfWidth
 * (normalised units), so the critics only know the reward surface inside that box. Two devices
 * keep learning there:
 *  - φ discounts the bootstrap term of the critic target by how far the target actor's next action
 *    lies outside the box of the logged next behaviour action (1 inside: the data support it);
 *  - the actor pays a penalty that is 0 inside the box and grows exponentially outside.
 * Both are functions of `excess` = Σ_k max(0, |u_k − b_k| − halfWidth), over the last axis.
 */
import type { Tensor } from "@tensorflow/tfjs";
import type { BoxConfig } from "./config";
import type { Tf } from "./network";

/** Past this exponent the penalty continues linearly (same slope), so it stays finite. */
const MAX_EXPONENT = 10;

/** Σ_k max(0, |u_k − b_k| − halfWidth) over the last axis. */
export function boxExcess(tf: Tf, u: Tensor, b: Tensor, halfWidth: number): Tensor {
  return tf.tidy(() => tf.sum(tf.relu(tf.sub(tf.abs(tf.sub(u, b)), halfWidth)), -1));
}

/** φ = exp(−phiDecay · excess). */
export function phiFactor(tf: Tf, excess: Tensor, box: BoxConfig): Tensor {
  return tf.tidy(() => tf.exp(tf.mul(excess, -box.phiDecay)));
}

/** penaltyWeight · (exp(penaltyRate · excess) − 1), continued linearly past exponent MAX_EXPONENT. */
export function boxPenalty(tf: Tf, excess: Tensor, box: BoxConfig): Tensor {
  return tf.tidy(() => {
    const x = tf.mul(excess, box.penaltyRate);
    const capped = tf.minimum(x, MAX_EXPONENT);
    const beyond = tf.relu(tf.sub(x, MAX_EXPONENT));
    const curve = tf.add(tf.sub(tf.exp(capped), 1), tf.mul(beyond, Math.exp(MAX_EXPONENT)));
    return tf.mul(curve, box.penaltyWeight);
  });
}
