/**
 * An interleaving experiment's report as the VerdictReport the guardrail job and its webhooks read
 * (docs/experiments.md), so that both experiment types are monitored by the same rules. Pure.
 *
 * Per treatment arm, against the control, from each metric's preference test (always-valid interval
 * of the mean preference Δ = (wins − losses) / users, from −1 to 1, oriented so that Δ > 0 favours
 * the treatment):
 * - primary metric: ship when the interval lies above 0, don't ship when below, not enough data
 *   under the minimum, else keep running;
 * - guardrail: fail when the interval lies wholly below −(allowed harm) — the allowed harm read as
 *   a margin on Δ, since a preference has no relative change — pass when it lies above it, else not
 *   yet. A failing guardrail blocks shipping.
 */
import type { PreferenceResult } from "@/lib/stats/interleaving-preference";
import type {
  ArmVerdict,
  DecidingInterval,
  GuardrailVerdict,
  PrimaryMetricVerdict,
  PrimaryVerdict,
  VerdictReport,
} from "@/lib/stats/verdict";

export interface InterleavingComparison extends PreferenceResult {
  metric: string;
  role: "primary" | "guardrail";
  a: string;
  b: string;
}

export interface InterleavingVerdictInput {
  arms: readonly { key: string; control: boolean }[];
  users: number;
  comparisons: readonly InterleavingComparison[];
  /** Allowed harm per guardrail metric (the experiment's, the catalogue's or the default). */
  allowedHarm: (metric: string) => number;
}

const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`;

/** The comparison of `treatment` against `control` on `metric`, with Δ oriented towards the treatment. */
function towardsTreatment(c: InterleavingComparison, treatment: string) {
  const flip = c.a === treatment ? 1 : -1;
  const ci = c.deltaCi ? ([flip * c.deltaCi[flip === 1 ? 0 : 1], flip * c.deltaCi[flip === 1 ? 1 : 0]] as const) : null;
  return { delta: flip * c.delta, ci: ci ? ([ci[0], ci[1]] as [number, number]) : null };
}

const interval = (ci: [number, number] | null): DecidingInterval | null =>
  ci === null ? null : { relative: ci, difference: ci, level: 0.05, test: "sequential" };

function primaryOf(c: InterleavingComparison, arm: string): PrimaryMetricVerdict {
  const { delta, ci } = towardsTreatment(c, arm);
  const base = { role: "primary" as const, metric: c.metric, arm, relativeChange: null, difference: delta };
  const shown = ci ? `the always-valid 95% interval of its mean preference [${signed(ci[0])}, ${signed(ci[1])}]` : "";
  if (ci === null)
    return {
      ...base,
      verdict: "notEnoughData",
      reason: `Not enough data yet: ${c.users} users in the interleaving experiment.`,
      interval: null,
      pValue: null,
    };
  const verdict: PrimaryVerdict = ci[0] > 0 ? "ship" : ci[1] < 0 ? "dontShip" : "keepRunning";
  const reason =
    verdict === "ship"
      ? `Users prefer ${arm} on ${c.metric}: ${shown} excludes 0.`
      : verdict === "dontShip"
        ? `Users prefer the control over ${arm} on ${c.metric}: ${shown} excludes 0.`
        : `No preference yet on ${c.metric}: ${shown} still includes 0; safe to keep reading.`;
  return { ...base, verdict, reason, interval: interval(ci), pValue: c.sequentialPValue };
}

function guardrailOf(c: InterleavingComparison, arm: string, allowedHarm: number): GuardrailVerdict {
  const { delta, ci } = towardsTreatment(c, arm);
  const base = {
    role: "guardrail" as const,
    metric: c.metric,
    arm,
    allowedHarm,
    relativeChange: null,
    difference: delta,
  };
  if (ci === null)
    return {
      ...base,
      status: "notEnoughData",
      reason: `Not enough data yet: ${c.users} users in the interleaving experiment.`,
      interval: null,
    };
  const shown = `the always-valid interval of its mean preference [${signed(ci[0])}, ${signed(ci[1])}]`;
  if (ci[1] < -allowedHarm)
    return {
      ...base,
      status: "fail",
      reason:
        `Users prefer the control ` +
        `on ${c.metric} beyond the margin of ${allowedHarm}: ${shown} lies below −${allowedHarm}.`,
      interval: interval(ci),
    };
  if (ci[0] > -allowedHarm)
    return {
      ...base,
      status: "pass",
      reason: `Non-inferior: ${shown} stays above −${allowedHarm}.`,
      interval: interval(ci),
    };
  return {
    ...base,
    status: "notYet",
    reason: `Not yet shown non-inferior: ${shown} reaches below −${allowedHarm}.`,
    interval: interval(ci),
  };
}

export function interleavingVerdict(input: InterleavingVerdictInput): VerdictReport {
  const control = input.arms.find((a) => a.control);
  const arms: ArmVerdict[] = input.arms
    .filter((a) => !a.control)
    .map((t) => {
      const against = input.comparisons.filter(
        (c) => (c.a === t.key && c.b === control?.key) || (c.b === t.key && c.a === control?.key),
      );
      const primary = against.filter((c) => c.role === "primary").map((c) => primaryOf(c, t.key));
      const guardrails = against
        .filter((c) => c.role === "guardrail")
        .map((c) => guardrailOf(c, t.key, input.allowedHarm(c.metric)));
      const failed = guardrails.find((g) => g.status === "fail");
      const head = primary[0];
      if (failed)
        return {
          arm: t.key,
          verdict: "dontShip",
          reason: `Guardrail ${failed.metric} fails: ${failed.reason}`,
          primary,
          guardrails,
        };
      if (!head)
        return {
          arm: t.key,
          verdict: "keepRunning",
          reason: "The primary metric is not credited per item.",
          primary,
          guardrails,
        };
      if (head.verdict === "ship" && guardrails.some((g) => g.status !== "pass")) {
        const pending = guardrails.find((g) => g.status !== "pass")!;
        return {
          arm: t.key,
          verdict: "keepRunning",
          reason: `${head.reason} Guardrail ${pending.metric} has not passed yet.`,
          primary,
          guardrails,
        };
      }
      return { arm: t.key, verdict: head.verdict, reason: head.reason, primary, guardrails };
    });
  return {
    plan: { kind: "sequential" },
    sequentialTuning: null,
    progress: { users: input.users, plannedUsers: null },
    arms,
  };
}
