/**
 * Rollout value in the simulator (docs/architecture.md §7): every policy is run on the same seeds, each seed
 * being one simulated world (users, items) AND one stream of sessions, so that two policies see
 * the same users arriving with the same randomness — common random numbers. Per seed we take the
 * per-session mean of each metric; the 95% CI is Student's t over seeds (≥ 10 recommended). A
 * PAIRED difference between two policies is the per-seed difference of their means, again with a
 * t interval over seeds: the shared worlds and sessions cancel most of the between-seed variance.
 */
import type { Policy } from "@/lib/simulator/simulator-policy";
import { estimate, rollout, type Estimate, type RolloutResult } from "@/lib/simulator/rollout";
import { parseScenario, type Scenario } from "@/lib/simulator/scenario";
import { World } from "@/lib/simulator/world";

/** Per-session metrics reported for every policy; `reward` = both reward groups. */
export const VALUE_METRICS = ["validConsumption", "durationSeconds", "interactions", "depth", "reward"] as const;
export type ValueMetric = (typeof VALUE_METRICS)[number];

const metricOf = (r: RolloutResult, m: ValueMetric): number =>
  m === "reward" ? r.mean.rewardWatch + r.mean.rewardOther : r.mean[m];

export interface RolloutValueOptions {
  scenario: Scenario | unknown;
  seeds: readonly (string | number)[];
  sessionsPerSeed: number;
  /** Policy factories by name, called once per world (the oracle reads its world). */
  policies: Readonly<Record<string, (world: World) => Policy>>;
  numEnvs?: number;
  onProgress?: (p: { seed: string | number; policy: string; seconds: number }) => void;
}

export interface PolicyValue {
  /** Per-seed means, index-aligned with `seeds`. */
  perSeed: Record<ValueMetric, number[]>;
  estimate: Record<ValueMetric, Estimate>;
}

export interface RolloutValue {
  seeds: (string | number)[];
  sessionsPerSeed: number;
  policies: Record<string, PolicyValue>;
}

export async function rolloutValue(options: RolloutValueOptions): Promise<RolloutValue> {
  const scenario = parseScenario(options.scenario);
  const names = Object.keys(options.policies);
  const perSeed = Object.fromEntries(
    names.map((n) => [
      n,
      Object.fromEntries(VALUE_METRICS.map((m) => [m, [] as number[]])) as Record<ValueMetric, number[]>,
    ]),
  );
  for (const seed of options.seeds) {
    const world = new World(scenario, seed);
    for (const name of names) {
      const start = performance.now();
      const r = await rollout({
        world,
        policy: options.policies[name](world),
        sessions: options.sessionsPerSeed,
        seed,
        numEnvs: options.numEnvs,
      });
      for (const m of VALUE_METRICS) perSeed[name][m].push(metricOf(r, m));
      options.onProgress?.({ seed, policy: name, seconds: (performance.now() - start) / 1000 });
    }
  }
  const policies = Object.fromEntries(
    names.map((n) => [
      n,
      {
        perSeed: perSeed[n],
        estimate: Object.fromEntries(VALUE_METRICS.map((m) => [m, estimate(perSeed[n][m])])) as Record<
          ValueMetric,
          Estimate
        >,
      },
    ]),
  );
  return { seeds: [...options.seeds], sessionsPerSeed: options.sessionsPerSeed, policies };
}

export interface PairedDifference {
  treatment: string;
  baseline: string;
  metric: ValueMetric;
  /** treatment − baseline, per session. */
  difference: Estimate;
  /** (treatment − baseline) / baseline, per seed, then over seeds. */
  relative: Estimate;
  /** The 95% CI of the difference excludes 0. */
  significant: boolean;
}

/** Paired (same seeds) difference of two policies of a RolloutValue on one metric. */
export function pairedDifference(
  value: RolloutValue,
  treatment: string,
  baseline: string,
  metric: ValueMetric,
): PairedDifference {
  const t = value.policies[treatment]?.perSeed[metric];
  const b = value.policies[baseline]?.perSeed[metric];
  if (!t || !b) throw new RangeError(`unknown policy ${t ? baseline : treatment}`);
  const difference = estimate(t.map((x, i) => x - b[i]));
  const relative = estimate(t.map((x, i) => (x - b[i]) / b[i]));
  return {
    treatment,
    baseline,
    metric,
    difference,
    relative,
    significant: difference.ci[0] > 0 || difference.ci[1] < 0,
  };
}
