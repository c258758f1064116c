/**
 * What the guardrail job does about one experiment's fresh verdicts (docs/experiments.md). Pure:
 * the verdicts come from the experiment type's own analysis (A/B report, interleaving report).
 *
 * - Stop a treatment arm when one of its guardrails fails by the sequential test: the always-valid
 *   interval lies wholly past the allowed harm. A fixed-horizon plan, or a "fail" only because the
 *   planned size was reached without ruling harm out, does not stop anything: that is a verdict
 *   for people, not evidence of harm.
 * - Announce an arm's verdict the first time it is decisive (ship, don't ship, inconclusive).
 */
import type { GuardrailVerdict, VerdictReport } from "@/lib/stats/verdict";

export const DECISIVE_VERDICTS = ["ship", "dontShip", "inconclusive"] as const;
export type DecisiveVerdict = (typeof DECISIVE_VERDICTS)[number];

export interface MonitoredArm {
  key: string;
  control: boolean;
  stopped: boolean;
  /** The decisive verdict already announced, if any. */
  announced: string | null;
}

export type MonitorAction =
  | { kind: "stopArm"; arm: string; guardrail: GuardrailVerdict; reason: string }
  | { kind: "announceVerdict"; arm: string; verdict: DecisiveVerdict; reason: string };

/** True when the guardrail's always-valid interval shows harm beyond its allowed margin. */
export function showsHarm(g: GuardrailVerdict): boolean {
  const rel = g.interval?.relative;
  if (g.status !== "fail" || g.interval?.test !== "sequential" || !rel) return false;
  // Whole interval below −harm (higher is better) or above +harm (lower is better); a failing
  // guardrail cannot be wholly on the good side, so either bound past its margin means harm.
  return rel[1] < -g.allowedHarm || rel[0] > g.allowedHarm;
}

const isDecisive = (v: string): v is DecisiveVerdict => (DECISIVE_VERDICTS as readonly string[]).includes(v);

export function monitorActions(report: VerdictReport, arms: readonly MonitoredArm[]): MonitorAction[] {
  const actions: MonitorAction[] = [];
  for (const v of report.arms) {
    const arm = arms.find((a) => a.key === v.arm);
    if (!arm || arm.control) continue;
    const harmed = arm.stopped ? undefined : v.guardrails.find(showsHarm);
    if (harmed)
      actions.push({
        kind: "stopArm",
        arm: v.arm,
        guardrail: harmed,
        reason: `Guardrail ${harmed.metric} failed by the sequential test: ${harmed.reason}`,
      });
    if (arm.announced === null && isDecisive(v.verdict))
      actions.push({ kind: "announceVerdict", arm: v.arm, verdict: v.verdict, reason: v.reason });
  }
  return actions;
}
