/**
 * Power and duration planning (docs/statistics.md): the two-sample normal-approximation sample size
 * of a two-sided test for a relative minimum detectable effect (MDE), with unequal allocation,
 *   N = (z₁₋α/₂ + z_power)² · σ² · (1/f_T + 1/f_C) / (MDE · |μ|)²   users in the experiment,
 * where f are the arms' shares of traffic, σ² is shrunk by CUPED to σ²(1 − ρ²) when the pre-period
 * correlation ρ is known, and with several treatments the largest N over treatment-vs-control
 * pairs is taken. The inverse gives the MDE of a given number of users. The sequential plan
 * replaces z₁₋α/₂ by the always-valid boundary c(N), which grows slowly with N, and solves
 * (c(N) + z_power) · se(N) = MDE · |μ| for N; its ratio to the fixed N is the price of reading the
 * verdict every day (×1.91 at α = 0.05, power 0.8, with the mixture tuned at the plan's size).
 */
import { z } from "zod";
import { normalQuantile } from "@/lib/stats/normal";
import { alwaysValidCritical, mixtureRhoSquared } from "@/lib/stats/sequential";

export const DEFAULT_POWER = 0.8;

export const powerRequestSchema = z
  .object({
    metric: z.string().min(1),
    baselineMean: z
      .number()
      .refine((x) => x !== 0 && Number.isFinite(x), "the baseline mean must be a non-zero number"),
    baselineSd: z.number().positive(),
    /** Relative minimum detectable effect (0.02 = 2%): asks for users. */
    mde: z.number().positive().optional(),
    /** Total users in the experiment: asks for the MDE instead. */
    users: z.number().int().min(4).optional(),
    alpha: z.number().gt(0).lt(1).default(0.05),
    power: z.number().gt(0).lt(1).default(DEFAULT_POWER),
    /** Relative traffic weights, control first. */
    weights: z.array(z.number().positive()).min(2).default([1, 1]),
    test: z.literal("two-sided").default("two-sided"),
    /** Eligible users entering the experiment per day: adds days. */
    dailyTraffic: z.number().positive().optional(),
    /** Correlation of the metric with its pre-period value: CUPED shrinks the variance by 1 − ρ². */
    cupedCorrelation: z.number().gt(-1).lt(1).optional(),
    /** The always-valid interval's tuning (users); default: tuned at the sequential plan's own size. */
    sequentialTuning: z.number().positive().optional(),
  })
  .superRefine((input, ctx) => {
    if ((input.mde === undefined) === (input.users === undefined)) {
      ctx.addIssue({ code: "custom", path: ["mde"], message: "give exactly one of mde (→ users) and users (→ mde)" });
    }
  });

export type PowerRequest = z.input<typeof powerRequestSchema>;

export interface SampleSizePlan {
  usersPerArm: number[];
  totalUsers: number;
  /** Days to reach totalUsers at dailyTraffic; null without traffic. */
  days: number | null;
}

export type PowerResult =
  | (SampleSizePlan & {
      /** The sequential plan's size, its ratio to the fixed-horizon one, and the tuning it assumes. */
      sequential: SampleSizePlan & { inflation: number; tuning: number };
      varianceFactor: number;
    })
  | { mde: number; sequentialMde: number; varianceFactor: number };

/** CUPED's variance reduction factor 1 − ρ². */
export function cupedVarianceFactor(correlation: number | undefined): number {
  return correlation === undefined ? 1 : 1 - correlation * correlation;
}

/** Shares of traffic and, for the worst treatment-vs-control pair, Σ 1/f and the pair's share. */
function worstPair(weights: readonly number[]) {
  const total = weights.reduce((s, w) => s + w, 0);
  const shares = weights.map((w) => w / total);
  const smallest = Math.min(...shares.slice(1));
  return { shares, inverseSum: 1 / shares[0] + 1 / smallest, pairShare: shares[0] + smallest };
}

interface Design {
  /** σ²·(1/f_T + 1/f_C) / μ²: N · Var(relative difference) for the worst pair. */
  unitVariance: number;
  pairShare: number;
  shares: number[];
  zAlpha: number;
  zPower: number;
  alpha: number;
}

