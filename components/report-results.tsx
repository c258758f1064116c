"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import { useNarrowScreen } from "@/components/use-narrow-screen";
import { ciPct, GUARDRAIL_LABELS, int, num, pValue, signedPct } from "@/lib/ui/format";
import type { ReportModel, ReportRow } from "@/lib/ui/report-model";

import { explained, label, REPORT_TERMS, shown } from "@/components/report-terms";
import { LiftCharts } from "@/components/lift-charts";

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
