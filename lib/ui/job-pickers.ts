import type { JobFormSpec } from "@/lib/ui/job-forms";

type Option = { value: string; label: string };

export interface PickerSources {
  scenarios?: { id: string; key: string; name: string }[];
  datasets?: { id: string; name: string; status: string }[];
  versions?: { id: string; label: string; type: string }[];
  experiments?: { id: string; key: string; name: string }[];
}

const TYPE_LABEL: Record<string, string> = {
  fixed: "fixed",
  user_state: "user-state RL",
  enhanced_state: "Enhanced-State RL",
};

/**
 * Select options for a job form's fields, chosen by field name: scenario…, dataset…, …version… /
 * parent…, experiment…. Fields ending in "Id"/"Ids" get ids, others keys where things have keys.
 */
export function jobPickers(spec: JobFormSpec, src: PickerSources): Record<string, Option[]> {
  const out: Record<string, Option[]> = {};
  for (const f of spec.fields) {
    if (f.kind !== "string" && f.kind !== "string-list") continue;
    const byId = /Ids?$/.test(f.name);
    if (/scenario/i.test(f.name) && src.scenarios?.length)
      out[f.name] = src.scenarios.map((s) => ({ value: byId ? s.id : s.key, label: `${s.name} (${s.key})` }));
    else if (/dataset/i.test(f.name) && src.datasets)
      out[f.name] = src.datasets.filter((d) => d.status === "ready").map((d) => ({ value: d.id, label: d.name }));
    else if (/version|parent|baseline/i.test(f.name) && src.versions?.length)
      out[f.name] = src.versions.map((v) => ({ value: v.id, label: `${v.label} (${TYPE_LABEL[v.type] ?? v.type})` }));
    else if (/experiment/i.test(f.name) && src.experiments?.length)
      out[f.name] = src.experiments.map((e) => ({ value: byId ? e.id : e.key, label: `${e.name} (${e.key})` }));
  }
  return out;
}
