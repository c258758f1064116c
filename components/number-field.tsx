import { Field } from "@/components/field";

/**
 * A labelled number input: a percentage (0–100, any step), a count (whole numbers) or any number.
 * The value stays the text typed, so the form's zod rules see and name what is wrong with it.
 */
export function NumberField({
  label,
  value,
  onChange,
  error,
  hint,
  name,
  kind = "number",
  min,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  error?: string | null;
  hint?: React.ReactNode;
  name?: string;
  kind?: "percent" | "count" | "number";
  min?: number;
  placeholder?: string;
}) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(p) => (
        <input
          {...p}
          name={name}
          type="number"
          min={min ?? (kind === "number" ? undefined : 0)}
          max={kind === "percent" ? 100 : undefined}
          step={kind === "count" ? 1 : "any"}
          inputMode={kind === "count" ? "numeric" : "decimal"}
          placeholder={placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
