/**
 * Verdicts: what a reader should do about each treatment arm, from per-arm statistics of the
 * primary metrics and guardrails and the experiment's analysis plan (docs/statistics.md).
 *
 * - Plan "sequential" (default): decisions come from the always-valid interval, so the verdict may
 *   be read at every look; "fixedHorizon": decisions only once the planned users are in, and then
 *   from the ordinary t interval (read it once).
 * - Primary metric × treatment arm: the test of no difference on the absolute difference, Holm
 *   across arms × primary metrics at α; the relative interval shown is Fieller's at the level Holm
 *   tested the hypothesis at, so it excludes 0 exactly when the verdict is ship / don't ship.
 * - Guardrails: one-sided non-inferiority against an allowed relative harm. Shipping needs every
 *   guardrail to pass (an intersection–union test, level α without adjustment, Berger 1982).
 * - Below the minimum data rule: "not enough data", and nothing is tested.
 */
import { z } from "zod";
import type { Interval } from "@/lib/stats/lift";
import { type Moments, momentsFromSums, momentsSchema } from "@/lib/stats/moments";
import { type PairEstimate, pairEstimate } from "@/lib/stats/pair-estimate";
import {
  type ContrastTest,
  contrastStatistic,
  criticalValue,
  differenceInterval,
  fiellerLift,
  sequentialTest,
  twoSidedPValue,
} from "@/lib/stats/contrast-test";
import { holmDecisions } from "@/lib/stats/holm";
import { DEFAULT_MIN_USERS_PER_ARM, checkMinimumData, minimumDataSchema } from "@/lib/stats/minimum-data";
import { DEFAULT_SEQUENTIAL_TUNING } from "@/lib/stats/sequential";
import { covariateStatsSchema, meanStatsSchema, ratioStatsSchema } from "@/lib/stats/schema";

const events = { events: z.number().int().nonnegative().optional() };

/** Centred moments, or the raw sums the rest of lib/stats takes (converted to moments). */
const meanArmSchema = z.union([
  momentsSchema.extend(events),
  meanStatsSchema
    .extend({ pre: covariateStatsSchema.optional(), ...events })
    .transform(({ n, sum, sumSq, pre, events }) => ({
      ...momentsFromSums(n, sum, sumSq, pre?.sum, pre?.sumSq, pre?.sumProduct),
      events,
    })),
]);
const ratioArmSchema = z.union([
  momentsSchema.extend(events),
  ratioStatsSchema.extend(events).transform(({ n, sumX, sumY, sumX2, sumY2, sumXY, events }) => ({
    ...momentsFromSums(n, sumX, sumX2, sumY, sumY2, sumXY),
    events,
  })),
]);

const metricBase = {
  key: z.string().min(1),
  role: z.enum(["primary", "guardrail"]),
  direction: z.enum(["higherIsBetter", "lowerIsBetter"]).default("higherIsBetter"),
  /** Guardrails: the relative harm still acceptable (0.02 = 2% worse than control). */
  allowedHarm: z.number().nonnegative().lt(1).optional(),
};

const verdictMetricSchema = z.discriminatedUnion("type", [
  z.object({
    ...metricBase,
    type: z.literal("mean"),
    /** CUPED when the arms carry a pre-period covariate (y of the moments, or `pre`). */
    cuped: z.boolean().default(true),
    arms: z.record(z.string(), meanArmSchema),
  }),
  z.object({ ...metricBase, type: z.literal("ratio"), arms: z.record(z.string(), ratioArmSchema) }),
]);

export const analysisPlanSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("sequential"),
      /**
       * Users at which the always-valid interval is tightest; default: plannedUsers, else 5,000.
       * Any value fixed before the data is seen keeps the interval valid.
       */
      tuning: z.number().positive().optional(),
      /** Optional target (from the power plan); reaching it without a decision is "inconclusive". */
      plannedUsers: z.number().int().positive().optional(),
    }),
    z.object({ kind: z.literal("fixedHorizon"), plannedUsers: z.number().int().positive() }),
  ])
  .default({ kind: "sequential" });

