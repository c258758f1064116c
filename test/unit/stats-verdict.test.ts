import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ZodError } from "zod";
import { EMPTY_MOMENTS, type Moments, addObservation } from "@/lib/stats/moments";
import { pairEstimate } from "@/lib/stats/pair-estimate";
import {
  contrastStatistic,
  criticalValue,
  fiellerLift,
  sequentialTest,
  twoSidedPValue,
} from "@/lib/stats/contrast-test";
import { holmDecisions } from "@/lib/stats/holm";
import { checkMinimumData } from "@/lib/stats/minimum-data";
import { type VerdictInput, decideExperiment } from "@/lib/stats/verdict";
import { armMoments } from "@/test/support/arm-moments";

/** A regular expression written in parts (long expected messages). */
const pattern = (...parts: string[]) => new RegExp(parts.join(""));

const accumulate = (xs: readonly number[], ys: readonly number[] = []) =>
  xs.reduce<Moments>((m, x, i) => addObservation(m, x, ys[i] ?? 0), { ...EMPTY_MOMENTS });

const arm = armMoments;

function expectRelative(actual: number, expected: number, tol = 1e-10) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

// Reference values: numpy/scipy, from the raw values below (moderated variances written out by hand:
// s̃² = ((n−1)s² + s²_pooled)/n, Welch–Satterthwaite df with n − 1 + 1 per arm, scipy.stats.t).
const T = [3, 0, 7.5, 1, 0, 12, 4];
const C = [2, 0, 0, 5, 1, 3];
const T_PRE = [2, 1, 5, 0, 0, 9, 3];
const C_PRE = [1, 0, 1, 4, 2, 2];

