import type { EvalFigure } from "@/lib/ui/evaluation";
import { ciPct, num, signedPct } from "@/lib/ui/format";

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
