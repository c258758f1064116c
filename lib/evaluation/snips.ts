/**
 * Self-normalised importance sampling (SNIPS) of a fusion policy's expected LIST reward per
 * request, from logs of a bounded-exploration behaviour policy.
 *
 * The logged action a was drawn uniformly from the box b ± δ (normalised units, clipped to
 * [−1, 1]) around the behaviour action b, so its density is π_b(a|s) = 1 / vol(B_δ(b)). A
 * deterministic target μ has no density, so its ratio π_e/π_b is undefined (a logged action equals
 * μ(s) with probability 0). We estimate instead the value of the SMOOTHED target — μ(s) plus the
 * same kind of uniform box noise of half-width h (default h = δ, the logged exploration width):
 *   π_e^h(a|s) = 1[a ∈ B_h(μ(s))] / vol(B_h(μ(s))),   w = π_e^h(a|s) / π_b(a|s)
 *             = 1[a ∈ B_h(μ(s))] · vol(B_δ(b)) / vol(B_h(μ(s))),
 * with each box clipped to [−1, 1] per dimension (the exploration wrapper draws in the clipped
 * box). This is exactly the policy the next collection round would run, it is bounded, and it
 * tends to μ as h → 0 at the price of fewer matching logs. The estimate is
 *   V̂ = Σ_i w_i r_i / Σ_i w_i,   Var ≈ Σ_i w_i² (r_i − V̂)² / (Σ_i w_i)²  (delta method),
 * reported with its effective sample size (Σw)² / Σw²: with 2K = 14 dimensions a target far
 * from the behaviour matches few logs, and a small ESS says so.
 *
 * Applicable to targets with one action per request on logs explored per request. For per-item
 * targets the ratio is a product over all ~100 candidates' actions, most of them not even logged
 * (only shown items are), so no sound estimate exists and the result says why.
 */
import { normalizeAction } from "@/lib/fusion/action";
import type { Policy } from "@/lib/simulator/simulator-policy";
import { columnSlice, type LogSource } from "@/lib/rl/logs";
import { replay } from "./replay";

export interface WeightedEstimate {
  mean: number;
  ci: [number, number];
}

export type SnipsResult =
  | {
      applicable: true;
      /** Expected list reward and valid plays per request under the smoothed target. */
      reward: WeightedEstimate;
      validConsumption: WeightedEstimate;
      /** The same per-request means under the logging policy (all weights 1). */
      behaviourReward: number;
      behaviourValidConsumption: number;
      requests: number;
      /** Requests whose logged action falls in the target's box (w > 0). */
      matched: number;
      effectiveSampleSize: number;
      bandwidth: number;
    }
  | { applicable: false; reason: string };

/** Length of [c − h, c + h] ∩ [−1, 1]. */
const clippedWidth = (c: number, h: number): number => Math.max(0, Math.min(1, c + h) - Math.max(-1, c - h));

/**
 * Importance weight of one logged request (all vectors normalised): logged action `a`, behaviour
 * centre `b` with half-width `delta`, target action `mu` smoothed with half-width `h`.
 */
export function boxImportanceWeight(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  delta: number,
  mu: ArrayLike<number>,
  h: number,
): number {
  let w = 1;
  for (let d = 0; d < a.length; d++) {
    if (Math.abs(a[d] - mu[d]) > h + 1e-9) return 0;
    w *= clippedWidth(b[d], delta) / clippedWidth(mu[d], h);
  }
  return w;
}

/** V̂ = Σ w r / Σ w with a delta-method 95% interval. */
export function snipsEstimate(weights: ArrayLike<number>, rewards: ArrayLike<number>): WeightedEstimate {
  let sw = 0;
  let swr = 0;
  for (let i = 0; i < weights.length; i++) {
    sw += weights[i];
    swr += weights[i] * rewards[i];
  }
  if (sw <= 0) return { mean: NaN, ci: [NaN, NaN] };
  const mean = swr / sw;
  let v = 0;
  for (let i = 0; i < weights.length; i++) v += (weights[i] * (rewards[i] - mean)) ** 2;
  const half = 1.959963984540054 * Math.sqrt(v / (sw * sw));
  return { mean, ci: [mean - half, mean + half] };
}

export async function snips(policy: Policy, source: LogSource, bandwidth?: number): Promise<SnipsResult> {
  if (policy.actionMode !== "request") {
    const has = policy.actionMode === "none" ? "no fusion action" : "one action per item";
    return { applicable: false, reason: `the target has ${has}; the importance ratio needs one action per request` };
  }
  if (source.actionMode !== "request" || !source.bounds || source.explorationNoise <= 0) {
    return { applicable: false, reason: "the logs need one explored action per request" };
  }
  const bounds = source.bounds;
  const delta = source.explorationNoise;
  const h = bandwidth ?? delta;
  const S = source.slate;
  const D = bounds.centre.length;
  const weights: number[] = [];
  const rewards: number[] = [];
  const valid: number[] = [];
  const [a, b, mu] = [new Float64Array(D), new Float64Array(D), new Float64Array(D)];
  for await (const { log, rows, decisions } of replay(policy, source)) {
    rows.forEach((r, i) => {
      normalizeAction(columnSlice(log.action, r * D, D), bounds, a);
      normalizeAction(columnSlice(log.behaviourAction, r * D, D), bounds, b);
      normalizeAction(decisions[i].requestAction, bounds, mu);
      weights.push(boxImportanceWeight(a, b, delta, mu, h));
      let rw = 0;
      let vc = 0;
      for (let p = 0; p < log.numShown[r]; p++) {
        rw += log.rewardWatch[r * S + p] + log.rewardOther[r * S + p];
        vc += log.isClick[r * S + p];
      }
      rewards.push(rw);
      valid.push(vc);
    });
  }
  const sw = weights.reduce((s, w) => s + w, 0);
  const sw2 = weights.reduce((s, w) => s + w * w, 0);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    applicable: true,
    reward: snipsEstimate(weights, rewards),
    validConsumption: snipsEstimate(weights, valid),
    behaviourReward: mean(rewards),
    behaviourValidConsumption: mean(valid),
    requests: weights.length,
    matched: weights.filter((w) => w > 0).length,
    effectiveSampleSize: sw2 > 0 ? (sw * sw) / sw2 : 0,
    bandwidth: h,
  };
}
