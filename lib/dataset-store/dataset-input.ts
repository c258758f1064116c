import { z } from "zod";
import { safeString } from "@/lib/validation";

export const behaviourSchema = z.union([
  z.object({ kind: z.enum(["fixed", "random", "oracle"]) }).strict(),
  z.object({ policyVersionId: z.uuid("must be a policy version id") }).strict(),
]);
export type Behaviour = z.infer<typeof behaviourSchema>;

export const explorationSchema = z.object({
  noise: z.number().min(0).max(1).default(0.15),
  perItem: z.boolean().default(false),
});

export const simulateDatasetInput = z.object({
  name: safeString().trim().min(1, "is required").max(200),
  scenario: safeString().min(1, "is required"),
  seed: z
    .union([safeString().min(1).max(100), z.number().int()])
    .transform(String)
    .default("1"),
  sessions: z.number().int().min(1).max(5_000_000),
  behaviour: behaviourSchema.default({ kind: "fixed" }),
  /** Bounded exploration around the behaviour action (docs/architecture.md §7); null for none. */
  exploration: explorationSchema.nullable().default({ noise: 0.15, perItem: false }),
});
export type SimulateDatasetInput = z.infer<typeof simulateDatasetInput>;

/** The worker job's payload: the dataset row was created when the job was enqueued. */
export const datasetJobPayload = z.object({ datasetId: z.uuid() });
