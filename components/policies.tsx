"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { registerFixedPolicyAction } from "@/app/actions/policies";
import { NotImprovedBadge, PlatformDefaultBadge, PolicyTypeBadge, StatusBadge } from "@/components/badges";
import { PALETTE } from "@/components/bucket-bar";
import { DataTable } from "@/components/data-table";
import { Field, FormErrors } from "@/components/field";
import type { EvalFigure } from "@/lib/ui/evaluation";
import type { CurveData } from "@/lib/ui/evaluation";
import { ciPct, date, humanize, num, signedPct } from "@/lib/ui/format";
import type { PolicyRow, VersionRow } from "@/lib/ui/policy-queries";

export function EvalFigures({ figures, empty = "not evaluated" }: { figures: EvalFigure[]; empty?: string }) {
  if (figures.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="plain figures">
      {figures.map((f) => (
        <li key={f.label}>
          <span className="muted">{f.label}</span>{" "}
          <strong>{f.format === "pct" ? signedPct(f.value) : num(f.value)}</strong>
          {f.ci && (
            <span className="small"> {f.format === "pct" ? ciPct(f.ci) : `[${num(f.ci[0])}, ${num(f.ci[1])}]`}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

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

export function TrainingCurveChart({ curve, label }: { curve: CurveData; label: string }) {
  return (
    <figure className="chart-card" aria-label={label}>
      <ResponsiveContainer width="100%" height={220} initialDimension={{ width: 320, height: 220 }}>
        <LineChart data={curve.points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey={curve.x} fontSize={11} />
          <YAxis fontSize={11} width={56} tickFormatter={(v: number) => num(v, 2)} />
          <Tooltip formatter={(v) => num(v as number)} />
          <Legend />
          {curve.series.map((s, i) => (
            <Line
              key={s}
              dataKey={s}
              name={humanize(s)}
              stroke={PALETTE[i % PALETTE.length]}
              dot={curve.points.length < 30}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="muted small">
        {label} ({curve.points.length} points, x: {humanize(curve.x)})
      </figcaption>
    </figure>
  );
}

/** Registers a hand-set fixed fusion action (the formula baseline) as a new ready version. */
export function RegisterFixedPolicyForm({ actionNames, defaults }: { actionNames: string[]; defaults: number[] }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [values, setValues] = useState(defaults.map(String));
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string>; done?: string }>({});
  return (
    <form
      className="form"
      aria-label="Register fixed policy"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        start(async () => {
          const res = await registerFixedPolicyAction({
            key: String(f.get("key")),
            name: String(f.get("name")),
            description: String(f.get("description") || "") || undefined,
            action: values.map((v) => (v.trim() === "" ? NaN : Number(v))),
          });
          if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
          setResult({ done: `Registered ${res.data.policyKey}@v${res.data.version}.` });
          router.refresh();
        });
      }}
    >
      <FormErrors message={result.error} />
      <div className="grid-form">
        <Field
          label="Policy key"
          error={result.fields?.key}
          hint="An existing fixed policy gets a new version (its parent is the previous one)."
        >
          {(p) => <input {...p} name="key" autoComplete="off" defaultValue="fixed-baseline" />}
        </Field>
        <Field label="Policy name" error={result.fields?.name}>
          {(p) => <input {...p} name="name" defaultValue="Fixed baseline" />}
        </Field>
        <Field label="Description" error={result.fields?.description}>
          {(p) => <input {...p} name="description" />}
        </Field>
      </div>
      <fieldset>
        <legend>Fusion action: score = Π (p_k + b_k)^w_k</legend>
        {result.fields?.action && <span className="error small">{result.fields.action}</span>}
        <div className="action-grid">
          {actionNames.map((n, i) => (
            <Field key={n} label={n} error={result.fields?.[`action.${i}`]}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  step="any"
                  min={0}
                  inputMode="decimal"
                  value={values[i]}
                  onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))}
                />
              )}
            </Field>
          ))}
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Registering…" : "Register version"}
        </button>
        {result.done && (
          <span className="ok" role="status">
            {result.done}
          </span>
        )}
      </div>
    </form>
  );
}
