"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState, useTransition } from "react";
import { datasetStatusAction, startDatasetSimulationAction } from "@/app/actions/data";
import { StatusBadge } from "@/components/badges";
import { DataTable } from "@/components/data-table";
import { Field, FormErrors } from "@/components/field";
import { bytes, count, date, int } from "@/lib/ui/format";

export interface DatasetRow {
  id: string;
  name: string;
  origin: string;
  status: string;
  scenario: string | null;
  sessions: number | null;
  requests: number | null;
  bytes: number | null;
  error: string | null;
  jobId: string | null;
  createdAt: string;
}

const datasetColumns: ColumnDef<DatasetRow, unknown>[] = [
  {
    accessorKey: "name",
    header: "Dataset",
    cell: ({ row }) => <Link href={`/datasets/${row.original.id}`}>{row.original.name}</Link>,
  },
  { accessorKey: "origin", header: "Origin" },
  {
    accessorKey: "status",
    header: "Status",
    cell: ({ row }) => (
      <span className="cell-stack">
        <StatusBadge status={row.original.status} />
        {row.original.error && <span className="error small">{row.original.error}</span>}
      </span>
    ),
  },
  {
    accessorKey: "scenario",
    header: "Scenario",
    cell: ({ row }) =>
      row.original.scenario ? (
        <Link href={`/scenarios/${row.original.scenario}`}>{row.original.scenario}</Link>
      ) : (
        <span className="muted">—</span>
      ),
  },
  { accessorKey: "requests", header: "Requests", cell: ({ row }) => int(row.original.requests) },
  { accessorKey: "bytes", header: "Size", cell: ({ row }) => bytes(row.original.bytes) },
  {
    id: "job",
    header: "Job",
    accessorFn: (d) => d.jobId ?? "",
    enableSorting: false,
    cell: ({ row }) => (row.original.jobId ? <Link href={`/jobs/${row.original.jobId}`}>progress</Link> : "—"),
  },
  { accessorKey: "createdAt", header: "Created", cell: ({ row }) => date(row.original.createdAt) },
];

export function DatasetsTable({ datasets }: { datasets: DatasetRow[] }) {
  return (
    <DataTable
      label="Datasets"
      data={datasets}
      columns={datasetColumns}
      filterPlaceholder="Filter datasets…"
      empty={
        <p>
          No datasets yet. Generate logs from a scenario with a behaviour policy, or import KuaiRand-layout CSV logs.
        </p>
      }
    />
  );
}

