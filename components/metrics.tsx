"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createMetricAction, deleteMetricAction } from "@/app/actions/metrics";
import { DataTable } from "@/components/data-table";
import { Field, FormErrors } from "@/components/field";
import { EVENT_TYPES } from "@/lib/events/event-input";
import { describeMetric } from "@/lib/metrics/describe-metric";
import type { MetricView } from "@/lib/metrics/metric-catalogue";
import { METRIC_KINDS, type MetricKind } from "@/lib/metrics/metric-input";
import { pct } from "@/lib/ui/format";

const KIND_LABEL: Record<MetricKind, string> = {
  mean: "Mean per user",
  proportion: "Proportion of users (≥ 1)",
  ratio: "Ratio of per-user sums",
  session_mean: "Mean per session",
};

function DeleteButton({ metric }: { metric: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string>();
  return (
    <span>
      <button
        type="button"
        className="small"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const res = await deleteMetricAction(metric);
            if (!res.ok) return setError(res.error);
            router.refresh();
          })
        }
      >
        Delete
      </button>
      {error && <span className="error small"> {error}</span>}
    </span>
  );
}

export function MetricsTable({ metrics, canEdit }: { metrics: MetricView[]; canEdit: boolean }) {
  const columns: ColumnDef<MetricView, unknown>[] = [
    {
      id: "metric",
      header: "Metric",
      accessorFn: (m) => `${m.name} ${m.key}`,
      cell: ({ row }) => (
        <div className="cell-stack">
          <span>
            {row.original.name} {row.original.builtIn && <span className="badge">built-in</span>}
          </span>
          <code className="muted small">{row.original.key}</code>
        </div>
      ),
    },
    { accessorKey: "description", header: "Description" },
    { id: "definition", header: "Computed as", accessorFn: (m) => describeMetric(m) },
    { id: "direction", header: "Better", accessorFn: (m) => (m.direction === "higher" ? "higher" : "lower") },
    {
      id: "harm",
      header: "Allowed harm",
      accessorFn: (m) => m.allowedHarm ?? -1,
      cell: ({ row }) =>
        row.original.allowedHarm === null ? <span className="muted">—</span> : pct(row.original.allowedHarm, 1),
    },
    ...(canEdit
      ? [
          {
            id: "actions",
            header: "",
            enableSorting: false,
            cell: ({ row }) => (row.original.builtIn ? null : <DeleteButton metric={row.original.key} />),
          } satisfies ColumnDef<MetricView, unknown>,
        ]
      : []),
  ];
  return (
    <DataTable
      label="Metrics"
      data={metrics}
      columns={columns}
      filterPlaceholder="Filter metrics…"
      empty={<p>No metrics.</p>}
    />
  );
}

type Source = "events" | "requests" | "sessions";

/** Numerator or denominator: events (some types, counted or their values summed), requests or sessions. */
function MeasureFields({
  prefix,
  label,
  errors,
}: {
  prefix: "numerator" | "denominator";
  label: string;
  errors: Record<string, string>;
}) {
  const [source, setSource] = useState<Source>("events");
  return (
    <fieldset className="form-section">
      <legend>{label}</legend>
      <div className="grid-form">
        <Field label={`${label}: source`} error={errors[`${prefix}.source`]}>
          {(p) => (
            <select
              {...p}
              name={`${prefix}.source`}
              value={source}
              onChange={(e) => setSource(e.target.value as Source)}
            >
              <option value="events">Events</option>
              <option value="requests">Rank requests</option>
              <option value="sessions">Sessions</option>
            </select>
          )}
        </Field>
        {source === "events" && (
          <Field
            label={`${label}: aggregate`}
            error={errors[`${prefix}.aggregate`]}
            hint="Count the events, or sum their values (play: seconds watched)."
          >
            {(p) => (
              <select {...p} name={`${prefix}.aggregate`} defaultValue="count">
                <option value="count">Count</option>
                <option value="sum">Sum of values</option>
              </select>
            )}
          </Field>
        )}
      </div>
      {source === "events" && (
        <div className="field">
          <span className="field-label" id={`${prefix}-types`}>
            {label}: event types
          </span>
          <div className="checks" role="group" aria-labelledby={`${prefix}-types`}>
            {EVENT_TYPES.map((t) => (
              <label key={t} className="check">
                <input type="checkbox" name={`${prefix}.eventTypes`} value={t} /> {t}
              </label>
            ))}
          </div>
          {errors[`${prefix}.eventTypes`] && <span className="error small">{errors[`${prefix}.eventTypes`]}</span>}
        </div>
      )}
    </fieldset>
  );
}

