/** One treatment-vs-control comparison: fixed-horizon lift and, when enabled, its always-valid interval. */
import type { Estimate } from "@/lib/stats/summary";
import { type LiftResult, relativeLift } from "@/lib/stats/lift";
import { type SequentialResult, sequentialLift } from "@/lib/stats/sequential";

export interface AnalysisOptions {
  alpha: number;
  /** Users at which the sequential interval is tightest; null disables sequential intervals. */
  sequentialTuning: number | null;
}

export interface Comparison extends LiftResult {
  sequential: SequentialResult | null;
}

export function compareArms(treatment: Estimate, control: Estimate, options: AnalysisOptions): Comparison | null {
  const result = relativeLift(treatment, control, options.alpha);
  if (result === null) return null;
  const { alpha, sequentialTuning } = options;
  const sequential =
    sequentialTuning === null ? null : sequentialLift(result, treatment.n + control.n, alpha, sequentialTuning);
  return { ...result, sequential };
}
