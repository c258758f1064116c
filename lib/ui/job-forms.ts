import { z } from "zod";
import { JOB_REGISTRY } from "@/lib/jobs/registry";

/**
 * A job's payload schema as simple form fields, so that the UI can offer a form for any registered
 * job (train-policy, evaluate-policy, …) from the same zod schema the server validates with.
 * Nested objects and unions become a JSON field.
 */
export interface JobField {
  name: string;
  kind: "string" | "number" | "integer" | "boolean" | "enum" | "json" | "string-list";
  required: boolean;
  description?: string;
  defaultValue?: unknown;
  min?: number;
  max?: number;
  options?: string[];
}

export interface JobFormSpec {
  type: string;
  description: string;
  fields: JobField[];
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
};

const BIG = 9_007_199_254_740_991;

function fieldOf(name: string, s: JsonSchema, required: boolean): JobField {
  const base = {
    name,
    required: required && s.default === undefined,
    description: s.description,
    defaultValue: s.default,
  };
  const bound = (x: number | undefined) => (x === undefined || Math.abs(x) >= BIG ? undefined : x);
  if (s.enum && s.enum.every((v) => typeof v === "string"))
    return { ...base, kind: "enum", options: s.enum as string[] };
  if (s.type === "boolean") return { ...base, kind: "boolean" };
  if (s.type === "integer" || s.type === "number")
    return { ...base, kind: s.type, min: bound(s.minimum ?? s.exclusiveMinimum), max: bound(s.maximum) };
  if (s.type === "string") return { ...base, kind: "string" };
  if (s.type === "array" && s.items?.type === "string") return { ...base, kind: "string-list" };
  // string | integer unions (e.g. seeds) read as text
  if (s.anyOf && s.anyOf.every((a) => a.type === "string" || a.type === "integer" || a.type === "number"))
    return { ...base, kind: "string" };
  return { ...base, kind: "json" };
}

export function jobFormSpec(type: string): JobFormSpec | null {
  const def = JOB_REGISTRY.find((d) => d.name === type);
  if (!def) return null;
  let schema: JsonSchema;
  try {
    schema = z.toJSONSchema(def.payload as z.ZodType, { io: "input", unrepresentable: "any" }) as JsonSchema;
  } catch {
    return { type, description: def.description, fields: [] };
  }
  const required = new Set(schema.required ?? []);
  return {
    type,
    description: def.description,
    fields: Object.entries(schema.properties ?? {}).map(([name, s]) => fieldOf(name, s, required.has(name))),
  };
}

export const registeredJobTypes = (): string[] => JOB_REGISTRY.map((d) => d.name);
