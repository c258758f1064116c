/**
 * The simple rollout loop over a vectorised environment, and multi-seed evaluation with
 * confidence intervals (the "rollout value" used to compare policies).
 */
import { parseScenario, type Scenario } from "./scenario";
import { VecEnv, type RequestOutcome, type SessionMetrics } from "./env";
import type { Policy, PolicyDecision, RequestObservation } from "./simulator-policy";
import { World } from "./world";

export const SESSION_METRICS = [
  "validConsumption",
  "durationSeconds",
  "interactions",
  "depth",
  "hates",
  "rewardWatch",
  "rewardOther",
] as const;
export type SessionMetricName = (typeof SESSION_METRICS)[number];

export interface RolloutOptions {
  world: World;
  policy: Policy;
  sessions: number;
  numEnvs?: number;
  /** Session seed; default the world's seed. */
  seed?: string | number;
  requestBudget?: number;
  onRequest?: (obs: RequestObservation, decision: PolicyDecision, outcome: RequestOutcome) => void;
  onSessionEnd?: (metrics: SessionMetrics) => void;
  /** Awaited after every lockstep step (e.g. to write finished dataset shards). */
  afterStep?: () => void | Promise<void>;
}

export interface RolloutResult {
  sessions: number;
  requests: number;
  /** Mean per session of each metric. */
  mean: Record<SessionMetricName, number>;
  /** Per-session values, indexed by session id. */
  perSession: Record<SessionMetricName, Float64Array>;
}

export async function rollout(options: RolloutOptions): Promise<RolloutResult> {
  const { world, policy, sessions, onRequest, onSessionEnd, afterStep } = options;
  const env = new VecEnv(world, {
    sessions,
    numEnvs: options.numEnvs,
    seed: options.seed,
    requestBudget: options.requestBudget,
  });
  // Grown on demand: with a request budget, `sessions` may be a loose upper bound (e.g. 1e6).
  let capacity = Math.min(sessions, 1024);
  let perSession = Object.fromEntries(SESSION_METRICS.map((m) => [m, new Float64Array(capacity)])) as Record<
    SessionMetricName,
    Float64Array
  >;
  let ended = 0;
  let requests = 0;
  while (!env.finished) {
    const pending = policy.act(env.observations, env.decisions);
    if (pending instanceof Promise) await pending;
    requests += env.observations.length;
    for (const m of env.step(onRequest)) {
      if (m.sessionId >= capacity) {
        capacity = Math.min(sessions, Math.max(2 * capacity, m.sessionId + 1));
        perSession = Object.fromEntries(
          SESSION_METRICS.map((k) => {
            const grown = new Float64Array(capacity);
            grown.set(perSession[k]);
            return [k, grown];
          }),
        ) as Record<SessionMetricName, Float64Array>;
      }
      for (const k of SESSION_METRICS) perSession[k][m.sessionId] = m[k];
      ended++;
      onSessionEnd?.(m);
    }
    const after = afterStep?.();
    if (after instanceof Promise) await after;
  }
  // With a request budget fewer sessions run; they are always ids 0 … ended − 1.
  for (const k of SESSION_METRICS) perSession[k] = perSession[k].subarray(0, ended);
  const mean = Object.fromEntries(SESSION_METRICS.map((k) => [k, average(perSession[k])])) as Record<
    SessionMetricName,
    number
  >;
  return { sessions: ended, requests, mean, perSession };
}

export interface Estimate {
  mean: number;
  /** 95% confidence interval (Student t over seeds). */
  ci: [number, number];
  perSeed: number[];
}

export interface EvaluateOptions {
  scenario: Scenario | unknown;
  /** One world and one set of sessions per seed; CIs are over seeds. */
  seeds: readonly (string | number)[];
  /** Built per world (the oracle needs it). */
  policy: (world: World) => Policy;
  sessionsPerSeed: number;
  numEnvs?: number;
}

/** Rollout value of a policy over several seeds: mean and 95% CI of each per-session metric. */
export async function evaluatePolicy(options: EvaluateOptions): Promise<Record<SessionMetricName, Estimate>> {
  const scenario = parseScenario(options.scenario);
  const perSeed = Object.fromEntries(SESSION_METRICS.map((m) => [m, [] as number[]])) as Record<
    SessionMetricName,
    number[]
  >;
  for (const seed of options.seeds) {
    const world = new World(scenario, seed);
    const r = await rollout({
      world,
      policy: options.policy(world),
      sessions: options.sessionsPerSeed,
      numEnvs: options.numEnvs,
    });
    for (const m of SESSION_METRICS) perSeed[m].push(r.mean[m]);
  }
  return Object.fromEntries(SESSION_METRICS.map((m) => [m, estimate(perSeed[m])])) as Record<
    SessionMetricName,
    Estimate
  >;
}

/** Mean and 95% t-interval of independent replicates. */
export function estimate(values: readonly number[]): Estimate {
  const n = values.length;
  const mean = average(values);
  if (n < 2) return { mean, ci: [mean, mean], perSeed: [...values] };
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const half = studentT975(n - 1) * Math.sqrt(ss / (n - 1) / n);
  return { mean, ci: [mean - half, mean + half], perSeed: [...values] };
}

/**
 * 0.975 quantile of Student's t with `df` degrees of freedom: exact table up to 30, then the
 * Cornish–Fisher expansion around the normal quantile (error < 1e-4 there).
 */
export function studentT975(df: number): number {
  const table = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
    2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
  ];
  if (df < 1) throw new RangeError(`df must be ≥ 1, got ${df}`);
  if (df <= table.length && Number.isInteger(df)) return table[df - 1];
  const z = 1.959963984540054;
  const z3 = z ** 3;
  const z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

function average(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : 0;
}
