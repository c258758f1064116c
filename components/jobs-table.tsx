"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo, useState } from "react";
import { JobStateBadge } from "@/components/badges";
import { DataTable } from "@/components/data-table";
import { JobProgress } from "@/components/job-progress";
import type { JobListItem } from "@/lib/jobs/job-list-item";
import { dateTime } from "@/lib/ui/format";

const columns: ColumnDef<JobListItem, unknown>[] = [
  {
    accessorKey: "type",
    header: "Job",
    filterFn: "equalsString",
    cell: ({ row }) => (
      <Link href={`/jobs/${row.original.id}`}>
        {row.original.type}
        {row.original.subject && <span className="job-subject"> · {row.original.subject}</span>}
      </Link>
    ),
  },
  {
    accessorKey: "state",
    header: "State",
    filterFn: "equalsString",
    cell: ({ row }) => <JobStateBadge state={row.original.state} cancelling={row.original.cancelling} />,
  },
  { accessorKey: "progress", header: "Progress", cell: ({ row }) => <JobProgress job={row.original} /> },
  {
    id: "attempts",
    header: "Attempts",
    accessorFn: (j) => j.attempts,
    cell: ({ row }) => `${row.original.attempts}/${row.original.maxAttempts}`,
  },
  { accessorKey: "createdAt", header: "Created", cell: ({ row }) => dateTime(row.original.createdAt) },
  { accessorKey: "createdBy", header: "By", cell: ({ row }) => row.original.createdBy ?? "system" },
];

/** With `filters`, selects for state and type narrow the list (the jobs page). */
export function JobsTable({ jobs, filters = false }: { jobs: JobListItem[]; filters?: boolean }) {
  const [state, setState] = useState("");
  const [type, setType] = useState("");
  const columnFilters = useMemo(
    () => [...(state ? [{ id: "state", value: state }] : []), ...(type ? [{ id: "type", value: type }] : [])],
    [state, type],
  );
  const types = useMemo(() => [...new Set(jobs.map((j) => j.type))].sort(), [jobs]);
  return (
    <DataTable
      label="Jobs"
      data={jobs}
      columns={columns}
      columnFilters={filters ? columnFilters : undefined}
      toolbar={
        filters ? (
          <>
            <label className="inline-label">
              State
              <select value={state} onChange={(e) => setState(e.target.value)}>
                <option value="">All</option>
                {["queued", "active", "retrying", "completed", "failed", "cancelled"].map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label className="inline-label">
              Type
              <select value={type} onChange={(e) => setType(e.target.value)}>
                <option value="">All</option>
                {types.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          </>
        ) : undefined
      }
      filterPlaceholder="Filter by type, state…"
      empty={
        <p>No jobs yet. Jobs appear here when you generate datasets, train or evaluate policies, or run maintenance.</p>
      }
    />
  );
}
