"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createLayerAction } from "@/app/actions/experiments";
import { BucketBar, type BarSegment } from "@/components/bucket-bar";
import { DataTable } from "@/components/data-table";
import { Field, FormErrors } from "@/components/field";
import { pct } from "@/lib/ui/format";

export interface LayerRow {
  key: string;
  name: string;
  description: string | null;
  priority: number;
  running: string[];
  drafts: string[];
  free: number;
  segments: BarSegment[];
}

const columns: ColumnDef<LayerRow, unknown>[] = [
  {
    id: "layer",
    header: "Layer",
    accessorFn: (l) => `${l.name} ${l.key}`,
    cell: ({ row }) => (
      <div className="cell-stack">
        <Link href={`/layers/${row.original.key}`}>{row.original.name}</Link>
        <code className="muted small">{row.original.key}</code>
      </div>
    ),
  },
  { accessorKey: "priority", header: "Priority" },
  {
    id: "running",
    header: "Running",
    accessorFn: (l) => l.running.join(" "),
    cell: ({ row }) => row.original.running.join(", ") || <span className="muted">none</span>,
  },
  { id: "drafts", header: "Drafts", accessorFn: (l) => l.drafts.length, cell: ({ row }) => row.original.drafts.length },
  { accessorKey: "free", header: "Free", cell: ({ row }) => pct(row.original.free / 10000, 1) },
  {
    id: "bar",
    header: "Buckets",
    enableSorting: false,
    cell: ({ row }) => (
      <div className="mini-bar">
        <BucketBar segments={row.original.segments} label={`Layer ${row.original.key}`} legend={false} />
      </div>
    ),
  },
];

export function LayersTable({ layers }: { layers: LayerRow[] }) {
  return (
    <DataTable
      label="Layers"
      data={layers}
      columns={columns}
      filterPlaceholder="Filter layers…"
      empty={
        <p>
          No layers yet. A layer is a set of 10,000 user buckets; experiments in one layer never share a user. Create
          one to start experimenting.
        </p>
      }
    />
  );
}

export function CreateLayerForm() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string> }>({});
  return (
    <form
      className="form"
      aria-label="Create layer"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        const priority = String(f.get("priority") ?? "").trim();
        start(async () => {
          const res = await createLayerAction({
            key: String(f.get("key")),
            name: String(f.get("name")),
            description: String(f.get("description") || "") || undefined,
            ...(priority ? { priority: Number(priority) } : {}),
          });
          if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
          setResult({});
          form.reset();
          router.push(`/layers/${res.data.key}`);
        });
      }}
    >
      <FormErrors message={result.error} />
      <div className="grid-form">
        <Field label="Layer key" error={result.fields?.key} hint="Also the layer's hash seed, e.g. ranking.">
          {(p) => <input {...p} name="key" autoComplete="off" required />}
        </Field>
        <Field label="Layer name" error={result.fields?.name}>
          {(p) => <input {...p} name="name" required />}
        </Field>
        <Field label="Description" error={result.fields?.description}>
          {(p) => <input {...p} name="description" />}
        </Field>
        <Field
          label="Priority"
          error={result.fields?.priority}
          hint="Lower serves first when a user is in experiments of several layers. Default 100."
        >
          {(p) => <input {...p} name="priority" type="number" min={0} max={10000} step={1} />}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Creating…" : "Create layer"}
        </button>
      </div>
    </form>
  );
}