export type AnalysisPlan = z.output<typeof analysisPlanSchema>;

export const verdictInputSchema = z
  .object({
    arms: z
      .array(
        z.object({
          key: z.string().min(1),
          control: z.boolean().default(false),
          users: z.number().int().nonnegative(),
        }),
      )
      .min(2),
    metrics: z.array(verdictMetricSchema).min(1),
    plan: analysisPlanSchema,
    minimum: minimumDataSchema.default({ usersPerArm: DEFAULT_MIN_USERS_PER_ARM, eventsPerArm: 0 }),
    /** Family-wise level of the primary decisions (two-sided). */
    alpha: z.number().gt(0).lt(1).default(0.05),
    /** One-sided level of each guardrail's non-inferiority test; defaults to alpha. */
    guardrailAlpha: z.number().gt(0).lt(1).optional(),
  })
  .superRefine((input, ctx) => {
    const keys = input.arms.map((a) => a.key);
    if (input.arms.filter((a) => a.control).length !== 1) {
      ctx.addIssue({ code: "custom", path: ["arms"], message: "exactly one arm must be the control" });
    }
    if (new Set(keys).size !== keys.length)
      ctx.addIssue({ code: "custom", path: ["arms"], message: "arm keys must be unique" });
    const metricKeys = input.metrics.map((m) => m.key);
    if (new Set(metricKeys).size !== metricKeys.length) {
      ctx.addIssue({ code: "custom", path: ["metrics"], message: "metric keys must be unique" });
    }
    if (!input.metrics.some((m) => m.role === "primary")) {
      ctx.addIssue({ code: "custom", path: ["metrics"], message: "at least one primary metric is needed" });
    }
    input.metrics.forEach((m, i) => {
      if (m.role === "guardrail" && m.allowedHarm === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics", i, "allowedHarm"],
          message: "a guardrail needs its allowed harm",
        });
      }
      if (!keys.every((k) => k in m.arms) || Object.keys(m.arms).length !== keys.length) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics", i, "arms"],
          message: `statistics are needed for exactly the arms ${keys.join(", ")}`,
        });
      }
    });
  });

export type VerdictInput = z.input<typeof verdictInputSchema>;

export type PrimaryVerdict = "ship" | "dontShip" | "keepRunning" | "inconclusive" | "notEnoughData";
export type GuardrailStatus = "pass" | "fail" | "notYet" | "notEnoughData";

/** The interval a verdict was decided on; null parts are not available (unbounded or not estimated). */
export interface DecidingInterval {
  /** Relative change μT/μC − 1 (Fieller); null when unbounded. */
  relative: Interval | null;
  /** Absolute difference μT − μC (primary metrics only). */
  difference: Interval | null;
  /** Its confidence level is 1 − level (two-sided for primaries, one-sided bound for guardrails). */
  level: number;
  test: "sequential" | "fixedHorizon";
}

interface MetricVerdictBase {
  metric: string;
  arm: string;
  reason: string;
  /** Point estimates; null when not estimable. */
  relativeChange: number | null;
  difference: number | null;
  /** Null when nothing was tested (not enough data, or not estimable). */
  interval: DecidingInterval | null;
}

export interface PrimaryMetricVerdict extends MetricVerdictBase {
  role: "primary";
  verdict: PrimaryVerdict;
  /** Two-sided p-value of the deciding test (always-valid for the sequential plan), before Holm. */
  pValue: number | null;
}

export interface GuardrailVerdict extends MetricVerdictBase {
  role: "guardrail";
  status: GuardrailStatus;
  allowedHarm: number;
}

export interface ArmVerdict {
  arm: string;
  verdict: PrimaryVerdict;
  reason: string;
  primary: PrimaryMetricVerdict[];
  guardrails: GuardrailVerdict[];
}

