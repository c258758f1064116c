import type { AnalysisPlan as DbAnalysisPlan } from "@prisma/client";
import type { AnalysisPlan } from "@/lib/stats";

/** The API's plan names ↔ the database enum (snake_case like the other enums). */
export type AnalysisPlanName = "sequential" | "fixedHorizon";
export const toDbPlan = (name: AnalysisPlanName): DbAnalysisPlan =>
  name === "fixedHorizon" ? "fixed_horizon" : "sequential";
export const planName = (plan: DbAnalysisPlan): AnalysisPlanName =>
  plan === "fixed_horizon" ? "fixedHorizon" : "sequential";

/** The plan lib/stats decides with; a fixed-horizon plan always has its planned users (input validation). */
export function analysisPlanOf(e: { analysisPlan: DbAnalysisPlan; plannedUsers: number | null }): AnalysisPlan {
  if (e.analysisPlan === "fixed_horizon" && e.plannedUsers !== null)
    return { kind: "fixedHorizon", plannedUsers: e.plannedUsers };
  return { kind: "sequential", ...(e.plannedUsers !== null ? { plannedUsers: e.plannedUsers } : {}) };
}

/**
 * A guardrail's allowed relative harm when neither the experiment nor the catalogue sets one: 2%
 * (docs/statistics.md §4). A guardrail needs some margin: at 0 its non-inferiority test could only
 * pass by proving the treatment better, and no experiment would ever ship.
 */
export const DEFAULT_GUARDRAIL_HARM = 0.02;

/** Allowed relative harm per guardrail: the experiment's override, else the catalogue's, else the default. */
export function allowedHarmOf(e: { guardrailHarm: unknown }, metric: { key: string; allowedHarm: number | null }) {
  const overrides = (e.guardrailHarm ?? {}) as Record<string, number>;
  return overrides[metric.key] ?? metric.allowedHarm ?? DEFAULT_GUARDRAIL_HARM;
}
