import type { LiftEstimate, ReportModel, ReportRow } from "@/lib/ui/report-model";

/** What each number of the report means: shown as the column headers' tooltips and in the legend. */
export const REPORT_TERMS = {
  users: "Distinct users the experiment assigned to the arm and served at least once.",
  mean:
    "Per-user mean of the metric over the experiment. ± is its standard error (about a third of a 95% " +
    "interval's half-width), not the lift's.",
  lift: "Relative difference of the arm's mean from the control's: (treatment − control) / control.",
  ci: "95% confidence interval of the lift. Green or red: it excludes 0 (significant at 5%).",
  pValue: "Two-sided p-value of the lift against no difference, for this comparison alone.",
  adjustedPValue:
    "p-value Holm-adjusted across the experiment's treatment arms, so that several treatments do not inflate " +
    "false positives. With one treatment it equals the p-value.",
  sequentialCi:
    "Always-valid 95% interval (mixture sequential test): stays valid however often you look, so it is safe to " +
    "check daily and stop early; wider than the fixed-horizon CI.",
  cuped:
    "CUPED: the same comparison after adjusting each user's value by their pre-period value (the covariate), " +
    "which removes pre-existing differences and narrows the interval without biasing the lift.",
  srm:
    "Sample ratio mismatch: a χ² test of the users per arm against the allocated split. p < 0.001 means " +
    "assignment or logging is broken.",
} as const;

/** The catalogue's name of a metric. */
export const label = (model: ReportModel, m: string) => model.labels[m]?.name ?? m;

export const explained = (term: keyof typeof REPORT_TERMS) => ({ description: REPORT_TERMS[term] });

/** The lift the report leads with: CUPED's when the toggle is on and it exists, else the plain one. */
export const shown = (r: ReportRow, cuped: boolean): LiftEstimate => (cuped && r.cuped ? r.cuped : r);

/** A chart axis tick as a percentage, without trailing zeros. */
export const axisPct = (v: number) => `${Number((v * 100).toFixed(2))}%`;
