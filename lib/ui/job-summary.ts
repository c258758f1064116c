import { evaluationFigures, evaluationSummary, isRecord, type EvalFigure } from "@/lib/ui/evaluation";
import { humanize, num } from "@/lib/ui/format";
import { POLICY_TYPE_LABELS } from "@/lib/policies/policy-input";

/**
 * A job's payload and result in words for its page; the raw JSON stays behind "advanced". Ids are
 * left to the subject line and links (they read as noise here), nested settings are counted.
 */
export interface Fact {
  label: string;
  value: string;
}

const ID = /(^id$|Id$)/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function payloadFacts(payload: unknown): Fact[] {
  if (!isRecord(payload)) return [];
  const out: Fact[] = [];
  for (const [k, v] of Object.entries(payload)) {
    // Ids are in the subject line and the JSON; as settings they are noise.
    if (ID.test(k) || v === null || v === undefined || (typeof v === "string" && UUID.test(v))) continue;
    if (typeof v === "number") out.push({ label: humanize(k), value: num(v) });
    else if (k === "type" && typeof v === "string") out.push({ label: "Type", value: POLICY_TYPE_LABELS[v] ?? v });
    else if (typeof v === "string" || typeof v === "boolean") out.push({ label: humanize(k), value: String(v) });
    else if (Array.isArray(v))
      out.push({
        label: humanize(k),
        value: v.every((x) => typeof x !== "object") ? v.join(", ") : `${v.length} items (advanced)`,
      });
    else if (isRecord(v)) {
      const keys = Object.keys(v);
      out.push({
        label: humanize(k),
        value: keys.length === 0 ? "defaults" : `${keys.map(humanize).join(", ").toLowerCase()} set (advanced)`,
      });
    }
  }
  return out;
}

/** The headline figures of a finished job's result: evaluation estimates with CIs, training metrics, counts. */
export function resultFigures(type: string, result: unknown): EvalFigure[] {
  if (type === "evaluate-policy") return evaluationSummary(result, 8);
  return readableLabels(evaluationFigures(result, 8).filter((f) => f.label !== "version"));
}

/**
 * "trainingSeconds" → "Training seconds", "feedback · control · validConsumption" → "Feedback · control · valid
 * consumption".
 */
export function readableLabels(figures: EvalFigure[]): EvalFigure[] {
  return figures.map((f) => {
    const label = f.label
      .split(" · ")
      .map((part) => (/^[a-z]+[A-Z]\w*$/.test(part) ? humanize(part).toLowerCase() : part))
      .join(" · ");
    return { ...f, label: label.charAt(0).toUpperCase() + label.slice(1) };
  });
}

/** Short text results (e.g. the promotion gate's verdict). */
export function resultNotes(result: unknown): Fact[] {
  if (!isRecord(result)) return [];
  return Object.entries(result)
    .filter(([k, v]) => typeof v === "string" && !ID.test(k))
    .map(([k, v]) => ({ label: humanize(k), value: v as string }));
}
