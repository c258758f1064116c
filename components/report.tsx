"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { Area, Bar, CartesianGrid, Cell, ComposedChart, ErrorBar, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { LiftWithCi } from "@/components/badges";
import { PALETTE } from "@/components/bucket-bar";
import { DataTable } from "@/components/data-table";
import { ciPct, int, liftTone, num, pct, pValue, signedPct } from "@/lib/ui/format";
import type { ReportModel, ReportRow } from "@/lib/ui/report-model";

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
  { accessorKey: "users", header: "Users", cell: ({ row }) => int(row.original.users) },
  {
    accessorKey: "mean",
    header: "Mean",
    cell: ({ row }) => (
      <span>
        {num(row.original.mean)}
        {row.original.meanSe !== null && <span className="muted small"> ± {num(row.original.meanSe)}</span>}
      </span>
    ),
  },
  { accessorKey: "lift", header: "Lift", cell: ({ row }) => (row.original.control ? <span className="muted">baseline</span> : <span className={`lift lift-${liftTone(row.original.ci)}`}>{signedPct(row.original.lift, 2)}</span>) },
  { id: "ci", header: "95% CI", accessorFn: (r) => r.ci?.[0] ?? null, cell: ({ row }) => (row.original.control ? "—" : ciPct(row.original.ci, 2)) },
  {
    accessorKey: "pValue",
    header: "p-value",
    cell: ({ row }) =>
      row.original.control ? (
        "—"
      ) : (
        <span title="Holm-adjusted across treatment arms in brackets">
          {pValue(row.original.pValue)}
          {row.original.adjustedPValue !== null && row.original.adjustedPValue !== row.original.pValue && <span className="muted small"> (adj. {pValue(row.original.adjustedPValue)})</span>}
        </span>
      ),
  },
  {
    id: "sequential",
    header: "Always-valid CI",
    accessorFn: (r) => r.sequentialCi?.[0] ?? null,
    cell: ({ row }) => (row.original.control ? "—" : ciPct(row.original.sequentialCi, 2)),
  },
  ...(cuped
    ? [
        {
          id: "cuped",
          header: "CUPED lift",
          accessorFn: (r: ReportRow) => r.cupedLift,
          cell: ({ row }: { row: { original: ReportRow } }) => (row.original.control ? "—" : row.original.cupedLift === null ? <span className="muted">n/a</span> : <LiftWithCi lift={row.original.cupedLift} ci={row.original.cupedCi} compact />),
        } satisfies ColumnDef<ReportRow, unknown>,
      ]
    : []),
];

/** The catalogue's name of a metric. */
const label = (model: ReportModel, m: string) => model.labels[m]?.name ?? m;

/** Per metric: a table of arms (users, mean, lift, 95% CI, p, always-valid CI, CUPED lift). */
export function ReportTables({ model }: { model: ReportModel }) {
  const columns = rowColumns(model.cuped);
  return (
    <div className="report-tables">
      {model.metrics.map((m) => (
        <section key={m} className="metric-block" aria-label={`${label(model, m)} results`}>
          <h3>
            {label(model, m)} {m === model.primaryMetric ? <span className="badge status-running">primary</span> : model.guardrails.includes(m) ? <span className="badge">guardrail</span> : null}{" "}
            {Object.entries(model.guardrailStatus[m] ?? {}).map(([arm, status]) => (
              <span key={arm} className={`badge guardrail-${status.replace(" ", "-")}`}>
                {arm}: {status}
              </span>
            ))}
          </h3>
          {model.labels[m]?.description && (
            <p className="muted small">
              {model.labels[m].description} {model.labels[m].direction === "lower" ? "Lower is better." : ""}
            </p>
          )}
          <DataTable label={`${label(model, m)} by arm`} data={model.rows[m]} columns={columns} empty={<p>No arms.</p>} />
        </section>
      ))}
    </div>
  );
}

const axisPct = (v: number) => `${(v * 100).toFixed(Math.abs(v) < 0.1 ? 1 : 0)}%`;

