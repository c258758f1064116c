"use client";

import {
  Bar,
  CartesianGrid,
  Cell,
  ComposedChart,
  ErrorBar,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { symmetricTicks } from "@/lib/ui/chart-ticks";
import { ciPct, int, signedPct } from "@/lib/ui/format";
import type { ReportModel } from "@/lib/ui/report-model";

import { axisPct, label, shown } from "@/components/report-terms";

/** One chart per metric: each treatment's relative lift as a bar with its 95% CI as error bar. */
export function LiftCharts({ model, cuped, narrow }: { model: ReportModel; cuped: boolean; narrow: boolean }) {
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
                    (treatments.length > 1 ? `${d.arm} ` : "") +
                    (d.estimable ? `${signedPct(d.lift)} ${ciPct(d.ci)}` : "not estimable"),
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