export function GenerateDatasetForm({
  scenarios,
  versions,
}: {
  scenarios: { key: string; name: string }[];
  versions: { id: string; label: string }[];
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string> }>({});
  const [explore, setExplore] = useState(true);
  const fe = (p: string) =>
    result.fields?.[p] ?? Object.entries(result.fields ?? {}).find(([k]) => k.startsWith(`${p}.`))?.[1];
  if (scenarios.length === 0)
    return (
      <p className="empty">
        Generating logs needs a scenario. <Link href="/scenarios">Create one</Link> first.
      </p>
    );
  return (
    <form
      className="form"
      aria-label="Generate dataset"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const behaviour = String(f.get("behaviour"));
        const sessions = String(f.get("sessions")).trim();
        start(async () => {
          const res = await startDatasetSimulationAction({
            name: String(f.get("name")),
            scenario: String(f.get("scenario")),
            seed: String(f.get("seed") || "1"),
            sessions: sessions === "" ? undefined : Number(sessions),
            behaviour: behaviour.startsWith("kind:") ? { kind: behaviour.slice(5) } : { policyVersionId: behaviour },
            exploration: explore ? { noise: Number(f.get("noise")), perItem: f.get("perItem") === "on" } : null,
          });
          if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
          setResult({});
          router.refresh();
        });
      }}
    >
      <FormErrors message={result.error} />
      <div className="grid-form">
        <Field label="Dataset name" error={fe("name")}>
          {(p) => <input {...p} name="name" />}
        </Field>
        <Field label="Scenario" error={fe("scenario")}>
          {(p) => (
            <select {...p} name="scenario">
              {scenarios.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.name} ({s.key})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Sessions" error={fe("sessions")} hint="Logged sessions (1–5,000,000).">
          {(p) => <input {...p} name="sessions" type="number" min={1} step={1} defaultValue={2000} />}
        </Field>
        <Field label="Seed" error={fe("seed")} hint="Same scenario + seed → identical logs.">
          {(p) => <input {...p} name="seed" defaultValue="1" />}
        </Field>
        <Field label="Behaviour policy" error={fe("behaviour")} hint="The policy that ranked the logged requests.">
          {(p) => (
            <select {...p} name="behaviour" defaultValue="kind:fixed">
              <option value="kind:fixed">Platform default fixed policy</option>
              <option value="kind:random">Random ranking (lower bound)</option>
              <option value="kind:oracle">Oracle ranking (upper bound)</option>
              {versions.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset>
        <legend>Exploration</legend>
        <label className="check">
          <input type="checkbox" checked={explore} onChange={(e) => setExplore(e.target.checked)} /> Bounded exploration
          around the behaviour action (needed to train RL)
        </label>
        {explore && (
          <div className="grid-form">
            <Field label="Noise (± per dimension)" error={fe("exploration")}>
              {(p) => <input {...p} name="noise" type="number" min={0} max={1} step="0.01" defaultValue={0.15} />}
            </Field>
            <label className="check">
              <input type="checkbox" name="perItem" /> Per item (Enhanced-State logs)
            </label>
          </div>
        )}
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Queuing…" : "Generate dataset"}
        </button>
      </div>
    </form>
  );
}

type ImportError = { message: string; issues: { path: string; message: string }[] };

type ImportOutcome = { status: string; name: string; requests: number | null; error: string | null };

/** Polls a dataset until its import job is done (or gives up after ten minutes). */
async function waitForImport(id: string): Promise<ImportOutcome> {
  for (let i = 0; i < 1200; i++) {
    const res = await datasetStatusAction(id);
    if (!res.ok) return { status: "failed", name: "", requests: null, error: res.error };
    if (res.data.status !== "building") return res.data;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { status: "building", name: "", requests: null, error: "still importing; see the Datasets list and Jobs" };
}

/**
 * Streams a CSV file to /api/internal/datasets/import and waits for its import job; a rejected row is shown with its
 * line number.
 */
export function ImportCsvForm() {
  const router = useRouter();
  const fileRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<ImportError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <form
      className="form"
      aria-label="Import CSV"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const file = fileRef.current?.files?.[0];
        setDone(null);
        if (!name.trim())
          return setError({ message: "Give the dataset a name.", issues: [{ path: "name", message: "is required" }] });
        if (!file)
          return setError({ message: "Choose a CSV file.", issues: [{ path: "file", message: "is required" }] });
        setBusy(true);
        setError(null);
        try {
          const res = await fetch(`/api/internal/datasets/import?name=${encodeURIComponent(name.trim())}`, {
            method: "POST",
            body: file,
            headers: { "content-type": "text/csv" },
          });
          const body = await res.json().catch(() => ({}));
          if (!res.ok)
            return setError({
              message: body?.error?.message ?? `upload failed (${res.status})`,
              issues: body?.error?.issues ?? [],
            });
          // 202: a worker converts the upload; wait for its job here so that a bad row shows in this form.
          router.refresh();
          const outcome = await waitForImport(body.id);
          if (outcome.status === "ready") {
            setDone(`Imported "${outcome.name}": ${count(outcome.requests ?? 0, "request")}.`);
            setName("");
            if (fileRef.current) fileRef.current.value = "";
          } else {
            // "line 6: is_click must be 0 or 1": said once, in the list under its line.
            const m = outcome.error?.match(/line (\d+): ([\s\S]*)$/);
            setError(
              m
                ? { message: `The import stopped at line ${m[1]}:`, issues: [{ path: `line ${m[1]}`, message: m[2] }] }
                : { message: outcome.error ?? "the import failed", issues: [] },
            );
          }
          router.refresh();
        } catch (err) {
          setError({ message: `upload failed: ${(err as Error).message}`, issues: [] });
        } finally {
          setBusy(false);
        }
      }}
    >
      {error && (
        <div className="form-errors" role="alert">
          <p>{error.message}</p>
          {error.issues.some((i) => i.path.startsWith("line")) && (
            <ul>
              {error.issues
                .filter((i) => i.path.startsWith("line"))
                .map((i) => (
                  <li key={i.path}>
                    <strong>{i.path[0].toUpperCase() + i.path.slice(1)}</strong>: {i.message}
                  </li>
                ))}
            </ul>
          )}
        </div>
      )}
      <div className="grid-form">
        <Field label="Dataset name" error={error?.issues.find((i) => i.path === "name")?.message}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field
          label="CSV file"
          error={error?.issues.find((i) => i.path === "file")?.message}
          hint="KuaiRand layout (docs/simulator.md), one impression per row, header first."
        >
          {(p) => <input {...p} ref={fileRef} type="file" accept=".csv,text/csv" />}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Importing…" : "Import CSV"}
        </button>
        {done && (
          <span className="ok" role="status">
            {done}
          </span>
        )}
      </div>
    </form>
  );
}
