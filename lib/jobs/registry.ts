import { z } from "zod";
import { datasetJobPayload } from "@/lib/dataset-store/dataset-input";
import { markDatasetFailed } from "@/lib/dataset-store/mark-dataset-failed";
import { defineJob, type JobDefinition } from "@/lib/jobs/define-job";
import { evaluatePolicyInput, trainPolicyInput } from "@/lib/policies/policy-input";
import { simulateTrafficInput } from "@/lib/traffic/traffic-input";

/**
 * Every background job FusionLab knows: name, payload schema, retry policy, handler. The web process
 * uses it to validate and enqueue; worker processes to run. Add a job by adding an entry here.
 */
const dbMaintenancePayload = z.object({
  jobLogRetentionDays: z.number().int().min(1).max(3650).default(30),
  /** Defaults to FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS. */
  decisionItemsRetentionDays: z.number().int().min(1).max(3650).optional(),
});
export type DbMaintenancePayload = z.infer<typeof dbMaintenancePayload>;

export const rollupReportsPayload = z.object({
  /** Only rows older than this are rolled up: a transaction still writing older rows is unlikely past it. */
  lagSeconds: z.number().int().min(0).max(86_400).default(120),
  /** One experiment (uuid); by default every running experiment and each stopped one not yet rolled past its stop. */
  experimentId: z.uuid("must be an experiment id").optional(),
});
export type RollupReportsPayload = z.infer<typeof rollupReportsPayload>;

export const guardrailCheckPayload = z.object({
  /** One experiment (uuid); by default every running experiment. */
  experimentId: z.uuid("must be an experiment id").optional(),
});
export type GuardrailCheckPayload = z.infer<typeof guardrailCheckPayload>;

export const deliverWebhookPayload = z.object({ deliveryId: z.uuid("must be a webhook delivery id") });
export type DeliverWebhookPayload = z.infer<typeof deliverWebhookPayload>;

export const JOB_REGISTRY = [
  defineJob({
    name: "db-maintenance",
    description:
      "Create upcoming partitions, drop shown items of decisions past their retention, prune old job logs, " +
      "refresh planner statistics, report table sizes",
    payload: dbMaintenancePayload,
    retryLimit: 2,
    retryDelaySeconds: 5,
    expireInSeconds: 15 * 60,
    load: async () => (await import("@/lib/jobs/handlers/db-maintenance")).runDbMaintenance,
  }),
  defineJob({
    name: "rollup-reports",
    description: "Roll decisions and events of experiments up into per-user-per-day sums that reports read",
    payload: rollupReportsPayload,
    retryLimit: 2,
    retryDelaySeconds: 10,
    expireInSeconds: 3600,
    load: async () => (await import("@/lib/reports/rollup-reports")).runReportRollups,
  }),
  defineJob({
    name: "check-guardrails",
    description:
      "Re-analyse running experiments: stop a treatment arm whose guardrail shows harm by the sequential test " +
      "(its users get the control policy) and announce first verdicts by webhook",
    payload: guardrailCheckPayload,
    retryLimit: 1,
    retryDelaySeconds: 10,
    expireInSeconds: 1800,
    load: async () => (await import("@/lib/jobs/handlers/check-guardrails")).runGuardrailCheck,
  }),
  defineJob({
    name: "deliver-webhook",
    description: "POST one signed webhook message (auto-stop, verdict); retried with exponential backoff",
    payload: deliverWebhookPayload,
    // 5 s, 10 s, 20 s, … about 10 minutes in all before it is marked failed.
    retryLimit: 7,
    retryDelaySeconds: 5,
    expireInSeconds: 60,
    load: async () => (await import("@/lib/jobs/handlers/deliver-webhook")).deliverWebhook,
    onGiveUp: async (payload) => (await import("@/lib/jobs/handlers/deliver-webhook")).markWebhookFailed(payload),
  }),
  defineJob({
    name: "simulate-dataset",
    description: "Run a scenario with a behaviour policy (plus exploration) and log every request as a dataset",
    payload: datasetJobPayload,
    retryLimit: 2,
    retryDelaySeconds: 10,
    expireInSeconds: 4 * 3600,
    load: async () => (await import("@/lib/jobs/handlers/simulate-dataset")).runDatasetSimulation,
    onGiveUp: markDatasetFailed,
  }),
  defineJob({
    name: "import-dataset",
    description: "Convert an uploaded KuaiRand-layout CSV into dataset shards",
    payload: datasetJobPayload,
    retryLimit: 1,
    retryDelaySeconds: 10,
    expireInSeconds: 4 * 3600,
    load: async () => (await import("@/lib/jobs/handlers/import-dataset")).runDatasetImport,
    onGiveUp: markDatasetFailed,
  }),
  defineJob({
    name: "simulate-traffic",
    description: "Play simulated users against the real /api/v1/rank and /api/v1/events of a running experiment",
    payload: simulateTrafficInput,
    // Not retried, nor re-queued on shutdown: another run would send the same sessions' rank requests again.
    retryLimit: 0,
    rerunnable: false,
    // It writes decisions and events into a running experiment.
    extraScopes: ["experiments:write"],
    retryDelaySeconds: 1,
    expireInSeconds: 6 * 3600,
    load: async () => (await import("@/lib/jobs/handlers/simulate-traffic")).runTraffic,
  }),
  defineJob({
    name: "train-policy",
    description: "Tune a fixed policy or train a user-state / Enhanced-State RL policy; register it as a new version",
    payload: trainPolicyInput,
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 12 * 3600,
    load: async () => (await import("@/lib/jobs/handlers/train-policy")).runTraining,
  }),
  defineJob({
    name: "evaluate-policy",
    description: "Offline evaluation of a policy version: simulator rollout value with CIs, MTF-GAUC, SNIPS",
    payload: evaluatePolicyInput,
    retryLimit: 1,
    retryDelaySeconds: 30,
    expireInSeconds: 6 * 3600,
    load: async () => (await import("@/lib/jobs/handlers/evaluate-policy")).runEvaluation,
  }),
] as const satisfies readonly JobDefinition[];

export type JobName = (typeof JOB_REGISTRY)[number]["name"];

export function findJobDefinition(registry: readonly JobDefinition[], name: string): JobDefinition | undefined {
  return registry.find((d) => d.name === name);
}
