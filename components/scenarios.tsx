"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createScenarioAction } from "@/app/actions/data";
import { DataTable } from "@/components/data-table";
import { Field, FormErrors } from "@/components/field";
import { date, int } from "@/lib/ui/format";

export interface ScenarioRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  datasets: number;
  users: number | null;
  items: number | null;
  createdAt: string;
}

const scenarioColumns: ColumnDef<ScenarioRow, unknown>[] = [
  {
    id: "scenario",
    header: "Scenario",
    accessorFn: (s) => `${s.name} ${s.key}`,
    cell: ({ row }) => (
      <div className="cell-stack">
        <Link href={`/scenarios/${row.original.key}`}>{row.original.name}</Link>
        <code className="muted small">{row.original.key}</code>
      </div>
    ),
  },
  {
    accessorKey: "description",
    header: "Description",
    cell: ({ row }) => row.original.description ?? <span className="muted">—</span>,
  },
  { accessorKey: "users", header: "World users", cell: ({ row }) => int(row.original.users) },
  { accessorKey: "items", header: "Items", cell: ({ row }) => int(row.original.items) },
  { accessorKey: "datasets", header: "Datasets" },
  { accessorKey: "createdAt", header: "Created", cell: ({ row }) => date(row.original.createdAt) },
];

export function ScenariosTable({ scenarios }: { scenarios: ScenarioRow[] }) {
  return (
    <DataTable
      label="Scenarios"
      data={scenarios}
      columns={scenarioColumns}
      filterPlaceholder="Filter scenarios…"
      empty={
        <p>
          No scenarios yet. A scenario configures the built-in session simulator (users, items, response model,
          sessions); start from the defaults below.
        </p>
      }
    />
  );
}

export function CreateScenarioForm({ defaultsJson }: { defaultsJson: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [mode, setMode] = useState<"defaults" | "json">("defaults");
  const [json, setJson] = useState(defaultsJson);
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string> }>({});
  const configErrors = Object.entries(result.fields ?? {}).filter(
    ([p]) => p !== "key" && p !== "name" && p !== "description",
  );
  return (
    <form
      className="form"
      aria-label="Create scenario"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        start(async () => {
          const res = await createScenarioAction({
            key: String(f.get("key")),
            name: String(f.get("name")),
            description: String(f.get("description") || ""),
            configJson: mode === "json" ? json : null,
          });
          if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
          setResult({});
          router.push(`/scenarios/${res.data.key}`);
        });
      }}
    >
      <FormErrors message={result.error} />
      <div className="grid-form">
        <Field label="Scenario key" error={result.fields?.key}>
          {(p) => <input {...p} name="key" autoComplete="off" />}
        </Field>
        <Field label="Scenario name" error={result.fields?.name}>
          {(p) => <input {...p} name="name" />}
        </Field>
        <Field label="Description" error={result.fields?.description}>
          {(p) => <input {...p} name="description" />}
        </Field>
      </div>
      <div className="row" role="radiogroup" aria-label="Scenario configuration">
        <label className="check">
          <input type="radio" name="mode" checked={mode === "defaults"} onChange={() => setMode("defaults")} />{" "}
          Simulator defaults
        </label>
        <label className="check">
          <input type="radio" name="mode" checked={mode === "json"} onChange={() => setMode("json")} /> Edit as JSON
        </label>
      </div>
      {mode === "json" && (
        <Field
          label="Scenario JSON"
          error={
            configErrors.length
              ? configErrors.map(([p, m]) => `${p === "config" || p === "(root)" ? "" : `${p}: `}${m}`).join("; ")
              : null
          }
          hint="Any subset of the parameters; the rest take their documented defaults (docs/simulator.md)."
        >
          {(p) => (
            <textarea
              {...p}
              name="config"
              className="mono"
              rows={14}
              value={json}
              onChange={(e) => setJson(e.target.value)}
              spellCheck={false}
            />
          )}
        </Field>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Creating…" : "Create scenario"}
        </button>
      </div>
    </form>
  );
}
