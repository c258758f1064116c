"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { registerFixedPolicyAction } from "@/app/actions/policies";
import { Field, FormErrors } from "@/components/field";

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
