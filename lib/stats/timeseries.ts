/**
 * Lift over time: from per-day cumulative sufficient statistics of one metric (each day's sums
 * over all users seen up to that day), the lift of each treatment vs control as of each day.
 * The sequential interval is the one to read day by day; the fixed-horizon one is for reference.
 */
import { z } from "zod";
import { metricEstimate } from "@/lib/stats/summary";
import { type Comparison, compareArms } from "@/lib/stats/comparison";
import { analysisOptions, meanStatsSchema, optionsShape, ratioStatsSchema } from "@/lib/stats/schema";

function seriesSchema<T extends "mean" | "ratio", S extends z.ZodType>(type: T, stats: S) {
  return z.object({
    type: z.literal(type),
    /** Key of the control arm; every other arm of a day is a treatment. */
    control: z.string().min(1),
    days: z.array(z.object({ date: z.string().min(1), arms: z.record(z.string(), stats) })),
    ...optionsShape,
  });
}

export const liftTimeSeriesSchema = z
  .discriminatedUnion("type", [seriesSchema("mean", meanStatsSchema), seriesSchema("ratio", ratioStatsSchema)])
  .superRefine((input, ctx) => {
    input.days.forEach((day, i) => {
      if (!(input.control in day.arms)) {
        ctx.addIssue({
          code: "custom",
          path: ["days", i, "arms"],
          message: `no statistics for control arm "${input.control}"`,
        });
      }
    });
  });

export type LiftTimeSeriesInput = z.input<typeof liftTimeSeriesSchema>;

export interface LiftTimeSeriesPoint {
  date: string;
  /** Per treatment arm key; null where not yet estimable. */
  arms: Record<string, Comparison | null>;
}

export function liftTimeSeries(input: LiftTimeSeriesInput): LiftTimeSeriesPoint[] {
  const parsed = liftTimeSeriesSchema.parse(input);
  const options = analysisOptions(parsed);
  return parsed.days.map(({ date, arms }) => {
    const control = metricEstimate(arms[parsed.control]);
    const treatments = Object.entries(arms).filter(([key]) => key !== parsed.control);
    return {
      date,
      arms: Object.fromEntries(
        treatments.map(([key, stats]) => [key, compareArms(metricEstimate(stats), control, options)]),
      ),
    };
  });
}