/** One chart per metric: each treatment's relative lift as a bar with its 95% CI as error bar. */
export function LiftCharts({ model }: { model: ReportModel }) {
  const treatments = model.arms.filter((a) => !a.control);
  return (
    <div className="chart-grid">
      {model.metrics.map((m) => {
        const data = model.rows[m]
          .filter((r) => !r.control)
          .map((r) => ({ arm: r.arm, lift: r.lift ?? 0, err: r.ci && r.lift !== null ? [r.lift - r.ci[0], r.ci[1] - r.lift] : [0, 0], ci: r.ci, estimable: r.lift !== null }));
        const extent = Math.max(0.01, ...data.flatMap((d) => (d.ci ? [Math.abs(d.ci[0]), Math.abs(d.ci[1])] : [Math.abs(d.lift)])));
        return (
          <figure key={m} className="chart-card" aria-label={`Lift with 95% CI: ${label(model, m)}`}>
            <figcaption>
              {label(model, m)}: {data.map((d) => `${treatments.length > 1 ? `${d.arm} ` : ""}${d.estimable ? `${signedPct(d.lift)} ${ciPct(d.ci)}` : "not estimable"}`).join(" · ")}
            </figcaption>
            <ResponsiveContainer width="100%" height={60 + 44 * data.length} initialDimension={{ width: 320, height: 60 + 44 * data.length }}>
              <ComposedChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                <CartesianGrid horizontal={false} strokeDasharray="3 3" />
                <XAxis type="number" domain={[-extent * 1.15, extent * 1.15]} tickFormatter={axisPct} fontSize={11} />
                <YAxis type="category" dataKey="arm" width={80} fontSize={11} />
                <ReferenceLine x={0} stroke="#5d6677" />
                <Tooltip formatter={(_v, _n, item) => [`${signedPct(item.payload.lift, 2)} ${ciPct(item.payload.ci, 2)}`, "lift, 95% CI"]} />
                <Bar dataKey="lift" barSize={18} isAnimationActive={false}>
                  {data.map((d) => (
                    <Cell key={d.arm} fill={liftTone(d.ci) === "up" ? "#2b8a3e" : liftTone(d.ci) === "down" ? "#c92a2a" : "#94a3b8"} />
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
        <span className="muted small">Shaded: always-valid 95% interval — safe to read every day.</span>
      </div>
      {data.length === 0 ? (
        <p className="muted">No days with traffic yet.</p>
      ) : (
        <figure aria-label={`Cumulative lift over time: ${label(model, metric)}`}>
          <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 320, height: 260 }}>
            <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="date" fontSize={11} />
              <YAxis tickFormatter={axisPct} fontSize={11} width={52} />
              <ReferenceLine y={0} stroke="#5d6677" />
              <Tooltip formatter={(v) => (Array.isArray(v) ? ciPct(v as [number, number]) : signedPct(v as number, 2))} />
              <Legend />
              {treatments.map((t, i) => (
                <Area key={`${t}.band`} dataKey={`${t}.band`} name={`${t} interval`} stroke="none" fill={PALETTE[(i + 1) % PALETTE.length]} fillOpacity={0.15} isAnimationActive={false} legendType="none" dot={false} activeDot={false} />
              ))}
              {treatments.map((t, i) => (
                <Line key={`${t}.lift`} dataKey={`${t}.lift`} name={`${t} lift`} stroke={PALETTE[(i + 1) % PALETTE.length]} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls>
                  {/* With a day or two an area has no width: show the interval as whiskers too. */}
                  {data.length < 3 && <ErrorBar dataKey={`${t}.err`} direction="y" width={10} stroke={PALETTE[(i + 1) % PALETTE.length]} />}
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
                  return `${t} ${c ? `${signedPct(c.lift)} ${ciPct(c.sequentialCi ?? c.ci)}` : "not estimable"}`;
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
      <strong>Sample ratio mismatch.</strong> The users per arm ({model.arms.map((a, i) => `${a.key} ${int(a.users)}, expected ${int(model.srm.expected[i])}`).join("; ")}) are off the allocated split (χ² p = {pValue(model.srm.pValue)} &lt; 0.001). Assignment or logging is broken somewhere: do not trust
      these lifts until the cause is found.
    </div>
  );
}

export function ArmSplit({ model }: { model: ReportModel }) {
  return (
    <p className="muted small">
      {int(model.users)} users · {model.arms.map((a) => `${a.key} ${int(a.users)} (${pct(model.users ? a.users / model.users : 0, 1)} vs ${pct(a.share, 1)} allocated)`).join(" · ")} · SRM{" "}
      {model.srm.ok ? "ok" : "mismatch"} (p = {pValue(model.srm.pValue)})
    </p>
  );
}
