/** Chi-square distribution with k degrees of freedom: Gamma(k/2, 2). */
import { regularizedGammaP, regularizedGammaQ } from "@/lib/stats/special";

export function chiSquareCdf(x: number, df: number): number {
  return regularizedGammaP(df / 2, x / 2);
}

/** P(X > x), computed directly so that tiny p-values keep their precision. */
export function chiSquareSurvival(x: number, df: number): number {
  return regularizedGammaQ(df / 2, x / 2);
}
