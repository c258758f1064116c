import { useId } from "react";

/**
 * A labelled form control with its hint and its validation message next to it. The control gets
 * aria-invalid and aria-describedby through the render prop, so screen readers read the message.
 */
export function Field({
  label,
  error,
  hint,
  className,
  children,
}: {
  label: React.ReactNode;
  error?: string | null;
  hint?: React.ReactNode;
  className?: string;
  children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => React.ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": !!error, "aria-describedby": describedBy })}
      {hint && (
        <span id={hintId} className="muted small">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="error small field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** Messages that no field claimed, listed above the form so none is lost. */
export function FormErrors({ message, leftovers }: { message?: string | null; leftovers?: [string, string][] }) {
  if (!message && !leftovers?.length) return null;
  return (
    <div className="form-errors" role="alert">
      {message && <p>{message}</p>}
      {leftovers && leftovers.length > 0 && (
        <ul>
          {leftovers.map(([path, msg]) => (
            <li key={path}>
              <code>{path}</code>: {msg}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** zod issues → { "arms.1.weight": "must be > 0", … } (first message per path wins). */
export function issuesByPath(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.map(String).join(".") || "(root)";
    out[key] ??= i.message;
  }
  return out;
}
