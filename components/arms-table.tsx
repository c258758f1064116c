"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { PolicyTypeBadge } from "@/components/badges";
import { DataTable } from "@/components/data-table";
import { pct } from "@/lib/ui/format";
import { formatRanges } from "@/lib/ui/ranges";

export interface ArmRow {
  key: string;
  name: string;
  control: boolean;
  policy: { label: string; type: string; policyKey: string } | null;
  weight: number | null;
  ranges: [number, number][] | null;
  hashRanges: [number, number][];
  share: number;
}

const columnsFor = (platformDefault: string): ColumnDef<ArmRow, unknown>[] => [
  {
    accessorKey: "key",
    header: "Arm",
    cell: ({ row }) => (
      <span>
        <strong>{row.original.key}</strong>{" "}
        {row.original.name !== row.original.key && <span className="muted">{row.original.name}</span>}{" "}
        {row.original.control && <span className="badge">control</span>}
      </span>
    ),
  },
  {
    id: "policy",
    header: "Policy version",
    accessorFn: (a) => a.policy?.label ?? platformDefault,
    cell: ({ row }) =>
      row.original.policy ? (
        <span className="cell-stack">
          <Link href={`/policies/${row.original.policy.policyKey}`}>{row.original.policy.label}</Link>
          <PolicyTypeBadge type={row.original.policy.type} />
        </span>
      ) : (
        <span className="cell-stack">
          <Link href="/policies/default-fixed">{platformDefault}</Link>
          <PolicyTypeBadge type="fixed" />
        </span>
      ),
  },
  {
    id: "allocation",
    header: "Allocation",
    accessorFn: (a) => a.weight ?? 0,
    cell: ({ row }) =>
      row.original.weight !== null
        ? `weight ${pct(row.original.weight, 1)}`
        : `ranges ${formatRanges(row.original.ranges)}`,
  },
  {
    id: "hash",
    header: "Experiment hash ranges",
    accessorFn: (a) => formatRanges(a.hashRanges),
    enableSorting: false,
    cell: ({ row }) => <code>{formatRanges(row.original.hashRanges) || "none"}</code>,
  },
  { accessorKey: "share", header: "Share of layer buckets' users", cell: ({ row }) => pct(row.original.share, 1) },
];

/** `platformDefault`: what arms without a version serve, e.g. "platform default (default-fixed@v1)". */
export function ArmsTable({ arms, platformDefault }: { arms: ArmRow[]; platformDefault: string }) {
  return <DataTable label="Arms" data={arms} columns={columnsFor(platformDefault)} empty={<p>No arms.</p>} />;
}
