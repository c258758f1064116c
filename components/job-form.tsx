"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { enqueueJobAction } from "@/app/actions/jobs";
import { Field, FormErrors } from "@/components/field";
import { POLICY_TYPE_LABELS } from "@/lib/policies/policy-input";
import { humanize } from "@/lib/ui/format";
import type { JobField, JobFormSpec } from "@/lib/ui/job-forms";
import type { ConfigFieldSets } from "@/lib/ui/job-hints";

export interface PickerOption {
  value: string;
  label: string;
}

/**
 * A form for any registered job, built from its payload schema: numbers, text, choices, and JSON for
 * nested parts. `pickers` turn fields into selects (scenario, dataset, policy version…), `fixed`
 * sets fields without showing them (e.g. the experiment on its own page), `configFields` show the
 * main settings of a JSON field as inputs (the JSON itself stays under "advanced"). The server
 * validates the payload with the same schema; its messages appear next to the fields.
 */
export function JobForm({
  spec,
  label,
  submitLabel,
  fixed = {},
  pickers = {},
  hints = {},
  initial = {},
  onQueued = "navigate",
  hide = [],
  configFields = {},
}: {
  spec: JobFormSpec;
  label: string;
  submitLabel: string;
  fixed?: Record<string, unknown>;
  pickers?: Record<string, PickerOption[]>;
  hints?: Record<string, string>;
  initial?: Record<string, unknown>;
  onQueued?: "navigate" | "refresh";
  hide?: string[];
  configFields?: ConfigFieldSets;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const fields = spec.fields.filter((f) => !(f.name in fixed) && !hide.includes(f.name));
  const [values, setValues] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(
      fields.map((f) => {
        const v = initial[f.name] ?? f.defaultValue;
        if (f.kind === "boolean") return [f.name, Boolean(v)];
        if (f.kind === "json") return [f.name, v === undefined ? "" : JSON.stringify(v)];
        if (f.kind === "string-list") return [f.name, Array.isArray(v) ? v.join(", ") : ""];
        // A required choice starts on its first option: what the select shows is what is sent.
        const options = pickers[f.name] ?? (f.kind === "enum" ? f.options!.map((o) => ({ value: o })) : null);
        if (options && v === undefined) return [f.name, f.required ? (options[0]?.value ?? "") : ""];
        return [f.name, v === undefined ? "" : String(v)];
      }),
    ),
  );
  // Inputs of configFields, by "field.setting"; only those of the set chosen now are sent.
  const [settings, setSettings] = useState<Record<string, string>>({});
  const activeSettings = (name: string) => {
    const c = configFields[name];
    return c ? (c.sets[String(values[c.by] ?? fixed[c.by] ?? "")] ?? []) : [];
  };
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string>; queued?: string }>({});

  function toPayload(): { payload: Record<string, unknown>; errors: Record<string, string> } {
    const payload: Record<string, unknown> = { ...fixed };
    const errors: Record<string, string> = {};
    for (const f of fields) {
      const raw = values[f.name];
      if (f.kind === "boolean") {
        payload[f.name] = raw;
        continue;
      }
      const text = String(raw ?? "").trim();
      if (f.kind === "json") {
        // The JSON (advanced) first, then the settings entered as inputs on top of it.
        let object: Record<string, unknown> = {};
        if (text !== "") {
          try {
            object = JSON.parse(text);
          } catch {
            errors[f.name] = "must be valid JSON";
          }
        }
        for (const c of activeSettings(f.name)) {
          const v = (settings[`${f.name}.${c.name}`] ?? "").trim();
          if (v === "") continue;
          const n = Number(v);
          if (!Number.isFinite(n)) errors[`${f.name}.${c.name}`] = "must be a number";
          else if (typeof object === "object" && object !== null && !Array.isArray(object))
            object = { ...object, [c.name]: n };
        }
        if (text !== "" || Object.keys(object).length > 0) payload[f.name] = object;
        continue;
      }
      if (text === "") continue; // omitted: the schema's default applies, or it names the missing field
      if (f.kind === "number" || f.kind === "integer") {
        const n = Number(text);
        if (!Number.isFinite(n)) errors[f.name] = "must be a number";
        else payload[f.name] = n;
      } else if (f.kind === "string-list") payload[f.name] = text.split(/[\s,]+/).filter(Boolean);
      else payload[f.name] = text;
    }
    return { payload, errors };
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const { payload, errors } = toPayload();
    if (Object.keys(errors).length > 0) return setResult({ error: "Some fields need a fix.", fields: errors });
    start(async () => {
      const res = await enqueueJobAction(spec.type, payload);
      if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
      setResult({ queued: res.data.id });
      if (onQueued === "navigate") router.push(`/jobs/${res.data.id}`);
      else router.refresh();
    });
  }

  const control = (f: JobField, p: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => {
    const value = values[f.name];
    const set = (v: string | boolean) => setValues((s) => ({ ...s, [f.name]: v }));
    const options =
      pickers[f.name] ??
      (f.kind === "enum" ? f.options!.map((o) => ({ value: o, label: POLICY_TYPE_LABELS[o] ?? o })) : null);
    if (options && f.kind === "string-list") {
      const chosen = String(value)
        .split(/[\s,]+/)
        .filter(Boolean);
      return (
        <select
          {...p}
          name={f.name}
          multiple
          size={Math.min(5, Math.max(2, options.length))}
          value={chosen}
          onChange={(e) => set([...e.target.selectedOptions].map((o) => o.value).join(","))}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    if (options) {
      return (
        <select {...p} name={f.name} value={String(value)} onChange={(e) => set(e.target.value)}>
          {!f.required && f.defaultValue === undefined && <option value="">(default)</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    if (f.kind === "boolean")
      return (
        <input {...p} type="checkbox" name={f.name} checked={Boolean(value)} onChange={(e) => set(e.target.checked)} />
      );
    if (f.kind === "json")
      return (
        <textarea
          {...p}
          name={f.name}
          rows={3}
          className="mono"
          value={String(value)}
          onChange={(e) => set(e.target.value)}
          placeholder="{ }"
        />
      );
    if (f.kind === "number" || f.kind === "integer")
      return (
        <input
          {...p}
          name={f.name}
          type="number"
          inputMode="decimal"
          step={f.kind === "integer" ? 1 : "any"}
          min={f.min}
          max={f.max}
          value={String(value)}
          onChange={(e) => set(e.target.value)}
        />
      );
    return (
      <input {...p} name={f.name} value={String(value)} onChange={(e) => set(e.target.value)} autoComplete="off" />
    );
  };

  const claimed = new Set(fields.map((f) => f.name));
  const leftovers = Object.entries(result.fields ?? {}).filter(([p]) => !claimed.has(p.split(".")[0]));

  return (
    <form className="form" aria-label={label} onSubmit={submit} noValidate>
      <FormErrors message={result.error} leftovers={leftovers} />
      <div className="grid-form">
        {fields.map((f) => {
          const fieldError =
            result.fields?.[f.name] ??
            Object.entries(result.fields ?? {}).find(([p]) => p.startsWith(`${f.name}.`))?.[1];
          const range = f.min !== undefined || f.max !== undefined ? `${f.min ?? "…"}–${f.max ?? "…"}` : "";
          const hint = [
            hints[f.name] ?? f.description,
            range && `range ${range}`,
            !f.required && f.defaultValue !== undefined && !pickers[f.name]
              ? `default ${JSON.stringify(f.defaultValue)}`
              : "",
          ]
            .filter(Boolean)
            .join(" · ");
          const field = (
            <Field
              key={f.name}
              label={
                pickers[f.name]
                  ? humanize(f.name).replace(/ ids?$/, (m) => (m === " ids" ? "s" : ""))
                  : humanize(f.name)
              }
              error={fieldError}
              hint={hint || undefined}
              className={f.kind === "json" ? "span-all" : undefined}
            >
              {(p) => control(f, p)}
            </Field>
          );
          if (f.kind !== "json" || !configFields[f.name]) return field;
          return (
            <fieldset key={f.name} className="span-all config-fields">
              <legend>{humanize(f.name)}</legend>
              {hints[f.name] && <p className="muted small">{hints[f.name]}</p>}
              <div className="grid-form">
                {activeSettings(f.name).map((c) => (
                  <Field key={c.name} label={c.label} hint={c.hint} error={result.fields?.[`${f.name}.${c.name}`]}>
                    {(p) => (
                      <input
                        {...p}
                        name={`${f.name}.${c.name}`}
                        type="number"
                        step="any"
                        inputMode="decimal"
                        value={settings[`${f.name}.${c.name}`] ?? ""}
                        onChange={(e) => setSettings((s) => ({ ...s, [`${f.name}.${c.name}`]: e.target.value }))}
                      />
                    )}
                  </Field>
                ))}
              </div>
              <details>
                <summary>
                  Advanced: {humanize(f.name).toLowerCase()} as JSON (any setting; the inputs above win)
                </summary>
                {field}
              </details>
            </fieldset>
          );
        })}
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? "Queuing…" : submitLabel}
        </button>
        {result.queued && onQueued === "refresh" && (
          <span className="ok" role="status">
            Queued — progress shows below.
          </span>
        )}
      </div>
    </form>
  );
}
