/**
 * CUPED (Deng et al. 2013): regress out a pre-period covariate x (the same metric before the
 * experiment) from the metric y. Adjusted arm mean ȳ − θ(x̄ − x̄_all), variance of the mean
 * (s²ᵧ − 2θ·sₓᵧ + θ²·s²ₓ)/n. θ is pooled across arms from within-arm (co)variances, so the same θ
 * applies to every arm and the adjustment removes no treatment effect; x is pre-treatment, so
 * x̄ has the same expectation in every arm and the adjusted means stay unbiased.
 */
import { type Estimate, type MeanStats, sampleCovariance, sampleVariance } from "@/lib/stats/summary";

/** Pre-period sums per arm, over the same users as the metric: Σx, Σx², Σx·y. */
export interface CovariateStats {
  sum: number;
  sumSq: number;
  sumProduct: number;
}

export interface CupedArm {
  post: MeanStats;
  pre: CovariateStats;
}

export interface CupedResult {
  theta: number;
  estimates: Estimate[];
}

export function cupedEstimates(arms: readonly CupedArm[]): CupedResult {
  let covariance = 0;
  let variance = 0;
  let n = 0;
  let sumX = 0;
  for (const { post, pre } of arms) {
    if (post.n >= 2) {
      covariance += (post.n - 1) * sampleCovariance(post.n, pre.sum, post.sum, pre.sumProduct);
      variance += (post.n - 1) * sampleVariance(post.n, pre.sum, pre.sumSq);
    }
    n += post.n;
    sumX += pre.sum;
  }
  // A constant covariate carries no information: fall back to no adjustment.
  const theta = variance > 0 ? covariance / variance : 0;
  const xBarAll = sumX / n;
  const estimates = arms.map(({ post, pre }) => {
    const sy = sampleVariance(post.n, post.sum, post.sumSq);
    const sx = sampleVariance(post.n, pre.sum, pre.sumSq);
    const sxy = sampleCovariance(post.n, pre.sum, post.sum, pre.sumProduct);
    return {
      n: post.n,
      mean: post.sum / post.n - theta * (pre.sum / post.n - xBarAll),
      variance: Math.max(0, sy - 2 * theta * sxy + theta * theta * sx) / post.n,
    };
  });
  return { theta, estimates };
}
