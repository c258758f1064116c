"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { DataTable } from "@/components/data-table";
import type { AuditRow } from "@/lib/ui/experiment-queries";
import { dateTime } from "@/lib/ui/format";

const columns: ColumnDef<AuditRow, unknown>[] = [
  {
    accessorKey: "at",
    header: "When",
    cell: ({ row }) => <time dateTime={row.original.at}>{dateTime(row.original.at)}</time>,
  },
  { accessorKey: "actor", header: "Who" },
  { accessorKey: "action", header: "What", cell: ({ row }) => <code>{row.original.action}</code> },
  {
    id: "changes",
    header: "Changes",
    accessorFn: (r) => r.changes.map((c) => `${c.field} ${c.before} ${c.after}`).join(" "),
    enableSorting: false,
    cell: ({ row }) =>
      row.original.changes.length === 0 ? (
        <span className="muted">—</span>
      ) : (
        <ul className="plain small changes">
          {row.original.changes.map((c) => (
            <li key={c.field}>
              <strong>{c.field}</strong>: <span className="before">{c.before}</span> →{" "}
              <span className="after">{c.after}</span>
            </li>
          ))}
        </ul>
      ),
  },
];

export function AuditTable({ rows }: { rows: AuditRow[] }) {
  return (
    <DataTable
      label="Audit trail"
      data={rows}
      columns={columns}
      pageSize={10}
      initialSorting={[{ id: "at", desc: true }]}
      empty={<p>No changes recorded yet.</p>}
    />
  );
}
