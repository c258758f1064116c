import { z } from "zod";
import { behaviourSchema, explorationSchema } from "@/lib/dataset-store/dataset-input";
import { pct } from "@/lib/ui/format";

/**
 * A dataset's behaviour policy and exploration in words. Imported CSVs carry neither: their logs
 * come from whatever production policy served them, which the file does not say.
 */
export function behaviourText(origin: string, behaviour: unknown, versionLabel?: string): string {
  if (behaviour === null || behaviour === undefined)
    return origin === "imported" ? "the production policy that logged the CSV (not recorded in the file)" : "—";
  const b = behaviourSchema.safeParse(behaviour);
  if (!b.success) return JSON.stringify(behaviour);
  if ("policyVersionId" in b.data) return versionLabel ?? "a policy version";
  return { fixed: "platform default fixed policy", random: "random actions", oracle: "oracle (true response model)" }[
    b.data.kind
  ];
}

export function explorationText(origin: string, exploration: unknown): string {
  if (exploration === null || exploration === undefined)
    return origin === "imported" ? "unknown (not recorded in the file)" : "none";
  const e = explorationSchema.extend({ noise: z.number() }).safeParse(exploration);
  if (!e.success) return JSON.stringify(exploration);
  const draws = e.data.perItem ? "drawn per item" : "one draw per request";
  return `uniform noise ±${pct(e.data.noise, 0)} of the action range around the behaviour's action, ${draws}`;
}
