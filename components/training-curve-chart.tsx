"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PALETTE } from "@/components/bucket-bar";
import type { CurveData } from "@/lib/ui/evaluation";
import { humanize, num } from "@/lib/ui/format";

export function TrainingCurveChart({ curve, label }: { curve: CurveData; label: string }) {
  return (
    <figure className="chart-card" aria-label={label}>
      <ResponsiveContainer width="100%" height={220} initialDimension={{ width: 320, height: 220 }}>
        <LineChart data={curve.points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey={curve.x} fontSize={11} />
          <YAxis fontSize={11} width={56} tickFormatter={(v: number) => num(v, 2)} />
          <Tooltip formatter={(v) => num(v as number)} />
          <Legend />
          {curve.series.map((s, i) => (
            <Line
              key={s}
              dataKey={s}
              name={humanize(s)}
              stroke={PALETTE[i % PALETTE.length]}
              dot={curve.points.length < 30}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="muted small">
        {label} ({curve.points.length} points, x: {humanize(curve.x)})
      </figcaption>
    </figure>
  );
}