function design(r: z.output<typeof powerRequestSchema>): Design {
  const { shares, inverseSum, pairShare } = worstPair(r.weights);
  const sd = r.baselineSd / Math.abs(r.baselineMean);
  return {
    unitVariance: sd * sd * cupedVarianceFactor(r.cupedCorrelation) * inverseSum,
    pairShare,
    shares,
    zAlpha: normalQuantile(1 - r.alpha / 2),
    zPower: normalQuantile(r.power),
    alpha: r.alpha,
  };
}

/**
 * Relative MDE at N users: (critical + z_power) · se(N), with the fixed critical, or the
 * always-valid one of a mixture tuned at `tuning` users.
 */
function mdeAt(d: Design, n: number, tuning: number | null): number {
  const critical =
    tuning === null ? d.zAlpha : alwaysValidCritical(n * d.pairShare, d.alpha, mixtureRhoSquared(d.alpha, tuning));
  return (critical + d.zPower) * Math.sqrt(d.unitVariance / n);
}

/** Smallest (real) N with mdeAt(N) ≤ mde, by bisection on log N: the sequential MDE falls with N. */
function sequentialUsersAt(d: Design, mde: number, fixed: number, tuning: number): number {
  let lo = Math.max(1, fixed);
  let hi = lo * 2;
  while (mdeAt(d, hi, tuning) > mde) hi *= 2;
  for (let i = 0; i < 100 && hi / lo > 1 + 1e-12; i++) {
    const mid = Math.sqrt(lo * hi);
    if (mdeAt(d, mid, tuning) > mde) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The sequential plan's users and tuning. Without a given tuning the mixture is tuned at the
 * plan's own size (the verdicts default to tuning = plannedUsers): the fixed point of
 * N = sequentialUsersAt(tuning = N), which contracts fast because N depends on the tuning only
 * through a logarithm.
 */
function sequentialUsers(d: Design, mde: number, fixed: number, tuning: number | undefined) {
  if (tuning !== undefined) return { users: sequentialUsersAt(d, mde, fixed, tuning), tuning };
  let n = fixed;
  for (let i = 0; i < 200; i++) {
    const next = sequentialUsersAt(d, mde, fixed, n);
    if (Math.abs(next - n) <= 1e-10 * n) return { users: next, tuning: next };
    n = next;
  }
  return { users: n, tuning: n };
}

function sampleSize(d: Design, users: number, dailyTraffic: number | undefined): SampleSizePlan {
  const usersPerArm = d.shares.map((f) => Math.ceil(users * f - 1e-9));
  const totalUsers = usersPerArm.reduce((s, n) => s + n, 0);
  return { usersPerArm, totalUsers, days: dailyTraffic === undefined ? null : Math.ceil(totalUsers / dailyTraffic) };
}

export function planPower(input: PowerRequest): PowerResult {
  const r = powerRequestSchema.parse(input);
  const d = design(r);
  const varianceFactor = cupedVarianceFactor(r.cupedCorrelation);
  if (r.mde === undefined) {
    const users = r.users as number;
    const tuning = r.sequentialTuning ?? users;
    return { mde: mdeAt(d, users, null), sequentialMde: mdeAt(d, users, tuning), varianceFactor };
  }
  const fixed = ((d.zAlpha + d.zPower) ** 2 * d.unitVariance) / (r.mde * r.mde);
  const sequential = sequentialUsers(d, r.mde, fixed, r.sequentialTuning);
  const plan = sampleSize(d, fixed, r.dailyTraffic);
  const sequentialPlan = sampleSize(d, sequential.users, r.dailyTraffic);
  return {
    ...plan,
    sequential: { ...sequentialPlan, inflation: sequential.users / fixed, tuning: sequential.tuning },
    varianceFactor,
  };
}

/** Days until the planned users are in at the current daily traffic (0 once reached); null without traffic. */
export function daysLeft(users: number, plannedUsers: number, dailyTraffic: number | null): number | null {
  if (dailyTraffic === null || !(dailyTraffic > 0)) return null;
  return Math.max(0, Math.ceil((plannedUsers - users) / dailyTraffic));
}
