import { z } from "zod";
import { allocationIssues, BUCKET_COUNT, rangeIssues, type BucketRange } from "@/lib/assignment";
import { DEFAULT_MIN_USERS_PER_ARM } from "@/lib/stats/minimum-data";
import { safeString } from "@/lib/validation";

/** Metrics a report computes even when an experiment names none of them (the built-in catalogue). */
export const BUILT_IN_METRICS = ["valid_consumption", "duration", "interactions", "session_depth"] as const;
const MAX_GUARDRAILS = 20;

export const keySchema = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,62}$/,
    "must be 1–63 lowercase letters, digits, '_', '-' or '.', starting with a letter or digit",
  );

const bucketRange = z
  .tuple([z.number().int().min(0).max(BUCKET_COUNT), z.number().int().min(0).max(BUCKET_COUNT)])
  .refine(([s, e]) => s < e, "a range is [start, end) with start < end");
export const bucketRanges = z.array(bucketRange).min(1, "give at least one range").max(200);

export const armInput = z.object({
  key: keySchema,
  name: safeString().trim().min(1).max(100).optional(),
  control: z.boolean().default(false),
  policyVersionId: z.uuid("must be a policy version id").nullish(),
  weight: z.number().positive("must be > 0").max(1).optional(),
  ranges: bucketRanges.optional(),
});
export type ArmInput = z.infer<typeof armInput>;

/**
 * ab: each user sees one arm's ranking; interleaving: one list merged from every arm's ranking (docs/interleaving.md).
 */
export const EXPERIMENT_TYPES = ["ab", "interleaving"] as const;
const experimentType = z.enum(EXPERIMENT_TYPES);

const coverage = z.number().min(0, "must be within [0, 1]").max(1, "must be within [0, 1]");
/** Days after a user's first exposure during which their events count; null: until the stop (docs/statistics.md §7). */
export const MAX_ATTRIBUTION_WINDOW_DAYS = 365;
const attributionWindowDays = z
  .number()
  .int("must be a whole number of days")
  .min(1, "must be at least 1 day")
  .max(MAX_ATTRIBUTION_WINDOW_DAYS, `must be at most ${MAX_ATTRIBUTION_WINDOW_DAYS} days`)
  .nullish();

/** Per-experiment webhook (auto-stops, verdicts); null falls back to FUSIONLAB_WEBHOOK_URL. */
const webhookUrl = safeString()
  .trim()
  .max(2000)
  .refine((s) => /^https?:\/\/[^\s]+$/.test(s) && URL.canParse(s), "must be an http(s) URL");

/** The analysis plan's fields (docs/statistics.md §1), shared by create and edit. */
export const ANALYSIS_PLANS = ["sequential", "fixedHorizon"] as const;
const analysisFields = {
  analysisPlan: z.enum(ANALYSIS_PLANS),
  plannedUsers: z.number().int().min(4, "must be at least 4").max(1_000_000_000),
  minUsersPerArm: z.number().int().min(2, "must be at least 2 (a variance needs two users)").max(1_000_000),
  minEventsPerArm: z.number().int().min(0, "must be 0 (no rule) or more").max(1_000_000_000),
  guardrailHarm: z.record(keySchema, z.number().gt(0, "must be > 0").lt(1, "must be below 1 (100%)")),
};

function checkAnalysisPlan(
  v: {
    analysisPlan?: string;
    plannedUsers?: number | null;
    guardrailMetrics?: string[];
    guardrailHarm?: Record<string, number>;
  },
  ctx: z.RefinementCtx,
) {
  if (v.analysisPlan === "fixedHorizon" && v.plannedUsers == null)
    ctx.addIssue({ code: "custom", path: ["plannedUsers"], message: "a fixed-horizon plan needs its planned users" });
  if (v.guardrailHarm && v.guardrailMetrics) {
    for (const key of Object.keys(v.guardrailHarm))
      if (!v.guardrailMetrics.includes(key))
        ctx.addIssue({
          code: "custom",
          path: ["guardrailHarm", key],
          message: `"${key}" is not a guardrail of this experiment`,
        });
  }
}

function checkRanges(ranges: readonly BucketRange[] | undefined, path: string[], ctx: z.RefinementCtx) {
  if (!ranges) return;
  for (const message of rangeIssues(ranges)) ctx.addIssue({ code: "custom", path, message });
}

/** The rules every experiment definition obeys, shared by create and by edits of drafts. */
function checkArms(value: { arms?: ArmInput[]; coverage?: number }, ctx: z.RefinementCtx) {
  if (!value.arms) return;
  const controls = value.arms.filter((a) => a.control).length;
  if (controls !== 1)
    ctx.addIssue({
      code: "custom",
      path: ["arms"],
      message: `exactly one arm must be the control (found ${controls})`,
    });
  const keys = value.arms.map((a) => a.key);
  if (new Set(keys).size !== keys.length)
    ctx.addIssue({ code: "custom", path: ["arms"], message: "arm keys must be unique" });
  for (const message of allocationIssues({ coverage: value.coverage, arms: value.arms }))
    ctx.addIssue({ code: "custom", path: ["arms"], message });
}

