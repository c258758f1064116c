"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import {
  Area,
  Bar,
  CartesianGrid,
  Cell,
  ComposedChart,
  ErrorBar,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { PALETTE } from "@/components/bucket-bar";
import { DataTable } from "@/components/data-table";
import { useNarrowScreen } from "@/components/use-narrow-screen";
import { symmetricTicks } from "@/lib/ui/chart-ticks";
import { ciPct, count, duration, GUARDRAIL_LABELS, int, num, pct, pValue, signedPct } from "@/lib/ui/format";
import type { LiftEstimate, ReportModel, ReportRow } from "@/lib/ui/report-model";

/** What each number of the report means: shown as the column headers' tooltips and in the legend. */
export const REPORT_TERMS = {
  users: "Distinct users the experiment assigned to the arm and served at least once.",
  mean: "Per-user mean of the metric over the experiment. ± is its standard error (about a third of a 95% interval's half-width), not the lift's.",
  lift: "Relative difference of the arm's mean from the control's: (treatment − control) / control.",
  ci: "95% confidence interval of the lift. Green or red: it excludes 0 (significant at 5%).",
  pValue: "Two-sided p-value of the lift against no difference, for this comparison alone.",
  adjustedPValue:
    "p-value Holm-adjusted across the experiment's treatment arms, so that several treatments do not inflate false positives. With one treatment it equals the p-value.",
  sequentialCi:
    "Always-valid 95% interval (mixture sequential test): stays valid however often you look, so it is safe to check daily and stop early; wider than the fixed-horizon CI.",
  cuped:
    "CUPED: the same comparison after adjusting each user's value by their pre-period value (the covariate), which removes pre-existing differences and narrows the interval without biasing the lift.",
  srm: "Sample ratio mismatch: a χ² test of the users per arm against the allocated split. p < 0.001 means assignment or logging is broken.",
} as const;

/** The catalogue's name of a metric. */
const label = (model: ReportModel, m: string) => model.labels[m]?.name ?? m;

const explained = (term: keyof typeof REPORT_TERMS) => ({ description: REPORT_TERMS[term] });

/** The lift the report leads with: CUPED's when the toggle is on and it exists, else the plain one. */
const shown = (r: ReportRow, cuped: boolean): LiftEstimate => (cuped && r.cuped ? r.cuped : r);

const rowColumns = (cuped: boolean): ColumnDef<ReportRow, unknown>[] => [
  {
    accessorKey: "arm",
    header: "Arm",
    cell: ({ row }) => (
      <span>
        <strong>{row.original.arm}</strong>
        {row.original.control && <span className="badge">control</span>}
      </span>
    ),
  },
  { accessorKey: "users", header: "Users", meta: explained("users"), cell: ({ row }) => int(row.original.users) },
  {
    accessorKey: "mean",
    header: "Mean ± SE",
    meta: explained("mean"),
    cell: ({ row }) => (
      <span>
        {num(row.original.mean)}
        {row.original.meanSe !== null && <span className="muted small"> ± {num(row.original.meanSe)}</span>}
      </span>
    ),
  },
  {
    id: "lift",
    header: cuped ? "Lift (CUPED)" : "Lift",
    meta: explained(cuped ? "cuped" : "lift"),
    accessorFn: (r) => shown(r, cuped).lift,
    cell: ({ row }) => {
      if (row.original.control) return <span className="muted">baseline</span>;
      if (!row.original.enoughData) return <span className="muted">not enough data</span>;
      const e = shown(row.original, cuped);
      return <span className={`lift lift-${row.original.tone}`}>{signedPct(e.lift, 2)}</span>;
    },
  },
  {
    id: "ci",
    header: "95% CI",
    meta: explained("ci"),
    accessorFn: (r) => shown(r, cuped).ci?.[0] ?? null,
    cell: ({ row }) =>
      row.original.control || !row.original.enoughData ? "—" : ciPct(shown(row.original, cuped).ci, 2),
  },
  {
    id: "pValue",
    header: "p-value",
    meta: explained("pValue"),
    accessorFn: (r) => shown(r, cuped).pValue,
    cell: ({ row }) =>
      row.original.control || !row.original.enoughData ? "—" : pValue(shown(row.original, cuped).pValue),
  },
  {
    id: "adjustedPValue",
    header: "Holm-adjusted p",
    meta: explained("adjustedPValue"),
    accessorFn: (r) => shown(r, cuped).adjustedPValue,
    cell: ({ row }) =>
      row.original.control || !row.original.enoughData ? "—" : pValue(shown(row.original, cuped).adjustedPValue),
  },
  {
    id: "sequential",
    header: "Always-valid CI",
    meta: explained("sequentialCi"),
    accessorFn: (r) => shown(r, cuped).sequentialCi?.[0] ?? null,
    cell: ({ row }) =>
      row.original.control || !row.original.enoughData ? "—" : ciPct(shown(row.original, cuped).sequentialCi, 2),
  },
];

