import { armShares, BUCKET_COUNT, normalizeRanges } from "@/lib/assignment";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { powerBaselineQuery } from "@/lib/experiments/experiment-input";
import { toPlacement } from "@/lib/experiments/placement";
import { metricDefinitions } from "@/lib/metrics/metric-catalogue";
import { reportStatistics } from "@/lib/reports/report-statistics";
import { momentsFromSums } from "@/lib/stats/moments";
import { parseInput } from "@/lib/validation";

/** Control arms with fewer users than this give too rough a variance to plan with. */
const MIN_BASELINE_USERS = 30;
/** How many recent experiments are tried, this layer's first. */
const CANDIDATES = 5;

export interface PowerBaseline {
  metric: string;
  /** Per-user mean (a ratio metric: the ratio), and the standard deviation the power formula takes. */
  baselineMean: number;
  baselineSd: number;
  /** Correlation with the pre-period value (CUPED), when the source experiment has pre-period data. */
  cupedCorrelation: number | null;
  /** New users per day over the whole layer (an experiment gets its bucket share × coverage of them). */
  dailyUsersPerLayer: number | null;
  /** Where the numbers come from: the control arm of a recent experiment. */
  source: { experimentKey: string; experimentName: string; layer: string; users: number; days: number };
}

/**
 * Baseline mean, standard deviation, pre-period correlation and daily traffic for planning an
 * experiment's size, from history: the control arm of the most recent experiment with enough users,
 * on the same layer when there is one (every layer covers all users, so another layer's control is
 * the next-best sample). The numbers hold for a run about as long as the source's: per-user totals
 * grow with exposure. A ratio metric's standard deviation is that of its per-user linearisation
 * (x − R·y)/ȳ, the delta-method form the report's test uses. Null when there is no such history:
 * the caller then enters its own baseline.
 */
export async function powerBaseline(raw: unknown): Promise<PowerBaseline | null> {
  const { layer, metric } = parseInput(powerBaselineQuery, raw, "power baseline");
  const [definition] = await metricDefinitions([metric]);
  if (!definition)
    throw new AppError("unprocessable", `no metric "${metric}" in the catalogue`, [
      { path: "metric", message: "no such metric" },
    ]);
  const target = await db.layer.findUnique({ where: { key: layer } });
  if (!target)
    throw new AppError("unprocessable", `no layer "${layer}"`, [{ path: "layer", message: "no such layer" }]);
  const recent = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Experiment" WHERE "startedAt" IS NOT NULL
    ORDER BY CASE WHEN "layerId" = ${target.id}::uuid THEN 0 ELSE 1 END, "startedAt" DESC LIMIT ${CANDIDATES}`;
  for (const { id } of recent) {
    const e = await db.experiment.findUniqueOrThrow({ where: { id }, include: { arms: true, layer: true } });
    const control = e.arms.find((a) => a.isControl);
    if (!control) continue;
    const stats = await reportStatistics(
      e,
      [definition],
      e.arms.map((a) => a.key),
    );
    const arm = stats.final[metric][control.key];
    if (arm.stats.n < MIN_BASELINE_USERS) continue;
    const estimate = baselineOf(arm);
    if (estimate === null) continue;
    const days = stats.series[metric].length;
    const users = Object.values(stats.users).reduce((s, n) => s + n, 0);
    const placement = toPlacement(e);
    const layerShare = normalizeRanges(placement.layerBuckets).reduce((t, [s, end]) => t + end - s, 0) / BUCKET_COUNT;
    const share = layerShare * armShares(placement).reduce((t, x) => t + x, 0);
    return {
      metric,
      ...estimate,
      dailyUsersPerLayer: days > 0 && share > 0 ? users / days / share : null,
      source: { experimentKey: e.key, experimentName: e.name, layer: e.layer.key, users: arm.stats.n, days },
    };
  }
  return null;
}

type ArmStats = Awaited<ReturnType<typeof reportStatistics>>["final"][string][string];

function baselineOf(arm: ArmStats): Pick<PowerBaseline, "baselineMean" | "baselineSd" | "cupedCorrelation"> | null {
  if (arm.type === "ratio") {
    const s = arm.stats;
    const m = momentsFromSums(s.n, s.sumX, s.sumX2, s.sumY, s.sumY2, s.sumXY);
    if (m.meanY === 0) return null;
    const r = m.meanX / m.meanY;
    const variance = Math.max(0, m.m2X - 2 * r * m.cXY + r * r * m.m2Y) / (m.n - 1) / (m.meanY * m.meanY);
    return variance > 0 && r !== 0
      ? { baselineMean: r, baselineSd: Math.sqrt(variance), cupedCorrelation: null }
      : null;
  }
  const { n, sum, sumSq, pre } = arm.stats;
  const m = momentsFromSums(n, sum, sumSq, pre?.sum, pre?.sumSq, pre?.sumProduct);
  if (m.meanX === 0 || !(m.m2X > 0)) return null;
  const correlation = pre && m.m2Y > 0 ? m.cXY / Math.sqrt(m.m2X * m.m2Y) : null;
  return {
    baselineMean: m.meanX,
    baselineSd: Math.sqrt(m.m2X / (n - 1)),
    // The power schema takes ρ strictly inside (−1, 1).
    cupedCorrelation: correlation === null ? null : Math.max(-0.999, Math.min(0.999, correlation)),
  };
}
