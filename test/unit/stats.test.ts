import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { Rng } from "@/lib/random/rng";
import { logBeta, logGamma } from "@/lib/stats/special";
import { normalCdf, normalQuantile } from "@/lib/stats/normal";
import { tCdf, tQuantile } from "@/lib/stats/student-t";
import { chiSquareCdf, chiSquareSurvival } from "@/lib/stats/chi-square";
import { type MeanStats, type RatioStats, meanEstimate, ratioEstimate } from "@/lib/stats/summary";
import { relativeLift } from "@/lib/stats/lift";
import { sequentialLift } from "@/lib/stats/sequential";
import { holmAdjust } from "@/lib/stats/holm";
import { srmTest } from "@/lib/stats/srm";
import { type CovariateStats, cupedEstimates } from "@/lib/stats/cuped";
import { type ExperimentAnalysisInput, type TreatmentArmReport, analyzeExperiment } from "@/lib/stats/analyze";
import { liftTimeSeries } from "@/lib/stats/timeseries";
import distributions from "@/test/fixtures/golden/distributions.json";

/** |actual − expected| ≤ tol·|expected|. */
function expectRelative(actual: number, expected: number, tol = 1e-12) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

/** Sufficient statistics of a conversion metric: `conversions` of `n` users have value 1. */
function binary(n: number, conversions: number): MeanStats {
  return { n, sum: conversions, sumSq: conversions };
}

function accumulate(values: readonly number[]): MeanStats {
  return { n: values.length, sum: values.reduce((s, x) => s + x, 0), sumSq: values.reduce((s, x) => s + x * x, 0) };
}

// Reference values: mpmath at 25 digits (the distributions' in test/fixtures/golden/distributions.json).
describe("distributions", () => {
  it("special functions", () => {
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-15);
    expectRelative(logGamma(10), Math.log(362880), 1e-15);
    expectRelative(logBeta(0.5, 5e4), -4.83752169928044150993, 1e-14);
    expectRelative(logBeta(15, 20), -24.0497221722595032673, 1e-14);
    expectRelative(logBeta(3, 40), -10.446973958541667103, 1e-14);
  });

  it("normal CDF and quantile", () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalQuantile(0.5)).toBe(0);
    for (const p of [1e-300, 1e-8, 0.001, 0.2, 0.6, 0.999]) expectRelative(normalCdf(normalQuantile(p)), p, 1e-13);
  });

  it("Student t CDF and quantile, including real degrees of freedom", () => {
    expectRelative(tQuantile(0.975, Infinity), 1.959963984540054);
    for (const df of [1.5, 4, 30, 1000]) {
      for (const p of [1e-6, 0.05, 0.5, 0.9])
        expect(Math.abs(tCdf(tQuantile(p, df), df) - p)).toBeLessThan(1e-12 * Math.max(p, 1e-3));
    }
  });

  const functions = { normalCdf, normalQuantile, tCdf, tQuantile, chiSquareCdf, chiSquareSurvival } as const;
  type Golden = { args: number[]; value: number; tol?: number };
  it.each(
    (Object.keys(functions) as (keyof typeof functions)[]).flatMap((name) =>
      (distributions[name] as Golden[]).map((c) => ({ name, ...c })),
    ),
  )("golden: $name($args) = $value", ({ name, args, value, tol }) => {
    const fn = functions[name] as (...a: number[]) => number;
    expectRelative(fn(...args), value, tol);
  });
});

