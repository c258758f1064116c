import { stringify } from "csv-stringify/sync";
import type { ExperimentReportView } from "@/lib/reports/build-report";
import type { ArmVerdict } from "@/lib/stats";

type Comparison = {
  mean?: number | null;
  meanSe?: number | null;
  lift?: number | null;
  ci?: [number, number] | null;
  pValue?: number | null;
  adjustedPValue?: number | null;
  sequential?: { ci: [number, number] } | null;
  cuped?: Comparison | null;
};

const COLUMNS = [
  "metric",
  "role",
  "arm",
  "control",
  "users",
  "mean",
  "mean_se",
  "lift",
  "ci_low",
  "ci_high",
  "p_value",
  "holm_p_value",
  "always_valid_low",
  "always_valid_high",
  "cuped_lift",
  "cuped_ci_low",
  "cuped_ci_high",
  "verdict",
  "guardrail_status",
  "deciding_interval_low",
  "deciding_interval_high",
] as const;

/** A metric's decision for one treatment arm: the primary verdict or the guardrail status, and its interval. */
function decisionOf(verdicts: readonly ArmVerdict[], arm: string, metric: string) {
  const v = verdicts.find((a) => a.arm === arm);
  const primary = v?.primary.find((p) => p.metric === metric);
  const guardrail = v?.guardrails.find((g) => g.metric === metric);
  const interval = (primary ?? guardrail)?.interval?.relative ?? null;
  return { verdict: primary?.verdict ?? "", guardrail: guardrail?.status ?? "", interval };
}

/**
 * The report as CSV: one row per metric and arm with the estimates of the JSON report, the verdict
 * (primary metric) or non-inferiority status (guardrail) and the interval that decided it. Empty
 * cells: not applicable (the control) or not estimable.
 */
export function reportCsv(report: ExperimentReportView): string {
  const { primaryMetric, guardrailMetrics } = report.experiment;
  const rows = report.metrics.flatMap((metric) =>
    report.arms.map((a) => {
      const m = (a.metrics[metric] ?? {}) as Comparison;
      const d = decisionOf(report.verdict.arms, a.key, metric);
      const role = metric === primaryMetric ? "primary" : guardrailMetrics.includes(metric) ? "guardrail" : "secondary";
      return [
        metric,
        role,
        a.key,
        a.control,
        a.users,
        m.mean,
        m.meanSe,
        m.lift,
        m.ci?.[0],
        m.ci?.[1],
        m.pValue,
        m.adjustedPValue,
        m.sequential?.ci[0],
        m.sequential?.ci[1],
        m.cuped?.lift,
        m.cuped?.ci?.[0],
        m.cuped?.ci?.[1],
        d.verdict,
        d.guardrail,
        d.interval?.[0],
        d.interval?.[1],
      ];
    }),
  );
  return stringify(rows, { header: true, columns: [...COLUMNS], cast: { boolean: (b) => String(b) } });
}

/** File name of a downloaded report: the experiment key and the time of the download. */
export const reportFileName = (experimentKey: string, extension: "csv" | "json", at = new Date()) =>
  `${experimentKey}-report-${at.toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${extension}`;
