import { z } from "zod";
import { EVENT_TYPES } from "@/lib/events/event-input";
import { keySchema } from "@/lib/experiments/experiment-input";
import { safeString } from "@/lib/validation";

/**
 * What a metric measures per user: a count or value sum of some event types, or the user's rank
 * requests or sessions (from the decision log).
 */
export const measureSchema = z.discriminatedUnion("source", [
  z.object({
    source: z.literal("events"),
    eventTypes: z.array(z.enum(EVENT_TYPES)).min(1, "pick at least one event type").max(EVENT_TYPES.length),
    aggregate: z.enum(["count", "sum"]).default("count"),
  }),
  z.object({ source: z.literal("requests") }),
  z.object({ source: z.literal("sessions") }),
]);
export type Measure = z.output<typeof measureSchema>;

export const METRIC_KINDS = ["mean", "proportion", "ratio", "session_mean"] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

const fields = {
  name: safeString().trim().min(1, "is required").max(100),
  description: safeString().trim().max(1000),
  kind: z.enum(METRIC_KINDS),
  numerator: measureSchema,
  denominator: measureSchema.nullish(),
  direction: z.enum(["higher", "lower"]),
  cap: z.enum(["none", "fixed", "percentile"]),
  capValue: z.number().finite().nullish(),
  allowedHarm: z.number().gt(0, "must be > 0").max(1, "must be at most 1 (100%)").nullish(),
};

type Rules = {
  kind?: MetricKind;
  denominator?: Measure | null;
  cap?: "none" | "fixed" | "percentile";
  capValue?: number | null;
};

/** The rules a whole definition obeys (checked on create, and on the merged result of an edit). */
export function metricRuleIssues(v: Rules): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const issue = (path: string, message: string) => issues.push({ path, message });
  if (v.kind === "ratio" && !v.denominator) issue("denominator", "a ratio metric needs a denominator");
  if (v.kind !== undefined && v.kind !== "ratio" && v.denominator)
    issue("denominator", "only ratio metrics have a denominator");
  if (v.cap === "fixed" && !(typeof v.capValue === "number" && v.capValue > 0))
    issue("capValue", "a fixed cap needs capValue > 0");
  if (v.cap === "percentile" && !(typeof v.capValue === "number" && v.capValue > 0 && v.capValue < 100))
    issue("capValue", "a percentile cap needs capValue within (0, 100)");
  if (v.cap === "none" && v.capValue != null) issue("capValue", "set cap to fixed or percentile to use capValue");
  if (v.cap !== undefined && v.cap !== "none" && v.kind !== undefined && v.kind !== "mean")
    issue("cap", "capping applies to mean metrics (per-user values)");
  return issues;
}

export const createMetricInput = z
  .object({
    key: keySchema,
    ...fields,
    description: fields.description.default(""),
    denominator: fields.denominator.default(null),
    direction: fields.direction.default("higher"),
    cap: fields.cap.default("none"),
    capValue: fields.capValue.default(null),
    allowedHarm: fields.allowedHarm.default(null),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const { path, message } of metricRuleIssues(v)) ctx.addIssue({ code: "custom", path: [path], message });
  });
export type CreateMetricInput = z.output<typeof createMetricInput>;

export const patchMetricInput = z.object(fields).partial().strict();
export type PatchMetricInput = z.output<typeof patchMetricInput>;

/** A metric as stored and as the report compiles it. */
export interface MetricDefinition {
  key: string;
  name: string;
  description: string;
  kind: MetricKind;
  numerator: Measure;
  denominator: Measure | null;
  direction: "higher" | "lower";
  cap: "none" | "fixed" | "percentile";
  capValue: number | null;
  allowedHarm: number | null;
  builtIn: boolean;
}