describe("lift", () => {
  it("golden: conversion 10% → 11% with 10,000 users per arm", () => {
    const r = relativeLift(meanEstimate(binary(10_000, 1100)), meanEstimate(binary(10_000, 1000)));
    expect(r).not.toBeNull();
    const { lift, se, df, ci, pValue } = r!;
    expect(lift).toBeCloseTo(0.1, 12);
    expect(se).toBeCloseTo(0.0455, 4);
    expect(ci[0]).toBeCloseTo(0.011, 3);
    expect(ci[1]).toBeCloseTo(0.189, 3);
    expect(pValue).toBeCloseTo(0.028, 3);
    // Exact references (mpmath/scipy): delta-method SE with unbiased variances, Welch df, t quantile.
    expectRelative(se, 0.0454775419375549387, 1e-12);
    expectRelative(df, 19941.5786028664936, 1e-10);
    expectRelative(ci[0], 0.01086024531781328, 1e-9);
    expectRelative(ci[1], 0.18913975468218674, 1e-10);
    expectRelative(pValue, 0.027897361336804042, 1e-9);
  });

  it("is not estimable without users or with a zero control mean", () => {
    expect(relativeLift(meanEstimate(binary(1, 1)), meanEstimate(binary(100, 10)))).toBeNull();
    expect(relativeLift(meanEstimate(binary(100, 5)), meanEstimate(binary(100, 0)))).toBeNull();
    expect(relativeLift(meanEstimate(binary(100, 100)), meanEstimate(binary(100, 100)))).toMatchObject({
      lift: 0,
      se: 0,
      pValue: 1,
    });
  });

  it("ratio metric with a constant denominator equals the mean metric", () => {
    const values = [3, 0, 1, 7, 2, 2, 0, 5];
    const ratio: RatioStats = {
      n: values.length,
      sumX: values.reduce((s, x) => s + x, 0),
      sumY: values.length,
      sumX2: values.reduce((s, x) => s + x * x, 0),
      sumY2: values.length,
      sumXY: values.reduce((s, x) => s + x, 0),
    };
    const r = ratioEstimate(ratio);
    const m = meanEstimate(accumulate(values));
    expect(r.mean).toBeCloseTo(m.mean, 14);
    expect(r.variance).toBeCloseTo(m.variance, 14);
  });

  it("ratio metric's delta-method variance matches the spread over replicates", () => {
    const rng = Rng.derive("stats-test", "ratio");
    const ratios: number[] = [];
    const variances: number[] = [];
    for (let rep = 0; rep < 2000; rep++) {
      const s: RatioStats = { n: 400, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 };
      for (let u = 0; u < s.n; u++) {
        const sessions = 1 + rng.int(6);
        const activity = rng.next();
        let plays = 0;
        for (let k = 0; k < sessions; k++) plays += rng.bernoulli(0.1 + 0.5 * activity) ? 1 : 0;
        s.sumX += plays;
        s.sumY += sessions;
        s.sumX2 += plays * plays;
        s.sumY2 += sessions * sessions;
        s.sumXY += plays * sessions;
      }
      const e = ratioEstimate(s);
      ratios.push(e.mean);
      variances.push(e.variance);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const empirical = ratios.reduce((a, b) => a + (b - mean) ** 2, 0) / (ratios.length - 1);
    const delta = variances.reduce((a, b) => a + b, 0) / variances.length;
    // The sample variance of 2,000 replicates has ~3% relative error.
    expect(delta / empirical).toBeGreaterThan(0.9);
    expect(delta / empirical).toBeLessThan(1.1);
  });

  it("sequential interval contains the fixed one and agrees with its p-value", () => {
    const fixed = relativeLift(meanEstimate(binary(10_000, 1100)), meanEstimate(binary(10_000, 1000)))!;
    const seq = sequentialLift(fixed, 20_000, 0.05, 5000);
    expect(seq.ci[0]).toBeLessThan(fixed.ci[0]);
    expect(seq.ci[1]).toBeGreaterThan(fixed.ci[1]);
    expect(seq.pValue).toBeGreaterThan(fixed.pValue);
    // The always-valid p-value equals α exactly when the sequence's lower bound touches 0.
    const half = seq.ci[1] - fixed.lift;
    expect(sequentialLift({ ...fixed, lift: half }, 20_000, 0.05, 5000).pValue).toBeCloseTo(0.05, 12);
  });
});

describe("multiple testing and SRM", () => {
  it("Holm on a hand example", () => {
    // Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → monotone: 0.02, 0.03, 0.06, 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((x, i) => expect(adjusted[i]).toBeCloseTo(x, 15));
    expect(holmAdjust([null, 0.02, 0.5])).toEqual([null, 0.04, 0.5]);
    expect(holmAdjust([0.6, 0.7])).toEqual([1, 1]);
  });

  it("golden: SRM 10,000 vs 10,400 at 50/50", () => {
    const srm = srmTest([10_000, 10_400], [0.5, 0.5]);
    expect(srm.pValue).toBeCloseTo(0.0051, 4);
    expectRelative(srm.pValue, 0.005101399646004979, 1e-12);
    expect(srm.chiSquare).toBeCloseTo(7.8431, 4);
    expect(srm.ok).toBe(true); // flagged only below 0.001
    expect(srmTest([10_000, 10_700], [1, 1]).ok).toBe(false);
    expect(srmTest([2000, 3000, 5000], [0.2, 0.3, 0.5])).toMatchObject({ chiSquare: 0, df: 2, pValue: 1, ok: true });
    expect(srmTest([100, 3], [1, 0])).toMatchObject({ pValue: 0, ok: false });
    expect(srmTest([0, 0], [1, 1])).toMatchObject({ pValue: 1, ok: true });
  });
});

/** One synthetic experiment with a pre-period covariate: y = 2 + 0.8·x + noise, treatment adds `effect`. */
function cupedExperiment(rng: Rng, n: number, effect: number) {
  return [0, effect].map((delta) => {
    const post: MeanStats = { n, sum: 0, sumSq: 0 };
    const pre: CovariateStats = { sum: 0, sumSq: 0, sumProduct: 0 };
    for (let u = 0; u < n; u++) {
      const x = rng.normal(10, 3);
      const y = 2 + 0.8 * x + rng.normal(0, 2) + delta;
      post.sum += y;
      post.sumSq += y * y;
      pre.sum += x;
      pre.sumSq += x * x;
      pre.sumProduct += x * y;
    }
    return { post, pre };
  });
}

describe("CUPED", () => {
  it("reduces variance on correlated data and stays unbiased", () => {
    const rng = Rng.derive("stats-test", "cuped");
    const trueLift = 0.5 / 10; // E[y | control] = 2 + 0.8·10 = 10
    const plainLifts: number[] = [];
    const cupedLifts: number[] = [];
    let ratioOfSe = 0;
    let covered = 0;
    const reps = 300;
    for (let rep = 0; rep < reps; rep++) {
      const [control, treatment] = cupedExperiment(rng, 1000, 0.5);
      const plain = relativeLift(meanEstimate(treatment.post), meanEstimate(control.post))!;
      const { theta, estimates } = cupedEstimates([control, treatment]);
      const cuped = relativeLift(estimates[1], estimates[0])!;
      expect(theta).toBeGreaterThan(0.6);
      plainLifts.push(plain.lift);
      cupedLifts.push(cuped.lift);
      ratioOfSe += cuped.se / plain.se / reps;
      if (cuped.ci[0] <= trueLift && trueLift <= cuped.ci[1]) covered++;
    }
    // corr(x, y)² = 0.8²·9 / (0.8²·9 + 4) ≈ 0.59, so the SE shrinks to ≈ √0.41 ≈ 0.64 of the plain one.
    expect(ratioOfSe).toBeGreaterThan(0.6);
    expect(ratioOfSe).toBeLessThan(0.68);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
    // Unbiased: the average CUPED lift is within 3 standard errors of the truth.
    expect(Math.abs(mean(cupedLifts) - trueLift)).toBeLessThan((3 * sd(cupedLifts)) / Math.sqrt(reps));
    expect(sd(cupedLifts) / sd(plainLifts)).toBeLessThan(0.75);
    expect(covered / reps).toBeGreaterThan(0.92);
  });
});

describe("analyzeExperiment", () => {
  const rng = Rng.derive("stats-test", "analyze");
  const [control, treatment] = cupedExperiment(rng, 2000, 0.3);
  const input: ExperimentAnalysisInput = {
    arms: [
      { key: "control", control: true, users: 2000, share: 0.25 },
      { key: "es-rl", users: 2000, share: 0.25 },
      { key: "user-rl", users: 1930, share: 0.25 },
    ],
    metrics: [
      {
        key: "duration",
        type: "mean",
        arms: {
          control: { ...control.post, pre: control.pre },
          "es-rl": { ...treatment.post, pre: treatment.pre },
          "user-rl": { ...control.post, pre: control.pre },
        },
      },
      {
        key: "valid_consumption",
        type: "mean",
        arms: { control: binary(2000, 200), "es-rl": binary(2000, 230), "user-rl": binary(1930, 0) },
      },
      {
        key: "plays_per_session",
        type: "ratio",
        arms: Object.fromEntries(
          ["control", "es-rl", "user-rl"].map((k) => [
            k,
            { n: 2000, sumX: 3000, sumY: 8000, sumX2: 9000, sumY2: 40_000, sumXY: 16_000 },
          ]),
        ),
      },
    ],
  };

  it("builds the docs/architecture.md §9 report", () => {
    const report = analyzeExperiment(input);
    expect(report.alpha).toBe(0.05);
    expect(report.sequentialTuning).toBe(5000);
    expect(report.arms.map((a) => [a.key, a.control, a.share])).toEqual([
      ["control", true, 1 / 3],
      ["es-rl", false, 1 / 3],
      ["user-rl", false, 1 / 3],
    ]);
    expect(report.srm.ok).toBe(true);
    expect(report.srm.expected).toEqual([1976.6666666666667, 1976.6666666666667, 1976.6666666666667]);

    const [c, t1, t2] = report.arms as [unknown, TreatmentArmReport, TreatmentArmReport];
    expect(report.arms[0].metrics.valid_consumption).toEqual({
      n: 2000,
      mean: 0.1,
      meanSe: expect.closeTo(Math.sqrt(0.09 / 1999), 12),
    });
    expect(c).not.toHaveProperty("metrics.duration.lift");

    const duration = t1.metrics.duration;
    expect(duration.lift).toBeGreaterThan(0);
    expect(duration.ci?.[0]).toBeLessThan(duration.lift!);
    expect(duration.sequential?.ci[0]).toBeLessThan(duration.ci![0]);
    expect(duration.cuped).not.toBeNull();
    expect(duration.meanSe).toBeCloseTo(Math.sqrt(meanEstimate(treatment.post).variance), 12);
    expect(duration.cuped!.se).toBeLessThan(0.8 * duration.se!);
    // Same data as control: lift exactly 0.
    expect(t2.metrics.duration.lift).toBe(0);
    // Holm across the two treatment arms.
    const [p1, p2] = [t1, t2].map((t) => t.metrics.duration.pValue!);
    expect(t1.metrics.duration.adjustedPValue).toBeCloseTo(Math.min(1, 2 * Math.min(p1, p2)), 15);
    expect(t2.metrics.duration.adjustedPValue).toBe(1);

    // Golden-style check on the conversion metric; user-rl with 0 conversions is still estimable (lift −1).
    expect(t1.metrics.valid_consumption.lift).toBeCloseTo(0.15, 12);
    expect(t2.metrics.valid_consumption.lift).toBeCloseTo(-1, 12);
    expect(t1.metrics.valid_consumption.cuped).toBeNull();
    expect(t1.metrics.plays_per_session).toMatchObject({ mean: 0.375, lift: 0, pValue: 1 });
  });

  it("marks lifts against a zero control mean as not estimable, and can turn sequential intervals off", () => {
    const report = analyzeExperiment({
      arms: [
        { key: "a", control: true, users: 100, share: 1 },
        { key: "b", users: 100, share: 1 },
      ],
      metrics: [
        { key: "m", type: "mean", arms: { a: binary(100, 0), b: binary(100, 3) } },
        { key: "k", type: "mean", arms: { a: binary(100, 10), b: binary(100, 12) } },
      ],
      sequential: false,
      alpha: 0.1,
    });
    const b = report.arms[1] as TreatmentArmReport;
    expect(b.metrics.m).toMatchObject({
      mean: 0.03,
      lift: null,
      ci: null,
      pValue: null,
      adjustedPValue: null,
      cuped: null,
    });
    expect(b.metrics.k.sequential).toBeNull();
    expect(report.sequentialTuning).toBeNull();
  });

  it("rejects malformed input with zod errors", () => {
    const bad = (patch: Partial<ExperimentAnalysisInput>) => () => analyzeExperiment({ ...input, ...patch });
    expect(bad({ arms: input.arms.map((a) => ({ ...a, control: true })) })).toThrow(
      /exactly one arm must be the control/,
    );
    expect(bad({ arms: [input.arms[0], input.arms[0]] })).toThrow(ZodError);
    expect(bad({ arms: [...input.arms.slice(0, 2), { key: "x", users: -1, share: 1 }] })).toThrow(ZodError);
    expect(bad({ metrics: [{ key: "m", type: "mean", arms: { control: binary(1, 1) } }] })).toThrow(
      /statistics are needed/,
    );
    expect(bad({ alpha: 1.5 })).toThrow(ZodError);
  });
});

describe("liftTimeSeries", () => {
  it("gives one comparison per day from cumulative statistics, the last equal to the report's", () => {
    const days = [1, 2, 3].map((d) => ({
      date: `2025-01-0${d}`,
      arms: {
        control: binary(1000 * d, 100 * d),
        treatment: binary(1000 * d, 100 * d + 10 * d * d),
        early: binary(d === 1 ? 1 : 900 * d, 80 * d),
      },
    }));
    const series = liftTimeSeries({ type: "mean", control: "control", days });
    expect(series.map((p) => p.date)).toEqual(["2025-01-01", "2025-01-02", "2025-01-03"]);
    expect(series[0].arms.early).toBeNull();
    expect(series.map((p) => p.arms.treatment!.lift)).toEqual([0.1, 0.2, 0.3].map((x) => expect.closeTo(x, 12)));
    const last = relativeLift(meanEstimate(days[2].arms.treatment), meanEstimate(days[2].arms.control))!;
    expect(series[2].arms.treatment).toMatchObject({ lift: last.lift, ci: last.ci, pValue: last.pValue });
    expect(series[2].arms.treatment!.sequential!.ci[0]).toBeLessThan(last.ci[0]);
    expect(() => liftTimeSeries({ type: "mean", control: "nope", days })).toThrow(/no statistics for control arm/);
  });
});
