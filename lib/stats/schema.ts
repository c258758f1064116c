/** Zod schemas of the statistics entry points' inputs (sufficient statistics, options). */
import { z } from "zod";
import { DEFAULT_SEQUENTIAL_TUNING } from "@/lib/stats/sequential";

const count = z.number().int().nonnegative();

export const meanStatsSchema = z.object({ n: count, sum: z.number(), sumSq: z.number().nonnegative() });

export const covariateStatsSchema = z.object({
  sum: z.number(),
  sumSq: z.number().nonnegative(),
  sumProduct: z.number(),
});

export const ratioStatsSchema = z.object({
  n: count,
  sumX: z.number(),
  sumY: z.number(),
  sumX2: z.number().nonnegative(),
  sumY2: z.number().nonnegative(),
  sumXY: z.number(),
});

/** Shared options: significance level and sequential intervals (on by default, GrowthBook's tuning). */
export const optionsShape = {
  alpha: z.number().gt(0).lt(1).default(0.05),
  sequential: z.boolean().default(true),
  sequentialTuning: z.number().positive().default(DEFAULT_SEQUENTIAL_TUNING),
};

export function analysisOptions(input: { alpha: number; sequential: boolean; sequentialTuning: number }) {
  return { alpha: input.alpha, sequentialTuning: input.sequential ? input.sequentialTuning : null };
}
