"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo, useState } from "react";
import { LiftWithCi, StatusBadge, VerdictBadge } from "@/components/badges";
import { DataTable } from "@/components/data-table";
import type { ExperimentListRow } from "@/lib/ui/experiment-queries";
import { date, int, pValue } from "@/lib/ui/format";

const columns: ColumnDef<ExperimentListRow, unknown>[] = [
  {
    id: "experiment",
    header: "Experiment",
    accessorFn: (e) => `${e.name} ${e.key}`,
    cell: ({ row }) => (
      <div className="cell-stack">
        <Link href={`/experiments/${row.original.id}`}>{row.original.name}</Link>
        <code className="muted small">{row.original.key}</code>
      </div>
    ),
  },
  {
    accessorKey: "status",
    header: "Status",
    filterFn: "equalsString",
    cell: ({ row }) => <StatusBadge status={row.original.status} />,
  },
  {
    accessorKey: "layer",
    header: "Layer",
    filterFn: "equalsString",
    cell: ({ row }) => <Link href={`/layers/${row.original.layer}`}>{row.original.layer}</Link>,
  },
  {
    id: "arms",
    header: "Arms",
    accessorFn: (e) => e.arms.map((a) => `${a.key} ${a.policy ?? "platform default"}`).join(" "),
    sortingFn: (a, b) => a.original.arms.length - b.original.arms.length,
    cell: ({ row }) => (
      <ul className="plain small">
        {row.original.arms.map((a) => (
          <li key={a.key}>
            <strong>{a.key}</strong>
            {a.control ? " (control)" : ""} <span className="muted">{a.policy ?? "platform default"}</span>
          </li>
        ))}
      </ul>
    ),
  },
  { accessorKey: "primaryMetricName", header: "Primary metric" },
  {
    id: "lift",
    header: "Verdict · lift (95% CI)",
    accessorFn: (e) => e.lifts[0]?.lift ?? Number.NEGATIVE_INFINITY,
    sortUndefined: "last",
    enableGlobalFilter: false,
    cell: ({ row }) =>
      row.original.lifts.length === 0 ? (
        <span className="muted">{row.original.status === "draft" ? "not started" : "no data yet"}</span>
      ) : (
        <ul className="plain">
          {row.original.lifts.map((l) => (
            <li key={l.arm} title={`${l.reason} (fixed-horizon p = ${pValue(l.pValue)})`}>
              {row.original.lifts.length > 1 && <span className="muted small">{l.arm}: </span>}
              <VerdictBadge verdict={l.verdict} reason={l.reason} />{" "}
              {l.verdict !== "notEnoughData" && (
                <LiftWithCi
                  lift={l.lift}
                  ci={l.ci}
                  compact
                  tone={l.verdict === "ship" ? "up" : l.verdict === "dontShip" ? "down" : "flat"}
                />
              )}
            </li>
          ))}
        </ul>
      ),
  },
  {
    id: "srm",
    header: "SRM",
    accessorFn: (e) => (e.srm === null ? 2 : e.srm.ok ? 1 : 0),
    enableGlobalFilter: false,
    cell: ({ row }) =>
      row.original.srm === null ? (
        <span className="muted">—</span>
      ) : row.original.srm.ok ? (
        <span className="badge srm-ok" title={`p = ${pValue(row.original.srm.pValue)}`}>
          ok
        </span>
      ) : (
        <span className="badge srm-bad" title={`p = ${pValue(row.original.srm.pValue)}`}>
          mismatch
        </span>
      ),
  },
  { accessorKey: "users", header: "Users", enableGlobalFilter: false, cell: ({ row }) => int(row.original.users) },
  {
    id: "started",
    header: "Started",
    accessorFn: (e) => e.startedAt ?? "",
    cell: ({ row }) => date(row.original.startedAt),
  },
];

export function ExperimentsTable({
  rows,
  layers,
  initialStatus = "",
  initialLayer = "",
}: {
  rows: ExperimentListRow[];
  layers: string[];
  initialStatus?: string;
  initialLayer?: string;
}) {
  const [status, setStatus] = useState(initialStatus);
  const [layer, setLayer] = useState(initialLayer);
  const filters = useMemo(
    () => [...(status ? [{ id: "status", value: status }] : []), ...(layer ? [{ id: "layer", value: layer }] : [])],
    [status, layer],
  );
  return (
    <DataTable
      label="Experiments"
      data={rows}
      columns={columns}
      columnFilters={filters}
      filterPlaceholder="Search name, key, arm, policy…"
      pageSize={20}
      toolbar={
        <>
          <label className="inline-label">
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All</option>
              <option value="draft">Draft</option>
              <option value="running">Running</option>
              <option value="stopped">Stopped</option>
            </select>
          </label>
          <label className="inline-label">
            Layer
            <select value={layer} onChange={(e) => setLayer(e.target.value)}>
              <option value="">All</option>
              {layers.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
        </>
      }
      empty={
        <div>
          <p>
            <strong>No experiments yet.</strong>
          </p>
          <p>
            First create a layer on the <Link href="/layers">Layers</Link> page (a layer is 10,000 buckets of users that
            experiments share without overlapping), then <Link href="/experiments/new">create an experiment</Link> with
            a control arm and a treatment policy.
          </p>
        </div>
      }
    />
  );
}
