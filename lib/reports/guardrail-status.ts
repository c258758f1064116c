/**
 * A guardrail's verdict for one treatment from its relative lift's 95% CI, the metric's direction
 * and its allowed relative harm h (0 when none is set): "breached" when the whole interval lies
 * beyond a harm of h (the treatment is surely worse than tolerated), "at risk" when the interval
 * reaches beyond it, "ok" when it stays within it, "unknown" when the lift is not estimable.
 */
export type GuardrailStatus = "ok" | "at risk" | "breached" | "unknown";

export function guardrailStatus(
  ci: readonly [number, number] | null | undefined,
  direction: "higher" | "lower",
  allowedHarm: number | null,
): GuardrailStatus {
  if (!ci) return "unknown";
  const h = allowedHarm ?? 0;
  // Harm as a positive number: a fall of a higher-is-better metric, a rise of a lower-is-better one.
  const [least, most] = direction === "higher" ? [-ci[1], -ci[0]] : [ci[0], ci[1]];
  if (least > h) return "breached";
  if (most > h) return "at risk";
  return "ok";
}