export interface VerdictReport {
  plan: AnalysisPlan;
  /** Users at which the always-valid interval is tightest, as used (null for a fixed-horizon plan). */
  sequentialTuning: number | null;
  /** Users in all arms, and the planned total (null when the plan has none). */
  progress: { users: number; plannedUsers: number | null };
  arms: ArmVerdict[];
}

type ParsedInput = z.output<typeof verdictInputSchema>;
type ParsedMetric = ParsedInput["metrics"][number];
type ArmMoments = Moments & { events?: number };

const percent = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(1)}%`;
const confidence = (level: number) => `${Number(((1 - level) * 100).toPrecision(4))}%`;
const describe = (i: Interval | null) => (i === null ? "unbounded" : `${percent(i[0])} to ${percent(i[1])}`);
const thousands = (n: number) => n.toLocaleString("en-US");
const lowerFirst = (sentence: string) => sentence.charAt(0).toLowerCase() + sentence.slice(1);

/** One treatment × metric before any decision: its estimate, or why there is none. */
interface Prepared {
  metric: ParsedMetric;
  arm: string;
  pair: PairEstimate | null;
  /** Reason there is nothing to test (minimum data), else null. */
  lacking: string | null;
}

function prepare(metric: ParsedMetric, arm: string, control: string, input: ParsedInput): Prepared {
  const t = metric.arms[arm] as ArmMoments;
  const c = metric.arms[control] as ArmMoments;
  const check = checkMinimumData(
    [
      { key: arm, users: t.n, events: t.events },
      { key: control, users: c.n, events: c.events },
    ],
    input.minimum,
  );
  if (!check.met) return { metric, arm, pair: null, lacking: check.reason };
  return { metric, arm, pair: pairEstimate(t, c, metric.type, metric.type === "mean" && metric.cuped), lacking: null };
}

function pointEstimates(pair: PairEstimate | null) {
  if (pair === null) return { relativeChange: null, difference: null };
  return {
    relativeChange: pair.treatment.mean / pair.control.mean - 1,
    difference: pair.treatment.mean - pair.control.mean,
  };
}

const NOT_ESTIMABLE =
  "No relative change can be estimated yet: the control's estimate is 0 (or a ratio's denominator is).";

interface PlanState {
  test: ContrastTest;
  tuning: number | null;
  testName: "sequential" | "fixedHorizon";
  /** Decisions allowed now (fixed horizon: planned users reached). */
  deciding: boolean;
  /** A planned size exists and is reached (no decision then means inconclusive). */
  atPlannedSize: boolean;
  users: number;
  plannedUsers: number | null;
}

function primaryVerdict(
  p: Prepared,
  pValue: number | null,
  rejected: boolean,
  level: number,
  plan: PlanState,
): PrimaryMetricVerdict {
  const base = { role: "primary" as const, metric: p.metric.key, arm: p.arm, pValue, ...pointEstimates(p.pair) };
  if (p.lacking !== null) return { ...base, verdict: "notEnoughData", reason: p.lacking, interval: null };
  if (p.pair === null) {
    return {
      ...base,
      verdict: plan.atPlannedSize ? "inconclusive" : "keepRunning",
      reason: NOT_ESTIMABLE,
      interval: null,
    };
  }
  const stat = contrastStatistic(p.pair);
  const q = criticalValue(stat, plan.test, level);
  const relative = fiellerLift(p.pair, q);
  const interval: DecidingInterval = {
    relative: Number.isFinite(relative[0]) && Number.isFinite(relative[1]) ? relative : null,
    difference: differenceInterval(stat, q),
    level,
    test: plan.testName,
  };
  const kindOf = plan.testName === "sequential" ? "always-valid" : "fixed-horizon";
  const shown = `the ${kindOf} ${confidence(level)} interval ${describe(interval.relative)}`;
  if (!plan.deciding) {
    const reason =
      `Fixed-horizon plan: the decision waits ` +
      `for ${thousands(plan.plannedUsers ?? 0)} users (${thousands(plan.users)} so far).`;
    return { ...base, verdict: "keepRunning", reason, interval };
  }
  if (rejected) {
    const better = stat.estimate > 0 === (p.metric.direction === "higherIsBetter");
    // Relative to |control| so that the sign reads right for a negative baseline too.
    const change = percent(stat.estimate / Math.abs(p.pair.control.mean));
    const moved = `${p.metric.key} ${stat.estimate > 0 ? "rises" : "falls"} ${change}`;
    return better
      ? {
          ...base,
          verdict: "ship",
          reason: `${p.arm} improves ${p.metric.key}: ${moved} and ${shown} excludes 0.`,
          interval,
        }
      : {
          ...base,
          verdict: "dontShip",
          reason: `${p.arm} harms ${p.metric.key}: ${moved} and ${shown} excludes 0.`,
          interval,
        };
  }
  if (plan.atPlannedSize) {
    const reason =
      `Planned ${thousands(plan.plannedUsers ?? 0)} users reached ` +
      `and ${shown} still includes 0: no effect detected.`;
    return { ...base, verdict: "inconclusive", reason, interval };
  }
  return {
    ...base,
    verdict: "keepRunning",
    reason: `No decision yet: ${shown} still includes 0; safe to keep reading.`,
    interval,
  };
}

function guardrailVerdict(p: Prepared, alpha: number, plan: PlanState): GuardrailVerdict {
  const harm = p.metric.allowedHarm ?? 0;
  const base = {
    role: "guardrail" as const,
    metric: p.metric.key,
    arm: p.arm,
    allowedHarm: harm,
    ...pointEstimates(p.pair),
  };
  if (p.lacking !== null) return { ...base, status: "notEnoughData", reason: p.lacking, interval: null };
  if (p.pair === null)
    return { ...base, status: plan.atPlannedSize ? "fail" : "notYet", reason: NOT_ESTIMABLE, interval: null };
  if (p.pair.control.mean < 0) {
    return {
      ...base,
      status: "notYet",
      reason: "An allowed relative harm needs a positive control mean; this one is negative.",
      interval: null,
    };
  }
  const higher = p.metric.direction === "higherIsBetter";
  // The bound that matters is on the harmful side: ratio 1 − harm (higher is better) or 1 + harm.
  const stat = contrastStatistic(p.pair, higher ? 1 - harm : 1 + harm);
  const relative = fiellerLift(p.pair, criticalValue(stat, plan.test, alpha, 1));
  const bounded = Number.isFinite(relative[0]) && Number.isFinite(relative[1]);
  const interval: DecidingInterval = {
    relative: bounded ? relative : null,
    difference: null,
    level: alpha,
    test: plan.testName,
  };
  const limit = higher ? -harm : harm;
  const bound = higher ? relative[0] : relative[1];
  const far = higher ? relative[1] : relative[0];
  const allowed = `the allowed harm of ${percent(limit)}`;
  const what = `its ${confidence(alpha)} one-sided bound ${bounded ? percent(bound) : "(unbounded)"}`;
  if (!plan.deciding) {
    const reason =
      `Fixed-horizon plan: tested ` +
      `once ${thousands(plan.plannedUsers ?? 0)} users are in (${thousands(plan.users)} so far).`;
    return { ...base, status: "notYet", reason, interval };
  }
  if (bounded && (higher ? bound > limit : bound < limit)) {
    return { ...base, status: "pass", reason: `Non-inferior: ${what} is within ${allowed}.`, interval };
  }
  if (bounded && (higher ? far < limit : far > limit)) {
    return {
      ...base,
      status: "fail",
      reason: `Harmed beyond ${allowed}: the whole interval ${describe(relative)} lies past it.`,
      interval,
    };
  }
  if (plan.atPlannedSize) {
    return {
      ...base,
      status: "fail",
      reason: `At the planned size ${what} does not rule out harm beyond ${allowed}.`,
      interval,
    };
  }
  return {
    ...base,
    status: "notYet",
    reason: `Not yet shown non-inferior: ${what} does not yet rule out ${allowed}.`,
    interval,
  };
}

/** The arm's headline: a harm or failed guardrail blocks; a win ships once every guardrail passes. */
function armVerdict(arm: string, primary: PrimaryMetricVerdict[], guardrails: GuardrailVerdict[]): ArmVerdict {
  const result = (verdict: PrimaryVerdict, reason: string): ArmVerdict => ({
    arm,
    verdict,
    reason,
    primary,
    guardrails,
  });
  const harm = primary.find((v) => v.verdict === "dontShip");
  if (harm) return result("dontShip", harm.reason);
  const failed = guardrails.find((g) => g.status === "fail");
  if (failed) return result("dontShip", `Guardrail ${failed.metric} fails: ${lowerFirst(failed.reason)}`);
  const lacking = primary.find((v) => v.verdict === "notEnoughData");
  if (lacking) return result("notEnoughData", lacking.reason);
  const win = primary.find((v) => v.verdict === "ship");
  if (win) {
    const pending = guardrails.find((g) => g.status !== "pass");
    if (pending) {
      return result(
        "keepRunning",
        `${win.arm} improves ${win.metric}, but guardrail ${pending.metric} has not passed ` +
          `yet: ${lowerFirst(pending.reason)}`,
      );
    }
    return result("ship", win.reason);
  }
  if (primary.every((v) => v.verdict === "inconclusive")) return result("inconclusive", primary[0].reason);
  return result("keepRunning", (primary.find((v) => v.verdict === "keepRunning") ?? primary[0]).reason);
}

function planState(plan: AnalysisPlan, alpha: number, users: number): PlanState {
  const plannedUsers = plan.plannedUsers ?? null;
  const atPlannedSize = plannedUsers !== null && users >= plannedUsers;
  if (plan.kind === "fixedHorizon") {
    const test: ContrastTest = { kind: "fixedHorizon" };
    return {
      test,
      tuning: null,
      testName: "fixedHorizon",
      deciding: atPlannedSize,
      atPlannedSize,
      users,
      plannedUsers,
    };
  }
  const tuning = plan.tuning ?? plannedUsers ?? DEFAULT_SEQUENTIAL_TUNING;
  return {
    test: sequentialTest(alpha, tuning),
    tuning,
    testName: "sequential",
    deciding: true,
    atPlannedSize,
    users,
    plannedUsers,
  };
}

export function decideExperiment(input: VerdictInput): VerdictReport {
  const parsed = verdictInputSchema.parse(input);
  const control = parsed.arms.find((a) => a.control);
  if (control === undefined) throw new Error("unreachable: the schema requires a control arm");
  const treatments = parsed.arms.filter((a) => !a.control).map((a) => a.key);
  const users = parsed.arms.reduce((s, a) => s + a.users, 0);
  const plan = planState(parsed.plan, parsed.alpha, users);

  const primaryMetrics = parsed.metrics.filter((m) => m.role === "primary");
  const family = treatments.flatMap((arm) => primaryMetrics.map((m) => prepare(m, arm, control.key, parsed)));
  const pValues = family.map((p) => (p.pair === null ? null : twoSidedPValue(contrastStatistic(p.pair), plan.test)));
  const holm = holmDecisions(pValues, parsed.alpha);
  const primary = family.map((p, i) => primaryVerdict(p, pValues[i], holm[i].rejected, holm[i].level, plan));

  const guardrailAlpha = parsed.guardrailAlpha ?? parsed.alpha;
  const guardrailMetrics = parsed.metrics.filter((m) => m.role === "guardrail");
  const arms = treatments.map((arm) =>
    armVerdict(
      arm,
      primary.filter((v) => v.arm === arm),
      guardrailMetrics.map((m) => guardrailVerdict(prepare(m, arm, control.key, parsed), guardrailAlpha, plan)),
    ),
  );
  return {
    plan: parsed.plan,
    sequentialTuning: plan.tuning,
    progress: { users, plannedUsers: plan.plannedUsers },
    arms,
  };
}
