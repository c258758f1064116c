/**
 * The launch gate's judgement of one treatment arm from its offline evaluation against the control
 * arm's policy (docs/experiments.md). Pure: the caller loads the evaluation and the metrics.
 *
 * An evaluation reports per-session rollout metrics; a catalogue metric is judged offline only
 * when it has a counterpart there (OFFLINE_METRIC). "Significantly worse" uses the paired relative
 * difference's 95% interval over evaluation seeds: the primary metric when the whole interval lies
 * on the harmful side of 0; a guardrail when it lies past the guardrail's allowed harm.
 */
import type { Interval } from "@/lib/stats/lift";
import { ciPct, signedPct } from "@/lib/ui/format";

/** Catalogue metric → the evaluate-policy rollout metric that predicts it. */
export const OFFLINE_METRIC: Readonly<Record<string, string>> = {
  valid_consumption: "validConsumption",
  duration: "durationSeconds",
  interactions: "interactions",
  session_depth: "depth",
};

export interface GateMetric {
  key: string;
  role: "primary" | "guardrail";
  direction: "higher" | "lower";
  /** Guardrails only (relative, e.g. 0.02). */
  allowedHarm: number | null;
}

export interface OfflineComparison {
  id: string;
  scenario: string;
  evaluatedAt: string;
  /** Paired relative difference (candidate / baseline − 1) per rollout metric. */
  relative: Record<string, { mean: number; ci: Interval }>;
}

export interface GateFinding {
  metric: string;
  role: "primary" | "guardrail";
  /** Null when the metric has no offline counterpart (not judged). */
  offlineMetric: string | null;
  lift: number | null;
  ci: Interval | null;
  allowedHarm: number | null;
  harmful: boolean;
}

export type GateStatus = "pass" | "harmful" | "missing" | "sameAsControl";

export interface ArmGate {
  arm: string;
  /** The version the arm serves (null: the built-in default action). */
  versionId: string | null;
  versionLabel: string;
  baseline: { versionId: string | null; label: string };
  status: GateStatus;
  evaluation: { id: string; scenario: string; evaluatedAt: string } | null;
  findings: GateFinding[];
  message: string;
}

export const describeFinding = (f: GateFinding) =>
  f.lift === null || f.ci === null
    ? `${f.metric}: not predicted offline`
    : `${f.metric} ${signedPct(f.lift)} ${ciPct(f.ci)}` +
      (f.role === "guardrail" ? ` (allowed harm ${signedPct(-(f.allowedHarm ?? 0))})` : "");

function finding(metric: GateMetric, comparison: OfflineComparison): GateFinding {
  const offlineMetric = OFFLINE_METRIC[metric.key] ?? null;
  const r = offlineMetric === null ? undefined : comparison.relative[offlineMetric];
  const base = { metric: metric.key, role: metric.role, allowedHarm: metric.allowedHarm };
  if (!r) return { ...base, offlineMetric: null, lift: null, ci: null, harmful: false };
  const margin = metric.role === "guardrail" ? (metric.allowedHarm ?? 0) : 0;
  const harmful = metric.direction === "higher" ? r.ci[1] < -margin : r.ci[0] > margin;
  return { ...base, offlineMetric, lift: r.mean, ci: r.ci, harmful };
}

export function judgeArm(input: {
  arm: string;
  versionId: string | null;
  versionLabel: string;
  baseline: { versionId: string | null; label: string };
  comparison: OfflineComparison | null;
  metrics: readonly GateMetric[];
}): ArmGate {
  const { arm, versionId, versionLabel, baseline, comparison, metrics } = input;
  const common = { arm, versionId, versionLabel, baseline };
  if (versionId === baseline.versionId)
    return {
      ...common,
      status: "sameAsControl",
      evaluation: null,
      findings: [],
      message: `arm "${arm}" serves the control's policy ${baseline.label}`,
    };
  if (comparison === null)
    return {
      ...common,
      status: "missing",
      evaluation: null,
      findings: [],
      message:
        `arm "${arm}" has no completed offline evaluation of ${versionLabel} against the control's policy ` +
        `${baseline.label}: run evaluate-policy with policyVersionId ${versionId ?? "(built-in default)"}` +
        (baseline.versionId ? ` and baselineVersionId ${baseline.versionId}` : ""),
    };
  const findings = metrics.map((m) => finding(m, comparison));
  const harmful = findings.filter((f) => f.harmful);
  const evaluation = { id: comparison.id, scenario: comparison.scenario, evaluatedAt: comparison.evaluatedAt };
  return harmful.length
    ? {
        ...common,
        status: "harmful",
        evaluation,
        findings,
        message:
          `arm "${arm}" (${versionLabel}) is significantly worse offline than the ` +
          `control's ${baseline.label}: ${harmful.map(describeFinding).join("; ")}`,
      }
    : {
        ...common,
        status: "pass",
        evaluation,
        findings,
        message: `arm "${arm}" (${versionLabel}) passes offline against ${baseline.label}`,
      };
}
