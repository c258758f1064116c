import type { ArmMetricStats, ReportStatistics } from "@/lib/reports/report-statistics";
import type { SegmentDimension } from "@/lib/reports/report-sql";
import {
  contrastStatistic,
  criticalValue,
  fiellerLift,
  type Interval,
  type Moments,
  momentsFromSums,
  pairEstimate,
  twoSidedPValue,
} from "@/lib/stats";

/**
 * The primary metric's lift per user segment (docs/statistics.md §7): per segment dimension
 * (activity level, platform, new vs returning), segment and treatment arm, users, means, the
 * relative lift and its Fieller interval. Exploratory by design — many cells are looked at, none
 * was planned — so the intervals are Bonferroni-corrected across the whole family (every
 * dimension × segment × treatment arm): each interval is at level α/m and the p-values are
 * multiplied by m, so the chance that any interval misses its true lift stays ≤ α. Fixed-horizon
 * intervals: a segment table is read to form hypotheses for the next experiment, not to decide.
 */
export interface SegmentArm {
  arm: string;
  users: number;
  mean: number | null;
  /** Relative lift vs control; null when not estimable (fewer than 2 users, control mean 0). */
  lift: number | null;
  /** At the family's corrected level; an unbounded end is null. */
  ci: [number | null, number | null] | null;
  /** Bonferroni-adjusted. */
  adjustedPValue: number | null;
}

export interface SegmentReport {
  metric: string;
  exploratory: true;
  correction: "bonferroni";
  /** Cells in the family (dimension × segment × treatment arm). */
  family: number;
  alpha: number;
  /** Level of each interval: 1 − alpha / family. */
  confidence: number;
  dimensions: {
    dimension: SegmentDimension;
    segments: { segment: string; control: SegmentArm; arms: SegmentArm[] }[];
  }[];
}

const toMoments = ({ type, stats }: ArmMetricStats): Moments =>
  type === "ratio"
    ? momentsFromSums(stats.n, stats.sumX, stats.sumX2, stats.sumY, stats.sumY2, stats.sumXY)
    : momentsFromSums(stats.n, stats.sum, stats.sumSq);
const finite = (x: number) => (Number.isFinite(x) ? x : null);
const FIXED = { kind: "fixedHorizon" } as const;

export function reportSegments(input: {
  metric: string;
  segments: ReportStatistics["segments"];
  armKeys: readonly string[];
  control: string;
  alpha?: number;
}): SegmentReport {
  const { metric, segments, armKeys, control, alpha = 0.05 } = input;
  const treatments = armKeys.filter((a) => a !== control);
  const family = Math.max(1, segments.length * treatments.length);
  const level = alpha / family;

  const cell = (arm: string, stats: ArmMetricStats, controlStats: ArmMetricStats | null): SegmentArm => {
    const m = toMoments(stats);
    const mean = m.n > 0 ? (stats.type === "ratio" ? (m.meanY !== 0 ? m.meanX / m.meanY : null) : m.meanX) : null;
    const base = { arm, users: m.n, mean: mean !== null ? finite(mean) : null };
    const pair = controlStats ? pairEstimate(m, toMoments(controlStats), stats.type) : null;
    if (!pair) return { ...base, lift: null, ci: null, adjustedPValue: null };
    const stat = contrastStatistic(pair);
    const [lo, hi]: Interval = fiellerLift(pair, criticalValue(stat, FIXED, level));
    return {
      ...base,
      lift: finite(pair.treatment.mean / pair.control.mean - 1),
      ci: [finite(lo), finite(hi)],
      adjustedPValue: Math.min(1, twoSidedPValue(stat, FIXED) * family),
    };
  };

  const dimensions = [...new Set(segments.map((s) => s.dimension))].map((dimension) => ({
    dimension,
    segments: segments
      .filter((s) => s.dimension === dimension)
      .map((s) => ({
        segment: s.segment,
        control: cell(control, s.arms[control], null),
        arms: treatments.map((a) => cell(a, s.arms[a], s.arms[control])),
      })),
  }));
  return {
    metric,
    exploratory: true,
    correction: "bonferroni",
    family,
    alpha,
    confidence: 1 - level,
    dimensions,
  };
}
