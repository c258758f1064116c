import type { ExperimentReportView } from "@/lib/reports/build-report";
import type { GuardrailStatus } from "@/lib/reports/guardrail-status";

/**
 * The uplift report reduced to what the experiment page shows, as plain JSON for client components:
 * one row per arm and metric, and per metric the cumulative lift series of each treatment.
 */
/** A treatment's comparison with the control: relative lift, its 95% CI, p-values, always-valid CI. */
export interface LiftEstimate {
  lift: number | null;
  ci: [number, number] | null;
  pValue: number | null;
  /** Holm-adjusted across the experiment's treatment arms. */
  adjustedPValue: number | null;
  sequentialCi: [number, number] | null;
}

export interface ReportRow extends LiftEstimate {
  arm: string;
  control: boolean;
  users: number;
  share: number;
  mean: number | null;
  meanSe: number | null;
  /** The same comparison on CUPED-adjusted values (pre-period covariate); null without one. */
  cuped: LiftEstimate | null;
}

export interface SeriesPoint {
  date: string;
  arms: Record<string, { lift: number; ci: [number, number]; sequentialCi: [number, number] | null } | null>;
}

export interface ReportModel {
  generatedAt: string;
  primaryMetric: string;
  guardrails: string[];
  metrics: string[];
  /** Name, description and direction of each metric, from the catalogue. */
  labels: Record<string, { name: string; description: string; direction: "higher" | "lower" }>;
  /** Per guardrail metric, per treatment arm: its verdict against the allowed harm. */
  guardrailStatus: Record<string, Record<string, GuardrailStatus>>;
  cuped: boolean;
  users: number;
  srm: { ok: boolean; pValue: number; expected: number[] };
  arms: { key: string; control: boolean; users: number; share: number }[];
  rows: Record<string, ReportRow[]>;
  series: Record<string, SeriesPoint[]>;
}

type Cmp = {
  lift?: number | null;
  ci?: [number, number] | null;
  pValue?: number | null;
  adjustedPValue?: number | null;
  sequential?: { ci: [number, number] } | null;
  cuped?: Cmp | null;
};

const estimateOf = (c: Cmp | null | undefined): LiftEstimate => ({
  lift: c?.lift ?? null,
  ci: c?.ci ?? null,
  pValue: c?.pValue ?? null,
  adjustedPValue: c?.adjustedPValue ?? null,
  sequentialCi: c?.sequential?.ci ?? null,
});

export function reportModel(r: ExperimentReportView): ReportModel {
  const order = [r.experiment.primaryMetric, ...r.experiment.guardrailMetrics, ...r.metrics];
  const metrics = [...new Set(order)].filter((m) => r.metrics.includes(m));
  const rows = Object.fromEntries(
    metrics.map((m) => [
      m,
      r.arms.map((a): ReportRow => {
        const s = a.metrics[m] as { mean: number | null; meanSe: number | null } & Cmp;
        return {
          arm: a.key,
          control: a.control,
          users: a.users,
          share: a.share,
          mean: s?.mean ?? null,
          meanSe: s?.meanSe ?? null,
          ...estimateOf(a.control ? null : s),
          cuped: a.control || !s?.cuped ? null : estimateOf(s.cuped),
        };
      }),
    ]),
  );
  const series = Object.fromEntries(
    metrics.map((m) => [
      m,
      ((r.series as Record<string, { date: string; arms: Record<string, Cmp | null> }[]>)[m] ?? []).map((p) => ({
        date: p.date,
        arms: Object.fromEntries(
          Object.entries(p.arms).map(([arm, c]) => [
            arm,
            c && typeof c.lift === "number" && c.ci
              ? { lift: c.lift, ci: c.ci, sequentialCi: c.sequential?.ci ?? null }
              : null,
          ]),
        ),
      })),
    ]),
  );
  return {
    generatedAt: r.generatedAt,
    primaryMetric: r.experiment.primaryMetric,
    guardrails: r.experiment.guardrailMetrics,
    metrics,
    labels: Object.fromEntries(
      metrics.map((m) => [
        m,
        {
          name: r.definitions[m].name,
          description: r.definitions[m].description,
          direction: r.definitions[m].direction,
        },
      ]),
    ),
    guardrailStatus: r.guardrails.reduce<Record<string, Record<string, GuardrailStatus>>>(
      (acc, g) => ({ ...acc, [g.metric]: { ...acc[g.metric], [g.arm]: g.status } }),
      {},
    ),
    cuped: r.cuped,
    users: r.arms.reduce((s, a) => s + a.users, 0),
    srm: { ok: r.srm.ok, pValue: r.srm.pValue, expected: r.srm.expected },
    arms: r.arms.map((a) => ({ key: a.key, control: a.control, users: a.users, share: a.share })),
    rows,
    series,
  };
}
