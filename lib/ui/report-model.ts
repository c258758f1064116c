import type { ExperimentReportView } from "@/lib/reports/build-report";
import { daysLeft, type ArmVerdict, type VerdictReport } from "@/lib/stats";
import { liftTone as intervalTone } from "@/lib/ui/format";

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
  /** Both this arm and the control have the minimum users: else no interval is shown. */
  enoughData: boolean;
  /** How the lift is coloured: by the verdict for primary metrics and guardrails, else by the deciding interval. */
  tone: Tone;
}

export type Tone = ReturnType<typeof intervalTone>;

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
  /** Per treatment: the verdict and the tests behind it (lib/stats/verdict.ts). */
  verdicts: ArmVerdict[];
  plan: VerdictReport["plan"];
  minUsersPerArm: number;
  /** Users so far, the planned total and the estimated days until it is reached (null: no plan or no traffic). */
  progress: { users: number; plannedUsers: number | null; daysLeft: number | null };
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

/**
 * Colour of a treatment's lift: the verdict decides for the primary metric (ship ↑, don't ship ↓) and
 * guardrails (fail ↓); other metrics are descriptive and coloured by the interval the plan reads —
 * the always-valid one (sequential), the fixed-horizon one only once the planned users are in.
 */
function liftTone(r: ExperimentReportView, metric: string, arm: string, ci: Cmp | null | undefined): Tone {
  const v = r.verdict.arms.find((a) => a.arm === arm);
  const primary = v?.primary.find((p) => p.metric === metric);
  if (primary) return primary.verdict === "ship" ? "up" : primary.verdict === "dontShip" ? "down" : "flat";
  const guardrail = v?.guardrails.find((g) => g.metric === metric);
  if (guardrail) return guardrail.status === "fail" ? "down" : "flat";
  const down = r.definitions[metric]?.direction === "lower";
  const plan = r.verdict.plan;
  const reached = plan.kind === "sequential" || r.verdict.progress.users >= (plan.plannedUsers ?? Infinity);
  const tone = reached ? intervalTone(plan.kind === "sequential" ? ci?.sequential?.ci : ci?.ci) : "flat";
  // For a lower-is-better metric a fall is the good direction.
  return down && tone !== "flat" ? (tone === "up" ? "down" : "up") : tone;
}

export function reportModel(r: ExperimentReportView): ReportModel {
  const min = r.experiment.minUsersPerArm;
  const controlUsers = r.arms.find((a) => a.control)?.users ?? 0;
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
          enoughData: a.users >= min && controlUsers >= min,
          tone: a.control ? "flat" : liftTone(r, m, a.key, s?.cuped ?? s),
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
    verdicts: r.verdict.arms,
    plan: r.verdict.plan,
    minUsersPerArm: min,
    progress: { ...r.verdict.progress, daysLeft: plannedDaysLeft(r, series[r.experiment.primaryMetric] ?? []) },
    cuped: r.cuped,
    users: r.arms.reduce((s, a) => s + a.users, 0),
    srm: { ok: r.srm.ok, pValue: r.srm.pValue, expected: r.srm.expected },
    arms: r.arms.map((a) => ({ key: a.key, control: a.control, users: a.users, share: a.share })),
    rows,
    series,
  };
}

/** Days to the planned users at the average daily intake of new users so far. */
function plannedDaysLeft(r: ExperimentReportView, days: readonly unknown[]): number | null {
  const { users, plannedUsers } = r.verdict.progress;
  if (plannedUsers === null) return null;
  return daysLeft(users, plannedUsers, days.length > 0 ? users / days.length : null);
}
