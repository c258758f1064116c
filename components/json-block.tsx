/** Raw JSON for those who want it; keyboard-scrollable (it scrolls when long), labelled for screen readers. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="pre json" tabIndex={0} aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
