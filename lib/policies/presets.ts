import type { PolicyTypeKey } from "@/lib/policies/policy-input";

/**
 * Overrides of lib/rl's defaults per preset; "standard" uses the documented defaults as they are.
 * "quick" is for demos and tests: a small promotion gate (2 held-out worlds × 150 sessions) that
 * rarely has the power to promote, so a quick run mostly registers its behaviour unchanged
 * ("not improved") — never a policy worse than it. Run times on the 2-core development machine are
 * in README ("Training presets").
 */
export function presetConfigs(
  type: PolicyTypeKey,
  preset: "quick" | "standard",
): { agent: Record<string, unknown>; training: Record<string, unknown> } {
  if (preset === "standard") return { agent: {}, training: {} };
  const gate = { evalSessions: 150, gateWorlds: 2 };
  if (type === "fixed") return { agent: { iterations: 3, population: 6, sessionsPerCandidate: 60 }, training: gate };
  return { agent: {}, training: { rounds: 1, sessionsPerRound: 150, stepsPerRound: 60, ...gate } };
}
