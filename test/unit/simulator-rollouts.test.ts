import { beforeAll, describe, expect, it } from "vitest";
import { SCORE_NAMES } from "@/lib/fusion";
import {
  FixedFusionPolicy,
  ITEM_SEGMENTS,
  OraclePolicy,
  RandomPolicy,
  World,
  calibrationReport,
  estimate,
  evaluatePolicy,
  parseScenario,
  rollout,
  studentT975,
  type Estimate,
  type Policy,
  type SessionMetricName,
} from "@/lib/simulator";

const SEEDS = Array.from({ length: 10 }, (_, i) => `rollout-${i}`);
const SESSIONS = 200;

/** Fixed fusion with its ranking reversed: a deliberately bad ranker. */
function reversed(inner: Policy): Policy {
  return {
    name: `reversed(${inner.name})`,
    actionMode: inner.actionMode,
    act(batch, decisions) {
      inner.act(batch, decisions);
      for (const d of decisions) for (let j = 0; j < d.scores.length; j++) d.scores[j] = -d.scores[j];
    },
  };
}

const POLICIES: Record<string, (w: World) => Policy> = {
  oracle: (w) => new OraclePolicy(w),
  fixed: () => new FixedFusionPolicy(),
  random: () => new RandomPolicy(),
  reversed: () => reversed(new FixedFusionPolicy()),
};

type Results = Record<string, Record<SessionMetricName, Estimate>>;
const results: Results = {};

const below = (a: Estimate, b: Estimate) => a.ci[1] < b.ci[0];

describe("policy bounds over 10 seeds (default scenario)", () => {
  beforeAll(async () => {
    const scenario = parseScenario({});
    const perSeed: Record<string, Record<string, number[]>> = {};
    for (const seed of SEEDS) {
      const world = new World(scenario, seed);
      for (const [name, make] of Object.entries(POLICIES)) {
        const r = await rollout({ world, policy: make(world), sessions: SESSIONS });
        for (const [m, v] of Object.entries(r.mean)) ((perSeed[name] ??= {})[m] ??= []).push(v);
      }
    }
    for (const [name, metrics] of Object.entries(perSeed)) {
      results[name] = Object.fromEntries(Object.entries(metrics).map(([m, vs]) => [m, estimate(vs)])) as Record<
        SessionMetricName,
        Estimate
      >;
    }
    const show = (e: Estimate) => `${e.mean.toFixed(1)} [${e.ci[0].toFixed(1)}, ${e.ci[1].toFixed(1)}]`;
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `${name.padEnd(9)} valid ${show(r.validConsumption)}  ` +
          `duration ${show(r.durationSeconds)}  depth ${show(r.depth)}`,
      );
    }
  }, 120_000);

  it("orders oracle > fixed fusion > random on valid consumption and duration, with disjoint 95% CIs", () => {
    for (const m of ["validConsumption", "durationSeconds"] as const) {
      expect(below(results.fixed[m], results.oracle[m])).toBe(true);
      expect(below(results.random[m], results.fixed[m])).toBe(true);
    }
  });

  it("shortens sessions when the ranking gets worse (patience matters)", () => {
    expect(below(results.reversed.depth, results.random.depth)).toBe(true);
    expect(below(results.random.depth, results.fixed.depth)).toBe(true);
    expect(below(results.fixed.depth, results.oracle.depth)).toBe(true);
  });
});

describe("MTL calibration", () => {
  const report = (miscalibration: boolean) =>
    calibrationReport(new World(parseScenario({ prediction: { miscalibration } }), "calibration"), { pairs: 100_000 });

  it("is clearly off in the biased segments by default", () => {
    const r = report(true);
    expect(r.fresh.pClick.bias).toBeGreaterThan(0.1);
    expect(r.fresh.pClick.relativeError).toBeGreaterThan(0.2);
    expect(r.long.pLongView.bias).toBeLessThan(-0.03);
    expect(r.long.pLongView.relativeError).toBeGreaterThan(0.2);
    expect(r.long.pWatchTime.bias).toBeLessThan(0);
    expect(r.ad.pClick.relativeError).toBeGreaterThan(0.3);
    expect(r.popular.pLike.relativeError).toBeGreaterThan(0.5);
  });

  it("is ≈ 0 in every segment and task with miscalibration off", () => {
    const r = report(false);
    for (const g of ["all", ...ITEM_SEGMENTS] as const) {
      for (const k of SCORE_NAMES) {
        const cell = r[g][k];
        if (cell.unit === "probability") expect(cell.error, `${g} ${k}`).toBeLessThan(0.006);
        // Sampling noise only: relative error within a few percent where the segment is well populated.
        if (cell.pairs >= 5000 && cell.meanTrue > 0.01) expect(cell.relativeError, `${g} ${k}`).toBeLessThan(0.03);
      }
    }
  });
});

describe("evaluatePolicy", () => {
  it("reports each metric's mean and CI over seeds, one world per seed", async () => {
    const r = await evaluatePolicy({
      scenario: { world: { users: 200, items: 2000 } },
      seeds: [1, 2, 3],
      policy: () => new FixedFusionPolicy(),
      sessionsPerSeed: 20,
    });
    expect(r.depth.perSeed).toHaveLength(3);
    expect(r.validConsumption.ci[0]).toBeLessThanOrEqual(r.validConsumption.mean);
    expect(r.validConsumption.ci[1]).toBeGreaterThanOrEqual(r.validConsumption.mean);
    const again = await evaluatePolicy({
      scenario: { world: { users: 200, items: 2000 } },
      seeds: [1, 2, 3],
      policy: () => new FixedFusionPolicy(),
      sessionsPerSeed: 20,
    });
    expect(again).toEqual(r);
  });
});

describe("estimate", () => {
  it("gives the Student-t 95% interval of replicate means", () => {
    const e = estimate([1, 2, 3, 4]);
    expect(e.mean).toBe(2.5);
    const half = studentT975(3) * Math.sqrt(5 / 3 / 4);
    expect(e.ci[0]).toBeCloseTo(2.5 - half, 12);
    expect(studentT975(3)).toBeCloseTo(3.182, 3);
    expect(studentT975(200)).toBeCloseTo(1.972, 2);
  });
});