export const createExperimentInput = z
  .object({
    key: keySchema,
    name: safeString().trim().min(1, "is required").max(200),
    hypothesis: safeString().trim().max(5000).optional(),
    type: experimentType.default("ab"),
    layer: keySchema,
    hashSeed: safeString().trim().min(1).max(200).optional(),
    layerBuckets: bucketRanges.optional(),
    // Keys of the metric catalogue (lib/metrics); that they exist is checked against the database.
    primaryMetric: keySchema,
    guardrailMetrics: z.array(keySchema).max(MAX_GUARDRAILS).default([]),
    coverage: coverage.default(1),
    attributionWindowDays,
    arms: z.array(armInput).min(2, "an experiment needs a control and at least one treatment").max(20),
    analysisPlan: analysisFields.analysisPlan.default("sequential"),
    plannedUsers: analysisFields.plannedUsers.nullish(),
    minUsersPerArm: analysisFields.minUsersPerArm.default(DEFAULT_MIN_USERS_PER_ARM),
    minEventsPerArm: analysisFields.minEventsPerArm.default(0),
    guardrailHarm: analysisFields.guardrailHarm.default({}),
    webhookUrl: webhookUrl.nullish(),
  })
  .superRefine((v, ctx) => {
    checkRanges(v.layerBuckets, ["layerBuckets"], ctx);
    checkArms(v, ctx);
    checkAnalysisPlan(v, ctx);
  });
export type CreateExperimentInput = z.infer<typeof createExperimentInput>;

/** An editor launching past the launch gate (docs/experiments.md): the reason goes into the audit trail. */
export const gateOverride = z
  .object({ reason: safeString().trim().min(10, "give a reason of at least 10 characters").max(2000) })
  .strict();
export type GateOverride = z.infer<typeof gateOverride>;

export const startExperimentInput = z.object({ override: gateOverride.optional() }).strict();

export const patchExperimentInput = z
  .object({
    name: safeString().trim().min(1).max(200).optional(),
    hypothesis: safeString().trim().max(5000).nullish(),
    type: experimentType.optional(),
    primaryMetric: keySchema.optional(),
    guardrailMetrics: z.array(keySchema).max(MAX_GUARDRAILS).optional(),
    coverage: coverage.optional(),
    attributionWindowDays,
    layerBuckets: bucketRanges.optional(),
    arms: z.array(armInput).min(2).max(20).optional(),
    analysisPlan: analysisFields.analysisPlan.optional(),
    plannedUsers: analysisFields.plannedUsers.nullish(),
    minUsersPerArm: analysisFields.minUsersPerArm.optional(),
    minEventsPerArm: analysisFields.minEventsPerArm.optional(),
    guardrailHarm: analysisFields.guardrailHarm.optional(),
    webhookUrl: webhookUrl.nullish(),
    /** Ramping up a running experiment passes the launch gate again; this overrides it. */
    override: gateOverride.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    checkRanges(v.layerBuckets, ["layerBuckets"], ctx);
    checkArms(v, ctx);
  });
export type PatchExperimentInput = z.infer<typeof patchExperimentInput>;

export const createLayerInput = z.object({
  key: keySchema,
  name: safeString().trim().min(1, "is required").max(200),
  description: safeString().trim().max(2000).optional(),
  priority: z.number().int().min(0).max(10_000).default(100),
});

/** What the team decided when it stopped the experiment (shown on its page and in the audit trail). */
export const EXPERIMENT_DECISIONS = ["ship", "ship_nothing", "rerun"] as const;
export const stopExperimentInput = z
  .object({
    decision: z.enum(EXPERIMENT_DECISIONS),
    /** The arm to ship; only with decision "ship". */
    arm: keySchema.optional(),
    note: safeString().trim().max(2000).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.decision === "ship" && !input.arm)
      ctx.addIssue({ code: "custom", path: ["arm"], message: "name the arm to ship" });
    if (input.decision !== "ship" && input.arm)
      ctx.addIssue({ code: "custom", path: ["arm"], message: `an arm goes only with decision "ship"` });
  });
export type StopExperimentInput = z.infer<typeof stopExperimentInput>;

export { idOrKeyParams as experimentRef } from "@/lib/validation";
export const listExperimentsQuery = z.object({
  status: z.enum(["draft", "running", "stopped"]).optional(),
  layer: safeString().optional(),
});
/** Which history a power plan starts from: a metric on a layer (lib/experiments/power-baseline.ts). */
export const powerBaselineQuery = z.object({ layer: keySchema, metric: keySchema });
export const assignmentQuery = z.object({ userId: safeString().min(1, "is required").max(512) });