describe("small-n robust pair estimates and tests", () => {
  it("mean metric: moderated variances, Welch t on the difference, unbounded Fieller when the control is noisy", () => {
    const pair = pairEstimate(accumulate(T), accumulate(C), "mean")!;
    expectRelative(pair.treatment.variance, 2.669731628915302);
    expectRelative(pair.control.variance, 0.8732193732193733);
    const stat = contrastStatistic(pair);
    expectRelative(stat.z, 1.1131426130958406);
    expectRelative(stat.df, 10.960060734477745);
    expectRelative(twoSidedPValue(stat, { kind: "fixedHorizon" }), 0.28946502784998596, 1e-9);
    const q = criticalValue(stat, { kind: "fixedHorizon" }, 0.05);
    expectRelative(q, 2.2019641125707388, 1e-9);
    // Control mean 1.83 with variance 0.87: within q standard errors of 0, so no bounded ratio set.
    expect(fiellerLift(pair, q)).toEqual([-Infinity, Infinity]);
    // Always-valid p-value at N = 13 (mixture tuned at 5,000 users, α = 0.05).
    expectRelative(twoSidedPValue(stat, sequentialTest(0.05, 5000)), 0.9976894646136453);
    expectRelative(criticalValue(stat, sequentialTest(0.05, 5000), 0.05), 17.244426002638406);
  });

  it("CUPED: θ pooled within arms, adjusted means and residual variances", () => {
    const pair = pairEstimate(accumulate(T, T_PRE), accumulate(C, C_PRE), "mean", true)!;
    expectRelative(pair.theta, 1.3380606860158308);
    expectRelative(pair.treatment.variance, 0.08556447996833136);
    expectRelative(pair.control.variance, 0.14000236476691175);
    const stat = contrastStatistic(pair);
    expectRelative(stat.z, 1.0576283266194653);
    expectRelative(stat.df, 11.797877393708925);
    const fieller = fiellerLift(pair, criticalValue(stat, { kind: "fixedHorizon" }, 0.05));
    expectRelative(fieller[0], -0.16133698968026888, 1e-9);
    expectRelative(fieller[1], 0.7754817298937011, 1e-9);
  });

  it("ratio metric: delta-method linearisation, Fieller interval", () => {
    const pair = pairEstimate(
      accumulate(
        T,
        T_PRE.map((y) => y + 1),
      ),
      accumulate(
        C,
        C_PRE.map((y) => y + 1),
      ),
      "ratio",
    )!;
    expectRelative(pair.treatment.variance, 0.01823483813208554);
    expectRelative(pair.control.variance, 0.03350475645379122);
    const stat = contrastStatistic(pair);
    expectRelative(stat.z, 1.4552606288578174);
    expectRelative(twoSidedPValue(stat, { kind: "fixedHorizon" }), 0.17254963525434383, 1e-9);
    const fieller = fiellerLift(pair, criticalValue(stat, { kind: "fixedHorizon" }, 0.05));
    expectRelative(fieller[0], -0.167497996238837, 1e-9);
    expectRelative(fieller[1], 2.659533264019618, 1e-9);
  });

  it("zero variance at n = 2 does not give p = 0", () => {
    const pair = pairEstimate(accumulate([5, 5]), accumulate([1, 1]), "mean")!;
    const p = twoSidedPValue(contrastStatistic(pair), { kind: "fixedHorizon" });
    expect(p).toBeGreaterThan(0.05);
    // T = {5, 5}, C = {0, 0}: the control mean is 0, so no relative change is estimable at all.
    expect(pairEstimate(accumulate([5, 5]), accumulate([0, 0]), "mean")).toBeNull();
    // Identical constant arms: no difference, p = 1.
    expect(
      twoSidedPValue(contrastStatistic(pairEstimate(accumulate([2, 2]), accumulate([2, 2]), "mean")!), {
        kind: "fixedHorizon",
      }),
    ).toBe(1);
  });

  it(
    "Fieller's interval (bounded) excludes 0 exactly when the difference test rejects, and holds the point " +
      "estimate",
    () => {
      const armArb = fc.record({
        n: fc.integer({ min: 2, max: 5000 }),
        mean: fc.double({ min: 0.1, max: 100, noNaN: true }),
        sd: fc.double({ min: 0.01, max: 300, noNaN: true }),
      });
      fc.assert(
        fc.property(
          armArb,
          armArb,
          fc.constantFrom(0.001, 0.01, 0.05, 0.2),
          fc.boolean(),
          (t, c, level, sequential) => {
            const pair = pairEstimate(arm(t.n, t.mean, t.sd), arm(c.n, c.mean, c.sd), "mean")!;
            const stat = contrastStatistic(pair);
            const test = sequential ? sequentialTest(0.05, 5000) : ({ kind: "fixedHorizon" } as const);
            const q = criticalValue(stat, test, level);
            const [lo, hi] = fiellerLift(pair, q);
            if (!Number.isFinite(lo)) return;
            const point = pair.treatment.mean / pair.control.mean - 1;
            expect(lo).toBeLessThanOrEqual(point + 1e-12);
            expect(hi).toBeGreaterThanOrEqual(point - 1e-12);
            const p = twoSidedPValue(stat, test);
            if (Math.abs(p - level) > 1e-9) expect(lo > 0 || hi < 0).toBe(p < level);
          },
        ),
      );
    },
  );

  it("the always-valid boundary is wider than the fixed-horizon one at the same level", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5_000_000 }), fc.constantFrom(0.001, 0.01, 0.05, 0.1), (n, level) => {
        const pair = pairEstimate(arm(n, 10, 5), arm(n, 10, 5), "mean")!;
        const stat = { ...contrastStatistic(pair), df: Infinity };
        expect(criticalValue(stat, sequentialTest(0.05, 5000), level)).toBeGreaterThan(
          criticalValue(stat, { kind: "fixedHorizon" }, level),
        );
      }),
    );
  });
});

describe("Holm decisions with the level each hypothesis was tested at", () => {
  it("steps down and stops; non-rejected levels sit at the stopping step", () => {
    // m = 4 at α = 0.05: 0.01 ≤ 0.0125 (reject), 0.015 ≤ 0.0167 (reject), 0.03 > 0.025 (stop).
    expect(holmDecisions([0.03, 0.01, 0.2, 0.015], 0.05)).toEqual([
      { rejected: false, level: 0.025 },
      { rejected: true, level: 0.0125 },
      { rejected: false, level: 0.025 },
      { rejected: true, level: 0.05 / 3 },
    ]);
    // A not-yet-testable hypothesis stays in the family: 0.03 > 0.05/2 is not rejected.
    expect(holmDecisions([0.03, null], 0.05).map((d) => d.rejected)).toEqual([false, false]);
    expect(holmDecisions([0.03], 0.05)).toEqual([{ rejected: true, level: 0.05 }]);
  });

  it("rejects the same set as the Holm-adjusted p-values", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }), (ps) => {
        const decisions = holmDecisions(ps, 0.05);
        const sorted = [...ps].sort((a, b) => a - b);
        let k = 0;
        while (k < ps.length && sorted[k] <= 0.05 / (ps.length - k)) k++;
        expect(decisions.filter((d) => d.rejected).length).toBe(k);
        decisions.forEach((d, i) => expect(d.rejected).toBe(ps[i] <= d.level));
      }),
    );
  });
});

