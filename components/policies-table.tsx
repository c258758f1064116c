"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { NotImprovedBadge, PlatformDefaultBadge, PolicyTypeBadge, StatusBadge } from "@/components/badges";
import { EvalFigures } from "@/components/eval-figures";
import { DataTable } from "@/components/data-table";
import { date } from "@/lib/ui/format";
import type { PolicyRow, VersionRow } from "@/lib/ui/policy-queries";

const policyColumns: ColumnDef<PolicyRow, unknown>[] = [
  {
    id: "policy",
    header: "Policy",
    accessorFn: (p) => `${p.name} ${p.key}`,
    cell: ({ row }) => (
      <div className="cell-stack">
        <span>
          <Link href={`/policies/${row.original.key}`}>{row.original.name}</Link>{" "}
          {row.original.platformDefault && <PlatformDefaultBadge />}
        </span>
        <code className="muted small">{row.original.key}</code>
      </div>
    ),
  },
  { accessorKey: "type", header: "Type", cell: ({ row }) => <PolicyTypeBadge type={row.original.type} /> },
  { accessorKey: "versions", header: "Versions" },
  {
    id: "latest",
    header: "Latest",
    accessorFn: (p) => p.latest?.label ?? "",
    cell: ({ row }) =>
      row.original.latest ? (
        <span>
          {row.original.latest.label} <StatusBadge status={row.original.latest.status} />
        </span>
      ) : (
        "—"
      ),
  },
  {
    accessorKey: "description",
    header: "Description",
    cell: ({ row }) => row.original.description ?? <span className="muted">—</span>,
  },
];

export function PoliciesTable({ policies }: { policies: PolicyRow[] }) {
  return (
    <DataTable
      label="Policies"
      data={policies}
      columns={policyColumns}
      filterPlaceholder="Filter policies…"
      empty={<p>No policies yet. Register a fixed baseline below, or train an RL policy from a dataset.</p>}
    />
  );
}

const versionColumns = (showPolicy: boolean): ColumnDef<VersionRow, unknown>[] => [
  ...(showPolicy
    ? [
        {
          id: "policy",
          header: "Policy",
          accessorFn: (v: VersionRow) => v.policyKey,
          cell: ({ row }: { row: { original: VersionRow } }) => (
            <Link href={`/policies/${row.original.policyKey}`}>{row.original.policyKey}</Link>
          ),
        },
      ]
    : []),
  {
    accessorKey: "version",
    header: "Version",
    cell: ({ row }) => (
      <a href={`/policies/${row.original.policyKey}#v${row.original.version}`}>v{row.original.version}</a>
    ),
  },
  { accessorKey: "type", header: "Type", cell: ({ row }) => <PolicyTypeBadge type={row.original.type} /> },
  {
    accessorKey: "status",
    header: "Status",
    cell: ({ row }) => (
      <>
        <StatusBadge status={row.original.status} />
        {row.original.improved === false && (
          <>
            {" "}
            <NotImprovedBadge />
          </>
        )}
        {row.original.platformDefault && (
          <>
            {" "}
            <PlatformDefaultBadge past={row.original.platformDefault === "former"} />
          </>
        )}
      </>
    ),
  },
  {
    id: "lineage",
    header: "Parent",
    accessorFn: (v) => v.parent?.label ?? "",
    cell: ({ row }) =>
      row.original.parent ? (
        <Link href={`/policies/${row.original.parent.policyKey}`}>{row.original.parent.label}</Link>
      ) : (
        <span className="muted">—</span>
      ),
  },
  {
    id: "evaluation",
    header: "Offline evaluation",
    accessorFn: (v) => v.evaluation[0]?.value ?? null,
    cell: ({ row }) => <EvalFigures figures={row.original.evaluation} />,
  },
  { accessorKey: "datasets", header: "Datasets" },
  { accessorKey: "arms", header: "In arms" },
  { accessorKey: "createdAt", header: "Created", cell: ({ row }) => date(row.original.createdAt) },
];

export function VersionsTable({ versions, showPolicy = true }: { versions: VersionRow[]; showPolicy?: boolean }) {
  return (
    <DataTable
      label="Policy versions"
      data={versions}
      columns={versionColumns(showPolicy)}
      filterPlaceholder="Filter versions…"
      empty={<p>No versions yet.</p>}
    />
  );
}
