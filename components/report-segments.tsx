"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import type { SegmentArm, SegmentReport } from "@/lib/reports/report-segments";
import { DASH, int, num, pct, pValue, signedPct } from "@/lib/ui/format";

/** How each segment dimension is defined (docs/statistics.md §7). */
const DIMENSIONS: Record<string, { label: string; description: string }> = {
  activity: {
    label: "Activity level",
    description:
      "From the user features of the user's first rank request: the activity_<level> feature with the largest " +
      "value; unknown when the request carried none.",
  },
  platform: {
    label: "Platform",
    description: "The context's platform field of the user's first rank request; unknown when it carried none.",
  },
  tenure: {
    label: "New vs returning",
    description: "Returning: the user had activity in the 14-day pre-period before the start; new: none.",
  },
};

type Row = SegmentArm & { segment: string; controlMean: number | null; controlUsers: number };

const interval = (ci: SegmentArm["ci"]) =>
  ci ? `[${ci[0] === null ? "−∞" : signedPct(ci[0])}, ${ci[1] === null ? "+∞" : signedPct(ci[1])}]` : DASH;

/**
 * The primary metric per user segment: a dimension selector and, per segment and treatment arm,
 * users, means, the lift and its Bonferroni-corrected interval. Labelled exploratory throughout.
 */
export function ReportSegments({ segments, metricName }: { segments: SegmentReport; metricName: string }) {
  const [dimension, setDimension] = useState(segments.dimensions[0]?.dimension ?? "activity");
  const current = segments.dimensions.find((d) => d.dimension === dimension);
  const rows: Row[] = (current?.segments ?? []).flatMap((s) =>
    s.arms.map((a) => ({ ...a, segment: s.segment, controlMean: s.control.mean, controlUsers: s.control.users })),
  );
  const level = pct(segments.confidence, segments.confidence > 0.999 ? 2 : 1);
  const columns: ColumnDef<Row, unknown>[] = [
    { accessorKey: "segment", header: "Segment" },
    { accessorKey: "arm", header: "Arm" },
    {
      accessorKey: "users",
      header: "Users (arm / control)",
      meta: { description: "Users of the segment in this arm, and in the control." },
      cell: ({ row }) => `${int(row.original.users)} / ${int(row.original.controlUsers)}`,
    },
    { accessorKey: "controlMean", header: "Control mean", cell: ({ row }) => num(row.original.controlMean) },
    { accessorKey: "mean", header: "Arm mean", cell: ({ row }) => num(row.original.mean) },
    { accessorKey: "lift", header: "Lift", cell: ({ row }) => signedPct(row.original.lift) },
    {
      id: "ci",
      header: `${level} CI`,
      meta: {
        description:
          `Fieller interval of the lift at level 1 ` +
          `− ${segments.alpha} / ${segments.family} (Bonferroni across all ${segments.family} segment × arm cells).`,
      },
      cell: ({ row }) => interval(row.original.ci),
    },
    {
      accessorKey: "adjustedPValue",
      header: "Adjusted p",
      meta: { description: `p-value × ${segments.family} (Bonferroni), capped at 1.` },
      cell: ({ row }) => pValue(row.original.adjustedPValue),
    },
  ];
  return (
    <div className="report-segments">
      <p className="muted small">
        <span className="badge">exploratory</span> {metricName} by user segment. Many cells are compared and none was
        planned, so read these to form hypotheses, not to decide: each interval is at {level} (Bonferroni across{" "}
        {segments.family} segment × arm cells), and no verdict uses them.
      </p>
      <label className="inline-label">
        Segment by{" "}
        <select value={dimension} onChange={(e) => setDimension(e.target.value as typeof dimension)}>
          {segments.dimensions.map((d) => (
            <option key={d.dimension} value={d.dimension}>
              {DIMENSIONS[d.dimension]?.label ?? d.dimension}
            </option>
          ))}
        </select>
      </label>
      {current && <p className="muted small">{DIMENSIONS[current.dimension]?.description}</p>}
      <DataTable data={rows} columns={columns} empty="No segments yet." label="segments" />
    </div>
  );
}
