/**
 * The uplift report of one experiment (docs/architecture.md §8, §9) from per-arm sufficient statistics: per arm
 * users and per-metric means; per treatment arm and metric the relative lift vs control with its
 * CI and p-value, Holm-adjusted p-value across treatment arms, CUPED-adjusted lift when every arm
 * has pre-period sums, and the always-valid interval; plus the sample-ratio-mismatch check.
 */
import { z } from "zod";
import { type Estimate, metricEstimate } from "@/lib/stats/summary";
import { cupedEstimates } from "@/lib/stats/cuped";
import { type AnalysisOptions, type Comparison, compareArms } from "@/lib/stats/comparison";
import { holmAdjust } from "@/lib/stats/holm";
import { type SrmResult, srmTest } from "@/lib/stats/srm";
import {
  analysisOptions,
  covariateStatsSchema,
  meanStatsSchema,
  optionsShape,
  ratioStatsSchema,
} from "@/lib/stats/schema";

const metricSchema = z.discriminatedUnion("type", [
  z.object({
    key: z.string().min(1),
    type: z.literal("mean"),
    /** Per arm key; `pre` (the same metric in the pre-period, same users) enables CUPED. */
    arms: z.record(z.string(), meanStatsSchema.extend({ pre: covariateStatsSchema.optional() })),
  }),
  z.object({ key: z.string().min(1), type: z.literal("ratio"), arms: z.record(z.string(), ratioStatsSchema) }),
]);

export const experimentAnalysisSchema = z
  .object({
    arms: z
      .array(
        z.object({
          key: z.string().min(1),
          control: z.boolean().default(false),
          /** Users assigned to the arm (for SRM). */
          users: z.number().int().nonnegative(),
          /** Allocated share of traffic, relative (e.g. coverage × weight). */
          share: z.number().nonnegative(),
        }),
      )
      .min(2),
    metrics: z.array(metricSchema),
    ...optionsShape,
  })
  .superRefine((input, ctx) => {
    const keys = input.arms.map((a) => a.key);
    if (input.arms.filter((a) => a.control).length !== 1) {
      ctx.addIssue({ code: "custom", path: ["arms"], message: "exactly one arm must be the control" });
    }
    if (new Set(keys).size !== keys.length)
      ctx.addIssue({ code: "custom", path: ["arms"], message: "arm keys must be unique" });
    if (!input.arms.some((a) => a.share > 0))
      ctx.addIssue({ code: "custom", path: ["arms"], message: "some arm needs a positive share" });
    const metricKeys = input.metrics.map((m) => m.key);
    if (new Set(metricKeys).size !== metricKeys.length) {
      ctx.addIssue({ code: "custom", path: ["metrics"], message: "metric keys must be unique" });
    }
    input.metrics.forEach((m, i) => {
      const given = Object.keys(m.arms);
      if (given.length !== keys.length || !keys.every((k) => k in m.arms)) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics", i, "arms"],
          message: `statistics are needed for exactly the arms ${keys.join(", ")}`,
        });
      }
    });
  });

export type ExperimentAnalysisInput = z.input<typeof experimentAnalysisSchema>;

export interface MetricSummary {
  n: number;
  /** Mean (ratio of sums for ratio metrics); null without users. */
  mean: number | null;
  /** Standard error of the mean (not of the lift, which is `se` of a comparison); null below two users. */
  meanSe: number | null;
}

export interface ReportedComparison extends Comparison {
  /** Holm-adjusted across the experiment's treatment arms (for this metric). */
  adjustedPValue: number;
}

/** The same fields, all null: the lift is not estimable (too few users, control mean 0). */
export type NotEstimable = { [K in keyof ReportedComparison]: null };

export type TreatmentMetricReport = MetricSummary &
  (ReportedComparison | NotEstimable) & {
    /** CUPED-adjusted comparison; null without pre-period statistics (or for ratio metrics). */
    cuped: ReportedComparison | null;
  };