/** The legend of every number in the report, metric definitions included. */
function ReportLegend({ model, cuped }: { model: ReportModel; cuped: boolean }) {
  return (
    <details className="legend">
      <summary>How to read these numbers</summary>
      <dl className="facts">
        <dt>Users</dt>
        <dd>{REPORT_TERMS.users}</dd>
        <dt>Mean ± SE</dt>
        <dd>{REPORT_TERMS.mean}</dd>
        <dt>Lift</dt>
        <dd>
          {REPORT_TERMS.lift} {cuped ? "Shown CUPED-adjusted (toggle above); " : ""}
          {model.cuped ? REPORT_TERMS.cuped : "No pre-period data, so no CUPED adjustment."}
        </dd>
        <dt>95% CI</dt>
        <dd>{REPORT_TERMS.ci}</dd>
        <dt>p-value</dt>
        <dd>{REPORT_TERMS.pValue}</dd>
        <dt>Holm-adjusted p</dt>
        <dd>{REPORT_TERMS.adjustedPValue}</dd>
        <dt>Always-valid CI</dt>
        <dd>{REPORT_TERMS.sequentialCi}</dd>
        <dt>SRM</dt>
        <dd>{REPORT_TERMS.srm}</dd>
        {model.metrics.map((m) => (
          <div key={m} className="fact-pair">
            <dt>{label(model, m)}</dt>
            <dd>
              {model.labels[m]?.description || label(model, m)}{" "}
              {model.labels[m]?.direction === "lower" ? "Lower is better." : ""}
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/**
 * The results: per metric a table of arms and a lift chart, one lift per metric — CUPED's by default
 * when the experiment has a pre-period (it is the more precise estimate of the same lift), the plain
 * one with the toggle off.
 */
export function ReportResults({ model }: { model: ReportModel }) {
  const [cuped, setCuped] = useState(model.cuped);
  const narrow = useNarrowScreen();
  const columns = rowColumns(cuped);
  return (
    <>
      <div className="row report-controls">
        {model.cuped ? (
          <label className="check">
            <input type="checkbox" checked={cuped} onChange={(e) => setCuped(e.target.checked)} /> CUPED (adjust for
            each user&apos;s pre-period)
          </label>
        ) : (
          <span className="muted small">No pre-period data: lifts are unadjusted.</span>
        )}
        <ReportLegend model={model} cuped={cuped} />
      </div>
      <div className="report-tables">
        {model.metrics.map((m) => (
          <details
            key={m}
            className="metric-block"
            open={!narrow || m === model.primaryMetric}
            aria-label={`${label(model, m)} results`}
          >
            <summary>
              <h3>
                {label(model, m)}{" "}
                {m === model.primaryMetric ? (
                  <span className="badge status-running">primary</span>
                ) : model.guardrails.includes(m) ? (
                  <span className="badge">guardrail</span>
                ) : null}{" "}
                {model.verdicts.flatMap((v) =>
                  v.guardrails
                    .filter((g) => g.metric === m)
                    .map((g) => (
                      <span key={v.arm} className={`badge guardrail-${g.status}`} title={g.reason}>
                        {v.arm}: {GUARDRAIL_LABELS[g.status]}
                      </span>
                    )),
                )}
              </h3>
            </summary>
            <p className="muted small">
              {model.labels[m]?.description ?? ""} {model.labels[m]?.direction === "lower" ? "Lower is better." : ""}
            </p>
            <DataTable
              label={`${label(model, m)} by arm`}
              data={model.rows[m]}
              columns={columns}
              empty={<p>No arms.</p>}
            />
          </details>
        ))}
      </div>
      <h3>Lift with 95% CI{cuped ? " (CUPED)" : ""}</h3>
      <LiftCharts model={model} cuped={cuped} narrow={narrow} />
    </>
  );
}

const axisPct = (v: number) => `${Number((v * 100).toFixed(2))}%`;

/** One chart per metric: each treatment's relative lift as a bar with its 95% CI as error bar. */
function LiftCharts({ model, cuped, narrow }: { model: ReportModel; cuped: boolean; narrow: boolean }) {
  const treatments = model.arms.filter((a) => !a.control);
  // A phone shows the primary metric's chart; the others' lifts are in their tables.
  const charted = narrow ? [model.primaryMetric] : model.metrics;
  return (
    <div className="chart-grid">
      {charted.map((m) => {
        const data = model.rows[m]
          .filter((r) => !r.control && r.enoughData)
          .map((r) => {
            const e = shown(r, cuped);
            return {
              arm: r.arm,
              lift: e.lift ?? 0,
              err: e.ci && e.lift !== null ? [e.lift - e.ci[0], e.ci[1] - e.lift] : [0, 0],
              ci: e.ci,
              estimable: e.lift !== null,
              tone: r.tone,
            };
          });
        if (data.length === 0)
          return (
            <figure key={m} className="chart-card" aria-label={`Lift with 95% CI: ${label(model, m)}`}>
              <figcaption>
                {label(model, m)}: not enough data yet (at least {int(model.minUsersPerArm)} users per arm)
              </figcaption>
            </figure>
          );
        const ticks = symmetricTicks(
          Math.max(0.01, ...data.flatMap((d) => (d.ci ? [Math.abs(d.ci[0]), Math.abs(d.ci[1])] : [Math.abs(d.lift)]))),
        );
        return (
          <figure key={m} className="chart-card" aria-label={`Lift with 95% CI: ${label(model, m)}`}>
            <figcaption>
              {label(model, m)}:{" "}
              {data
                .map(
                  (d) =>
                    `${treatments.length > 1 ? `${d.arm} ` : ""}${d.estimable ? `${signedPct(d.lift)} ${ciPct(d.ci)}` : "not estimable"}`,
                )
                .join(" · ")}
            </figcaption>
            <ResponsiveContainer
              width="100%"
              height={60 + 44 * data.length}
              initialDimension={{ width: 320, height: 60 + 44 * data.length }}
            >
              <ComposedChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                <CartesianGrid horizontal={false} strokeDasharray="3 3" />
                <XAxis
                  type="number"
                  domain={[ticks[0], ticks[ticks.length - 1]]}
                  ticks={ticks}
                  interval={0}
                  tickFormatter={axisPct}
                  fontSize={11}
                />
                <YAxis type="category" dataKey="arm" width={80} fontSize={11} />
                <ReferenceLine x={0} stroke="#5d6677" />
                <Tooltip
                  formatter={(_v, _n, item) => [
                    `${signedPct(item.payload.lift, 2)} ${ciPct(item.payload.ci, 2)}`,
                    "lift, 95% CI",
                  ]}
                />
                <Bar dataKey="lift" barSize={18} isAnimationActive={false}>
                  {data.map((d) => (
                    <Cell key={d.arm} fill={d.tone === "up" ? "#2b8a3e" : d.tone === "down" ? "#c92a2a" : "#94a3b8"} />
                  ))}
                  <ErrorBar dataKey="err" direction="x" width={8} stroke="#1c2230" />
                </Bar>
              </ComposedChart>
            </ResponsiveContainer>
          </figure>
        );
      })}
    </div>
  );
}

/** Cumulative lift by day for one metric at a time, with the always-valid interval as a band. */
export function CumulativeLiftChart({ model }: { model: ReportModel }) {
  const [metric, setMetric] = useState(model.primaryMetric);
  const series = model.series[metric] ?? [];
  const treatments = model.arms.filter((a) => !a.control).map((a) => a.key);
  const data = series.map((p) => {
    const row: Record<string, unknown> = { date: p.date };
    for (const t of treatments) {
      const c = p.arms[t];
      row[`${t}.lift`] = c?.lift ?? null;
      const band = c ? (c.sequentialCi ?? c.ci) : null;
      row[`${t}.band`] = band;
      row[`${t}.err`] = c && band ? [c.lift - band[0], band[1] - c.lift] : null;
    }
    return row;
  });
  const last = series[series.length - 1];
  return (
    <div className="chart-card">
      <div className="section-head">
        <label className="inline-label">
          Metric
          <select value={metric} onChange={(e) => setMetric(e.target.value)}>
            {model.metrics.map((m) => (
              <option key={m} value={m}>
                {label(model, m)}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          {data.length === 1 ? "Whiskers" : data.length < 3 ? "Band and whiskers" : "Shaded band"}: always-valid 95%
          interval — safe to read every day. Lift without CUPED (daily pre-period adjustment is not computed).
        </span>
      </div>
      {data.length === 0 ? (
        <p className="muted">No days with traffic yet.</p>
      ) : series.every((p) => treatments.every((t) => p.arms[t] === null)) ? (
        <p className="muted">
          Not enough data yet: a day&apos;s lift is drawn once both arms have {int(model.minUsersPerArm)} users.
        </p>
      ) : (
        <figure aria-label={`Cumulative lift over time: ${label(model, metric)}`}>
          <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 320, height: 260 }}>
            <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="date" fontSize={11} />
              <YAxis tickFormatter={axisPct} fontSize={11} width={52} />
              <ReferenceLine y={0} stroke="#5d6677" />
              <Tooltip
                formatter={(v) => (Array.isArray(v) ? ciPct(v as [number, number]) : signedPct(v as number, 2))}
              />
              <Legend />
              {treatments.map((t, i) => (
                <Area
                  key={`${t}.band`}
                  dataKey={`${t}.band`}
                  name={`${t} interval`}
                  stroke="none"
                  fill={PALETTE[(i + 1) % PALETTE.length]}
                  fillOpacity={0.15}
                  isAnimationActive={false}
                  legendType="none"
                  dot={false}
                  activeDot={false}
                />
              ))}
              {treatments.map((t, i) => (
                <Line
                  key={`${t}.lift`}
                  dataKey={`${t}.lift`}
                  name={`${t} lift`}
                  stroke={PALETTE[(i + 1) % PALETTE.length]}
                  strokeWidth={2}
                  dot={{ r: 3 }}
                  isAnimationActive={false}
                  connectNulls
                >
                  {/* With a day or two an area has no width: show the interval as whiskers too. */}
                  {data.length < 3 && (
                    <ErrorBar
                      dataKey={`${t}.err`}
                      direction="y"
                      width={10}
                      stroke={PALETTE[(i + 1) % PALETTE.length]}
                    />
                  )}
                </Line>
              ))}
            </ComposedChart>
          </ResponsiveContainer>
          {last && (
            <figcaption className="muted small">
              {data.length === 1 ? "One day of traffic so far. " : ""}As of {last.date}:{" "}
              {treatments
                .map((t) => {
                  const c = last.arms[t];
                  return `${t} ${c ? `${signedPct(c.lift)} ${ciPct(c.sequentialCi ?? c.ci)}` : "not enough data or not estimable"}`;
                })
                .join(" · ")}
            </figcaption>
          )}
        </figure>
      )}
    </div>
  );
}

export function SrmBanner({ model }: { model: ReportModel }) {
  if (model.srm.ok || model.users === 0) return null;
  return (
    <div className="banner banner-danger" role="alert">
      <strong>Sample ratio mismatch.</strong> The users per arm (
      {model.arms.map((a, i) => `${a.key} ${int(a.users)}, expected ${int(model.srm.expected[i])}`).join("; ")}) are off
      the allocated split (χ² p = {pValue(model.srm.pValue)} &lt; 0.001). Assignment or logging is broken somewhere: do
      not trust these lifts until the cause is found.
    </div>
  );
}

/** The report's header: who is in it, how long it has run, and the primary metric's lift (the verdict is above it). */
export function ReportSummary({
  model,
  reach,
  startedAt,
  stoppedAt,
}: {
  model: ReportModel;
  reach: { inside: number; outside: number } | null;
  startedAt: string | null;
  stoppedAt: string | null;
}) {
  const end = stoppedAt ?? model.generatedAt;
  const runningMs = startedAt ? Date.parse(end) - Date.parse(startedAt) : null;
  const trafficDays = (model.series[model.primaryMetric] ?? []).length;
  const primary = model.rows[model.primaryMetric]?.filter((r) => !r.control) ?? [];
  const controlUsers = model.arms.find((a) => a.control)?.users ?? 0;
  return (
    <section className="stats report-summary" aria-label="Report summary">
      <div className="stat card">
        <span className="stat-value" title={REPORT_TERMS.users}>
          {int(model.users)}
        </span>
        <span className="muted">users in the experiment</span>
      </div>
      {reach && (
        <div className="stat card">
          <span className="stat-value">{int(reach.outside)}</span>
          <span
            className="muted"
            title="Distinct users the platform served while the experiment ran who were not in it: outside its layer buckets or coverage, or held by another layer's experiment. They are not in the comparison."
          >
            users served outside it
          </span>
        </div>
      )}
      <div className="stat card">
        <span className="stat-value">{duration(runningMs)}</span>
        <span className="muted">
          {stoppedAt ? "ran" : "running"} · traffic on {trafficDays} {trafficDays === 1 ? "day" : "days"}
        </span>
      </div>
      {primary.map((r) => {
        const e = shown(r, true);
        return (
          <div key={r.arm} className="stat card">
            <span className={`stat-value lift lift-${r.tone}`}>
              {r.enoughData
                ? signedPct(e.lift, 1)
                : `${int(Math.min(r.users, controlUsers))} / ${int(model.minUsersPerArm)}`}
            </span>
            <span
              className="muted"
              title={`${REPORT_TERMS.lift} ${REPORT_TERMS.ci}${r.cuped ? ` ${REPORT_TERMS.cuped}` : ""}`}
            >
              {r.enoughData
                ? `${label(model, model.primaryMetric)} lift${primary.length > 1 ? ` of ${r.arm}` : ""}${r.cuped ? " (CUPED)" : ""}, 95% CI ${ciPct(e.ci)}`
                : `users${primary.length > 1 ? ` of ${r.arm}` : ""} toward the minimum per arm: no lift shown yet`}
            </span>
          </div>
        );
      })}
    </section>
  );
}

export function ArmSplit({ model }: { model: ReportModel }) {
  return (
    <p className="muted small">
      {count(model.users, "user")} ·{" "}
      {model.arms
        .map(
          (a) =>
            `${a.key} ${int(a.users)} (${pct(model.users ? a.users / model.users : 0, 1)} vs ${pct(a.share, 1)} allocated)`,
        )
        .join(" · ")}{" "}
      · SRM {model.srm.ok ? "ok" : "mismatch"} (p = {pValue(model.srm.pValue)})
    </p>
  );
}
