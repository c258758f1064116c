import { z } from "zod";
import { keySchema } from "@/lib/experiments/experiment-input";

export const POLICY_TYPES = ["fixed", "user_state", "enhanced_state"] as const;
export type PolicyTypeKey = (typeof POLICY_TYPES)[number];
/** How the UI names the types. */
export const POLICY_TYPE_LABELS: Record<string, string> = {
  fixed: "Fixed",
  user_state: "User-state RL",
  enhanced_state: "Enhanced-State RL",
};
/** lib/rl names the RL types with dashes. */
export const rlType = (t: "user_state" | "enhanced_state") => (t === "user_state" ? "user-state" : "enhanced-state");

/**
 * Presets: "quick" trains in well under a minute on 2 cores (demos, tests; not a serious policy),
 * "standard" is the documented default configuration of lib/rl. Explicit configs override either.
 */
export const TRAINING_PRESETS = ["quick", "standard"] as const;

export const trainPolicyInput = z.object({
  /** Key of the policy to add a version to (created on first use with `type`). */
  policy: keySchema,
  name: z.string().trim().min(1).max(200).optional(),
  type: z.enum(POLICY_TYPES),
  scenario: z.string().min(1, "is required"),
  seed: z
    .union([z.string().min(1).max(100), z.number().int()])
    .transform(String)
    .default("1"),
  preset: z.enum(TRAINING_PRESETS).default("standard"),
  /** lib/rl agent config (user-state / enhanced-state) or CEM config (fixed); merged over the preset. */
  agentConfig: z.record(z.string(), z.unknown()).optional(),
  /** lib/rl progressive-training config (rounds, sessions per round, …); merged over the preset. */
  trainingConfig: z.record(z.string(), z.unknown()).optional(),
  /** Train offline on this logged dataset instead of progressive simulation rounds (RL types). */
  datasetId: z.uuid().optional(),
  /** Continue from this version (same type), or start an RL actor at a fixed version's action. */
  parentVersionId: z.uuid().optional(),
});
export type TrainPolicyInput = z.infer<typeof trainPolicyInput>;

export const evaluatePolicyInput = z.object({
  policyVersionId: z.uuid(),
  scenario: z.string().min(1, "is required"),
  seeds: z.number().int().min(2).max(100).default(10),
  sessionsPerSeed: z.number().int().min(10).max(100_000).default(300),
  /** Simulated users per world (default: the scenario's), e.g. to evaluate on the worlds simulate-traffic builds. */
  users: z.number().int().min(10).max(1_000_000).optional(),
  /** Held-out logs for MTF-GAUC and the SNIPS estimate. */
  datasetId: z.uuid().optional(),
  /**
   * The paired baseline: another version (e.g. an experiment's control arm). Default: the platform
   * default as it is when the job runs. Only a platform-default evaluation becomes the version's own.
   */
  baselineVersionId: z.uuid("must be a policy version id").optional(),
});
export type EvaluatePolicyInput = z.infer<typeof evaluatePolicyInput>;