interface ArmReportBase {
  key: string;
  users: number;
  /** Allocated share, normalised to sum to 1 over the arms. */
  share: number;
}

export interface ControlArmReport extends ArmReportBase {
  control: true;
  metrics: Record<string, MetricSummary>;
}

export interface TreatmentArmReport extends ArmReportBase {
  control: false;
  metrics: Record<string, TreatmentMetricReport>;
}

export interface ExperimentReport {
  alpha: number;
  /** Tuning of the sequential intervals, null when they are off. */
  sequentialTuning: number | null;
  srm: SrmResult;
  arms: (ControlArmReport | TreatmentArmReport)[];
}

const NOT_ESTIMABLE: NotEstimable = {
  lift: null,
  se: null,
  df: null,
  ci: null,
  pValue: null,
  adjustedPValue: null,
  sequential: null,
};

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function summarize(e: Estimate): MetricSummary {
  return { n: e.n, mean: finiteOrNull(e.mean), meanSe: finiteOrNull(Math.sqrt(e.variance)) };
}

/** Treatments vs the control estimate (index 0 of `estimates`), Holm-adjusted as one family. */
function compareFamily(estimates: readonly Estimate[], options: AnalysisOptions): (ReportedComparison | null)[] {
  const [control, ...treatments] = estimates;
  const comparisons = treatments.map((t) => compareArms(t, control, options));
  const adjusted = holmAdjust(comparisons.map((c) => c?.pValue ?? null));
  return comparisons.map((c, i) => (c === null ? null : { ...c, adjustedPValue: adjusted[i] as number }));
}

type Metric = z.output<typeof metricSchema>;

/** Summaries of every arm and comparisons of each treatment, in the order [control, ...treatments]. */
function analyzeMetric(metric: Metric, armKeys: readonly string[], options: AnalysisOptions) {
  const estimates = armKeys.map((k) => metricEstimate(metric.arms[k]));
  const plain = compareFamily(estimates, options);
  let cuped: (ReportedComparison | null)[] = plain.map(() => null);
  if (metric.type === "mean") {
    const arms = armKeys.map((k) => metric.arms[k]);
    const pre = arms.map((a) => a.pre);
    if (pre.every((p) => p !== undefined)) {
      cuped = compareFamily(cupedEstimates(arms.map((post, i) => ({ post, pre: pre[i] }))).estimates, options);
    }
  }
  return { summaries: estimates.map(summarize), plain, cuped };
}

export function analyzeExperiment(input: ExperimentAnalysisInput): ExperimentReport {
  const parsed = experimentAnalysisSchema.parse(input);
  const options = analysisOptions(parsed);
  const control = parsed.arms.find((a) => a.control);
  if (control === undefined) throw new Error("unreachable: the schema requires a control arm");
  const ordered = [control, ...parsed.arms.filter((a) => !a.control)];
  const metrics = parsed.metrics.map((m) => ({
    key: m.key,
    ...analyzeMetric(
      m,
      ordered.map((a) => a.key),
      options,
    ),
  }));
  const shareTotal = parsed.arms.reduce((s, a) => s + a.share, 0);

  const arms = parsed.arms.map((arm): ControlArmReport | TreatmentArmReport => {
    const index = ordered.indexOf(arm);
    const base = { key: arm.key, users: arm.users, share: arm.share / shareTotal };
    if (index === 0) {
      return { ...base, control: true, metrics: Object.fromEntries(metrics.map((m) => [m.key, m.summaries[0]])) };
    }
    const entries = metrics.map((m): [string, TreatmentMetricReport] => [
      m.key,
      { ...m.summaries[index], ...(m.plain[index - 1] ?? NOT_ESTIMABLE), cuped: m.cuped[index - 1] },
    ]);
    return { ...base, control: false, metrics: Object.fromEntries(entries) };
  });

  return {
    alpha: options.alpha,
    sequentialTuning: options.sequentialTuning,
    srm: srmTest(
      parsed.arms.map((a) => a.users),
      parsed.arms.map((a) => a.share),
    ),
    arms,
  };
}
