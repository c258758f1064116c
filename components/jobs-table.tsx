"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { JobProgress } from "@/components/job-progress";
import type { JobListItem } from "@/lib/jobs/job-list-item";

const columns: ColumnDef<JobListItem, unknown>[] = [
  { accessorKey: "type", header: "Job", cell: ({ row }) => <Link href={`/jobs/${row.original.id}`}>{row.original.type}</Link> },
  { accessorKey: "state", header: "State", cell: ({ row }) => <span className={`badge state-${row.original.state}`}>{row.original.state}</span> },
  { accessorKey: "progress", header: "Progress", cell: ({ row }) => <JobProgress job={row.original} /> },
  { id: "attempts", header: "Attempts", accessorFn: (j) => j.attempts, cell: ({ row }) => `${row.original.attempts}/${row.original.maxAttempts}` },
  { accessorKey: "createdAt", header: "Created", cell: ({ row }) => new Date(row.original.createdAt).toLocaleString() },
  { accessorKey: "createdBy", header: "By", cell: ({ row }) => row.original.createdBy ?? "system" },
];

export function JobsTable({ jobs }: { jobs: JobListItem[] }) {
  return (
    <DataTable
      label="Jobs"
      data={jobs}
      columns={columns}
      filterPlaceholder="Filter by type, state…"
      empty={<p>No jobs yet. Jobs appear here when you generate datasets, train or evaluate policies, or run maintenance.</p>}
    />
  );
}