describe("minimum data rule", () => {
  it("names the most-lacking arm as N of M users (or events)", () => {
    const rule = { usersPerArm: 100, eventsPerArm: 10 };
    expect(
      checkMinimumData(
        [
          { key: "a", users: 150 },
          { key: "b", users: 37 },
        ],
        rule,
      ),
    ).toMatchObject({
      met: false,
      reason: "Not enough data yet: 37 of 100 users in arm b.",
    });
    expect(
      checkMinimumData(
        [
          { key: "a", users: 150, events: 2 },
          { key: "b", users: 90, events: 9 },
        ],
        rule,
      ),
    ).toMatchObject({
      reason: "Not enough data yet: 2 of 10 events in arm a.",
    });
    expect(
      checkMinimumData(
        [
          { key: "a", users: 100 },
          { key: "b", users: 100 },
        ],
        rule,
      ),
    ).toEqual({ met: true });
  });
});

const twoArms = (n: number) => [
  { key: "control", control: true, users: n },
  { key: "b", users: n },
];

describe("verdicts", () => {
  it("ships a clear winner under the sequential plan, with an always-valid interval excluding 0", () => {
    const report = decideExperiment({
      arms: twoArms(5000),
      metrics: [
        { key: "watch", role: "primary", type: "mean", arms: { control: arm(5000, 10, 20), b: arm(5000, 12, 20) } },
      ],
    });
    const v = report.arms[0];
    expect(v.verdict).toBe("ship");
    const interval = v.primary[0].interval!;
    expect(interval.test).toBe("sequential");
    expect(interval.relative![0]).toBeGreaterThan(0);
    expect(v.reason).toMatch(
      pattern(
        String.raw`^b improves watch: watch rises \+20\.0% and the always-valid 95% interval `,
        String.raw`\+\d+\.\d% to \+\d+\.\d% excludes 0\.$`,
      ),
    );
  });

  it("says don't ship when a lower-is-better metric rises, and keep running when the interval holds 0", () => {
    const metric = (b: Moments) => ({
      key: "latency",
      role: "primary" as const,
      direction: "lowerIsBetter" as const,
      type: "mean" as const,
      arms: { control: arm(5000, 100, 30), b },
    });
    expect(decideExperiment({ arms: twoArms(5000), metrics: [metric(arm(5000, 110, 30))] }).arms[0].verdict).toBe(
      "dontShip",
    );
    const running = decideExperiment({ arms: twoArms(5000), metrics: [metric(arm(5000, 100.5, 30))] }).arms[0];
    expect(running.verdict).toBe("keepRunning");
    expect(running.reason).toMatch(/still includes 0; safe to keep reading/);
  });

  it("fixed horizon: no decision before the planned users, then ship or inconclusive", () => {
    const input = (n: number, mean: number): VerdictInput => ({
      arms: twoArms(n),
      metrics: [
        { key: "watch", role: "primary", type: "mean", arms: { control: arm(n, 10, 20), b: arm(n, mean, 20) } },
      ],
      plan: { kind: "fixedHorizon", plannedUsers: 4000 },
    });
    const early = decideExperiment(input(1000, 14)).arms[0];
    expect(early.verdict).toBe("keepRunning");
    expect(early.reason).toBe("Fixed-horizon plan: the decision waits for 4,000 users (2,000 so far).");
    expect(decideExperiment(input(2000, 14)).arms[0].verdict).toBe("ship");
    const flat = decideExperiment(input(2000, 10.1)).arms[0];
    expect(flat.verdict).toBe("inconclusive");
    expect(flat.primary[0].interval!.test).toBe("fixedHorizon");
  });

  it("below the minimum: not enough data, no interval", () => {
    const v = decideExperiment({
      arms: twoArms(60),
      metrics: [{ key: "watch", role: "primary", type: "mean", arms: { control: arm(80, 10, 2), b: arm(37, 20, 2) } }],
    }).arms[0];
    expect(v.verdict).toBe("notEnoughData");
    expect(v.reason).toBe("Not enough data yet: 37 of 100 users in arm b.");
    expect(v.primary[0].interval).toBeNull();
  });

  it("Holm across arms × primary metrics: the family's size sets the level of each interval", () => {
    const metrics = ["m1", "m2"].map((key) => ({
      key,
      role: "primary" as const,
      type: "mean" as const,
      arms: { control: arm(3000, 10, 20), b: arm(3000, 10, 20), c: arm(3000, 10, 20) },
    }));
    const report = decideExperiment({ arms: [...twoArms(3000), { key: "c", users: 3000 }], metrics });
    const levels = report.arms.flatMap((a) => a.primary.map((p) => p.interval!.level));
    expect(levels).toEqual([0.0125, 0.0125, 0.0125, 0.0125]);
    expect(report.arms[0].reason).toMatch(/always-valid 98\.75% interval/);
  });

  it("a guardrail's status never gets worse with a larger allowed harm or a smaller observed harm", () => {
    const rank = { pass: 0, notYet: 1, fail: 2, notEnoughData: -1 } as const;
    const status = (harm: number, mean: number, direction: "higherIsBetter" | "lowerIsBetter") =>
      decideExperiment({
        arms: twoArms(2000),
        metrics: [
          { key: "p", role: "primary", type: "mean", arms: { control: arm(2000, 1, 2), b: arm(2000, 1, 2) } },
          {
            key: "g",
            role: "guardrail",
            direction,
            allowedHarm: harm,
            type: "mean",
            arms: { control: arm(2000, 1, 1), b: arm(2000, mean, 1) },
          },
        ],
      }).arms[0].guardrails[0].status;
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0.7, max: 1.3, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.constantFrom("higherIsBetter" as const, "lowerIsBetter" as const),
        (harm, extra, mean, better, direction) => {
          const base = rank[status(harm, mean, direction)];
          expect(rank[status(Math.min(0.99, harm + extra), mean, direction)]).toBeLessThanOrEqual(base);
          const improved = direction === "higherIsBetter" ? mean + better : mean - better;
          expect(rank[status(harm, improved, direction)]).toBeLessThanOrEqual(base);
        },
      ),
      { numRuns: 200 },
    );
  });

  it(
    "guardrails: non-inferiority pass, harm beyond the margin fails, unclear is not yet; shipping waits for " + "them",
    () => {
      const input = (guardrailMean: number, n = 5000): VerdictInput => ({
        arms: twoArms(n),
        metrics: [
          { key: "watch", role: "primary", type: "mean", arms: { control: arm(n, 10, 20), b: arm(n, 12, 20) } },
          {
            key: "retention",
            role: "guardrail",
            allowedHarm: 0.02,
            type: "mean",
            arms: { control: arm(n, 0.5, 0.5), b: arm(n, guardrailMean, 0.5) },
          },
        ],
      });
      const pass = decideExperiment(input(0.505, 40000)).arms[0];
      expect(pass.guardrails[0].status).toBe("pass");
      expect(pass.guardrails[0].interval!.relative![0]).toBeGreaterThan(-0.02);
      expect(pass.verdict).toBe("ship");
      const fail = decideExperiment(input(0.4)).arms[0];
      expect(fail.guardrails[0].status).toBe("fail");
      expect(fail.verdict).toBe("dontShip");
      expect(fail.reason).toMatch(
        pattern(
          String.raw`^Guardrail retention fails: harmed beyond the allowed harm of −2\.0%: `,
          String.raw`the whole interval −\d+\.\d% to −\d+\.\d% lies past it\.$`,
        ),
      );
      const unclear = decideExperiment(input(0.5)).arms[0];
      expect(unclear.guardrails[0].status).toBe("notYet");
      expect(unclear.verdict).toBe("keepRunning");
      expect(unclear.reason).toMatch(
        pattern(
          String.raw`^b improves watch, but guardrail retention has not passed yet: not yet shown non-inferior: `,
          String.raw`its 95% one-sided bound −\d\.\d% does not yet rule out the allowed harm of −2\.0%\.$`,
        ),
      );
    },
  );

  it("accepts the raw-sum statistics the rest of lib/stats takes, with CUPED from `pre`", () => {
    const sums = (xs: number[], pre: number[]) => ({
      n: xs.length,
      sum: xs.reduce((s, x) => s + x, 0),
      sumSq: xs.reduce((s, x) => s + x * x, 0),
      pre: {
        sum: pre.reduce((s, x) => s + x, 0),
        sumSq: pre.reduce((s, x) => s + x * x, 0),
        sumProduct: pre.reduce((s, x, i) => s + x * xs[i], 0),
      },
    });
    const report = decideExperiment({
      arms: twoArms(7),
      metrics: [{ key: "watch", role: "primary", type: "mean", arms: { control: sums(C, C_PRE), b: sums(T, T_PRE) } }],
      minimum: { usersPerArm: 2 },
      plan: { kind: "fixedHorizon", plannedUsers: 13 },
    });
    const [lo, hi] = report.arms[0].primary[0].interval!.relative!;
    expectRelative(lo, -0.16133698968026888, 1e-9);
    expectRelative(hi, 0.7754817298937011, 1e-9);
  });

  it("a sequential plan with a planned size: inconclusive once it is reached without a decision", () => {
    const input = (n: number): VerdictInput => ({
      arms: twoArms(n),
      metrics: [
        { key: "watch", role: "primary", type: "mean", arms: { control: arm(n, 10, 20), b: arm(n, 10.05, 20) } },
      ],
      plan: { kind: "sequential", plannedUsers: 8000 },
    });
    expect(decideExperiment(input(3000)).arms[0].verdict).toBe("keepRunning");
    const done = decideExperiment(input(4000));
    expect(done.progress).toEqual({ users: 8000, plannedUsers: 8000 });
    expect(done.sequentialTuning).toBe(8000);
    expect(done.arms[0].verdict).toBe("inconclusive");
    expect(done.arms[0].reason).toMatch(
      /^Planned 8,000 users reached and the always-valid 95% interval .* still includes 0: no effect detected\.$/,
    );
  });

  it("ratio metrics from raw sums, and the events minimum where the metric counts events", () => {
    const ratio = (n: number, plays: number, sessions: number, events: number) => ({
      n,
      sumX: plays,
      sumY: sessions,
      sumX2: plays * 3,
      sumY2: sessions * 2.5,
      sumXY: plays * 2.6,
      events,
    });
    const input = (events: number): VerdictInput => ({
      arms: twoArms(4000),
      metrics: [
        {
          key: "playRate",
          role: "primary",
          type: "ratio",
          arms: { control: ratio(4000, 4000, 8000, events), b: ratio(4000, 4800, 8000, 900) },
        },
      ],
      minimum: { usersPerArm: 100, eventsPerArm: 50 },
    });
    const v = decideExperiment(input(1000)).arms[0];
    expect(v.verdict).toBe("ship");
    expect(v.primary[0].relativeChange).toBeCloseTo(0.2, 12);
    expect(decideExperiment(input(20)).arms[0].reason).toBe("Not enough data yet: 20 of 50 events in arm control.");
  });

  it("negative baselines: the reason reads the direction from the difference; a relative margin is refused", () => {
    const report = decideExperiment({
      arms: twoArms(5000),
      metrics: [
        { key: "balance", role: "primary", type: "mean", arms: { control: arm(5000, -10, 20), b: arm(5000, -8, 20) } },
        {
          key: "net",
          role: "guardrail",
          allowedHarm: 0.05,
          type: "mean",
          arms: { control: arm(5000, -10, 20), b: arm(5000, -10, 20) },
        },
      ],
    }).arms[0];
    expect(report.primary[0].verdict).toBe("ship");
    expect(report.primary[0].reason).toMatch(/^b improves balance: balance rises \+20\.0% and/);
    expect(report.guardrails[0].status).toBe("notYet");
    expect(report.guardrails[0].reason).toMatch(/needs a positive control mean/);
  });

  it("rejects malformed input naming the field", () => {
    const bad = () =>
      decideExperiment({
        arms: twoArms(10),
        metrics: [{ key: "r", role: "guardrail", type: "mean", arms: { control: arm(10, 1, 1), b: arm(10, 1, 1) } }],
      });
    expect(bad).toThrow(ZodError);
    expect(bad).toThrow(/allowedHarm/);
  });
});
