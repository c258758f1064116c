/**
 * The promotion gate (docs/rl.md §6): a trained policy replaces the behaviour it improves on only
 * when held-out simulation says so with confidence. Candidate and behaviour run on the same
 * held-out worlds and the same sessions (common random numbers), so each session gives a paired
 * difference. The gate promotes when
 *  - the objective (session reward) difference has a lower bound above 0, on an interval widened
 *    by Bonferroni for the number of candidates compared (checkpoints: the best of several is a
 *    winner's curse otherwise), and
 *  - no guarded metric is significantly worse than the behaviour beyond its allowed relative harm
 *    (plain 95% interval: for harm, a narrower interval is the cautious side).
 */
import { z } from "zod";
import type { RolloutResult } from "@/lib/simulator/rollout";
import { normalQuantile } from "@/lib/stats/normal";

export const GUARDED_METRICS = ["validConsumption", "durationSeconds"] as const;
export type GuardedMetric = (typeof GUARDED_METRICS)[number];

/**
 * Allowed relative harm per guarded metric (0 = may not fall below the behaviour; 0.01 = may
 * fall by up to 1%; null = not guarded). Used by the gate and by CEM's penalised objective.
 */
export const GuardrailsSchema = z
  .strictObject({
    validConsumption: z.number().min(0).max(1).nullable().default(0),
    durationSeconds: z.number().min(0).max(1).nullable().default(0),
  })
  .prefault({});
export type Guardrails = z.infer<typeof GuardrailsSchema>;

export interface PairedInterval {
  /** Mean per-session difference candidate − behaviour. */
  difference: number;
  ci: [number, number];
  /** Behaviour's mean per session (the base of relative statements). */
  behaviourMean: number;
  relative: number;
}

export interface GuardrailCheck extends PairedInterval {
  metric: GuardedMetric;
  allowedHarm: number;
  /** false when the interval lies entirely below −allowedHarm · behaviour. */
  passed: boolean;
}

export interface GateDecision {
  objective: PairedInterval;
  guardrails: GuardrailCheck[];
  /** Candidates compared on these sessions (the Bonferroni factor of the objective interval). */
  comparisons: number;
  sessions: number;
  promoted: boolean;
  reason: string;
}

type Metric = "reward" | GuardedMetric;
const valueOf = (r: RolloutResult, m: Metric, i: number) =>
  m === "reward" ? r.perSession.rewardWatch[i] + r.perSession.rewardOther[i] : r.perSession[m][i];

/**
 * Paired interval over sessions, stratified by world: worlds are fixed strata of equal size, so the
 * mean difference is the average of per-world means and its variance the sum of their variances.
 */
export function pairedInterval(
  candidate: readonly RolloutResult[],
  behaviour: readonly RolloutResult[],
  metric: Metric,
  z: number,
): PairedInterval {
  if (candidate.length !== behaviour.length || candidate.length === 0)
    throw new RangeError("candidate and behaviour need the same, non-empty set of worlds");
  let mean = 0;
  let variance = 0;
  let base = 0;
  const G = candidate.length;
  for (let w = 0; w < G; w++) {
    const n = Math.min(candidate[w].sessions, behaviour[w].sessions);
    if (n < 2) throw new RangeError("the gate needs at least 2 sessions per world");
    let s = 0;
    let ss = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const d = valueOf(candidate[w], metric, i) - valueOf(behaviour[w], metric, i);
      s += d;
      ss += d * d;
      b += valueOf(behaviour[w], metric, i);
    }
    const m = s / n;
    mean += m / G;
    variance += Math.max(0, (ss - n * m * m) / (n - 1)) / n / (G * G);
    base += b / n / G;
  }
  const half = z * Math.sqrt(variance);
  return {
    difference: mean,
    ci: [mean - half, mean + half],
    behaviourMean: base,
    relative: base !== 0 ? mean / base : NaN,
  };
}

export interface GateOptions {
  /** Family-wise error of the objective test (two-sided interval level 1 − alpha). */
  alpha: number;
  /** Number of candidates compared against the same behaviour (Bonferroni). */
  comparisons: number;
  guardrails: Guardrails;
}

export function promotionGate(
  candidate: readonly RolloutResult[],
  behaviour: readonly RolloutResult[],
  options: GateOptions,
): GateDecision {
  const comparisons = Math.max(1, options.comparisons);
  const objective = pairedInterval(
    candidate,
    behaviour,
    "reward",
    normalQuantile(1 - options.alpha / (2 * comparisons)),
  );
  const z95 = normalQuantile(1 - options.alpha / 2);
  const guardrails: GuardrailCheck[] = [];
  for (const metric of GUARDED_METRICS) {
    const allowedHarm = options.guardrails[metric];
    if (allowedHarm === null) continue;
    const p = pairedInterval(candidate, behaviour, metric, z95);
    guardrails.push({ ...p, metric, allowedHarm, passed: !(p.ci[1] < -allowedHarm * p.behaviourMean) });
  }
  const failed = guardrails.filter((g) => !g.passed).map((g) => g.metric);
  const better = objective.ci[0] > 0;
  const promoted = better && failed.length === 0;
  const reason = promoted
    ? "reward better with confidence, no guardrail harmed"
    : !better
      ? `reward not better with confidence (lower bound ${objective.ci[0].toFixed(3)})`
      : `guardrail harmed: ${failed.join(", ")}`;
  const sessions = candidate.reduce((s, r) => s + r.sessions, 0);
  return { objective, guardrails, comparisons, sessions, promoted, reason };
}

/**
 * CEM's guarded objective (a penalty with a fixed multiplier): reward, minus `weight` × the
 * behaviour's reward per unit of relative harm beyond the allowance on each guarded metric, both
 * measured on the same sessions. Zero penalty while every guarded metric stays within its allowance.
 */
export function guardedObjective(
  candidate: RolloutResult,
  behaviour: RolloutResult | null,
  guardrails: Guardrails,
  weight: number,
): number {
  const reward = candidate.mean.rewardWatch + candidate.mean.rewardOther;
  if (!behaviour) return reward;
  const base = behaviour.mean.rewardWatch + behaviour.mean.rewardOther;
  let penalty = 0;
  for (const metric of GUARDED_METRICS) {
    const allowed = guardrails[metric];
    if (allowed === null || behaviour.mean[metric] <= 0) continue;
    const harm = (behaviour.mean[metric] - candidate.mean[metric]) / behaviour.mean[metric];
    penalty += Math.max(0, harm - allowed);
  }
  return reward - weight * Math.abs(base) * penalty;
}
