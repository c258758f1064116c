import type { Moments } from "@/lib/stats/moments";

/** Moments of n users with a given mean and sample standard deviation. */
export const armMoments = (n: number, mean: number, sd: number): Moments => ({
  n,
  meanX: mean,
  meanY: 0,
  m2X: sd * sd * (n - 1),
  m2Y: 0,
  cXY: 0,
});
