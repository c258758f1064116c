import type { PolicyTypeKey } from "@/lib/policies/policy-input";

/** Overrides of lib/rl's defaults per preset; "standard" uses the documented defaults as they are. */
export function presetConfigs(type: PolicyTypeKey, preset: "quick" | "standard"): { agent: Record<string, unknown>; training: Record<string, unknown> } {
  if (preset === "standard") return { agent: {}, training: {} };
  if (type === "fixed") return { agent: { iterations: 3, population: 6, sessionsPerCandidate: 60 }, training: {} };
  return { agent: {}, training: { rounds: 1, sessionsPerRound: 150, stepsPerRound: 60, evalSessions: 60 } };
}
