"use client";

import { useState } from "react";
import {
  Area,
  CartesianGrid,
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
import { ciPct, int, signedPct } from "@/lib/ui/format";
import type { ReportModel } from "@/lib/ui/report-model";

import { axisPct, label } from "@/components/report-terms";

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
                  const lift = c
                    ? `${signedPct(c.lift)} ${ciPct(c.sequentialCi ?? c.ci)}`
                    : "not enough data or not estimable";
                  return `${t} ${lift}`;
                })
                .join(" · ")}
            </figcaption>
          )}
        </figure>
      )}
    </div>
  );
}