function measureFrom(f: FormData, prefix: string) {
  const source = String(f.get(`${prefix}.source`));
  return source === "events"
    ? {
        source,
        eventTypes: f.getAll(`${prefix}.eventTypes`).map(String),
        aggregate: String(f.get(`${prefix}.aggregate`)),
      }
    : { source };
}

const optionalNumber = (v: FormDataEntryValue | null) => (String(v ?? "").trim() === "" ? null : Number(v));

export function CreateMetricForm() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [kind, setKind] = useState<MetricKind>("mean");
  const [cap, setCap] = useState<"none" | "fixed" | "percentile">("none");
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string> }>({});
  const errors = result.fields ?? {};
  return (
    <form
      className="form"
      aria-label="Define metric"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        const harm = optionalNumber(f.get("allowedHarm"));
        start(async () => {
          const res = await createMetricAction({
            key: String(f.get("key")),
            name: String(f.get("name")),
            description: String(f.get("description") ?? ""),
            kind,
            numerator: measureFrom(f, "numerator"),
            denominator: kind === "ratio" ? measureFrom(f, "denominator") : null,
            direction: String(f.get("direction")),
            cap,
            capValue: cap === "none" ? null : optionalNumber(f.get("capValue")),
            allowedHarm: harm === null ? null : harm / 100,
          });
          if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
          setResult({});
          form.reset();
          router.refresh();
        });
      }}
    >
      <FormErrors message={result.error} />
      <div className="grid-form">
        <Field label="Metric key" error={errors.key} hint="e.g. like_rate; experiments and the API refer to it.">
          {(p) => <input {...p} name="key" autoComplete="off" required />}
        </Field>
        <Field label="Metric name" error={errors.name}>
          {(p) => <input {...p} name="name" required />}
        </Field>
        <Field label="Description" error={errors.description} hint="Shown with the metric in forms and reports.">
          {(p) => <input {...p} name="description" />}
        </Field>
        <Field label="Kind" error={errors.kind}>
          {(p) => (
            <select {...p} name="kind" value={kind} onChange={(e) => setKind(e.target.value as MetricKind)}>
              {METRIC_KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_LABEL[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Better when" error={errors.direction}>
          {(p) => (
            <select {...p} name="direction" defaultValue="higher">
              <option value="higher">Higher</option>
              <option value="lower">Lower</option>
            </select>
          )}
        </Field>
        <Field
          label="Allowed harm (%)"
          error={errors.allowedHarm}
          hint="As a guardrail: the relative harm tolerated, e.g. 2."
        >
          {(p) => <input {...p} name="allowedHarm" type="number" min={0} max={100} step="any" />}
        </Field>
      </div>
      <MeasureFields prefix="numerator" label="Numerator" errors={errors} />
      {kind === "ratio" && <MeasureFields prefix="denominator" label="Denominator" errors={errors} />}
      {errors.denominator && <span className="error small">{errors.denominator}</span>}
      {kind === "mean" && (
        <div className="grid-form">
          <Field
            label="Capping"
            error={errors.cap}
            hint="Winsorise each user's value: at a fixed value or at a percentile of all exposed users."
          >
            {(p) => (
              <select {...p} name="cap" value={cap} onChange={(e) => setCap(e.target.value as typeof cap)}>
                <option value="none">None</option>
                <option value="fixed">Fixed value</option>
                <option value="percentile">Percentile</option>
              </select>
            )}
          </Field>
          {cap !== "none" && (
            <Field label={cap === "fixed" ? "Cap value" : "Cap percentile"} error={errors.capValue}>
              {(p) => <input {...p} name="capValue" type="number" step="any" min={0} />}
            </Field>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Saving…" : "Create metric"}
        </button>
      </div>
    </form>
  );
}
