import { z } from "zod";
import { safeString } from "@/lib/validation";

export const simulateTrafficInput = z.object({
  /** Experiment id or key; it must be running. */
  experiment: safeString().min(1),
  scenario: safeString().min(1),
  seed: z
    .union([safeString().min(1).max(100), z.number().int()])
    .transform(String)
    .default("1"),
  /** Simulated users (the scenario's world is built with this many). */
  users: z.number().int().min(10).max(1_000_000),
  sessionsPerUser: z.number().positive().max(100).default(2),
  /** Days of pre-period on the control policy before the experiment's start (CUPED covariate); 0: none. */
  prePeriodDays: z.number().int().min(0).max(14).default(7),
  /** Requests in flight at once. */
  concurrency: z.number().int().min(1).max(256).default(16),
});
export type SimulateTrafficInput = z.infer<typeof simulateTrafficInput>;
