import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ZodError } from "zod";
import golden from "@/test/fixtures/golden/power-sample-size.json";
import { type PowerRequest, cupedVarianceFactor, daysLeft, planPower, powerRequestSchema } from "@/lib/stats/power";

type UsersPlan = Extract<ReturnType<typeof planPower>, { usersPerArm: number[] }>;
type MdePlan = Extract<ReturnType<typeof planPower>, { mde: number }>;
const users = (r: PowerRequest) => planPower(r) as UsersPlan;
const mde = (r: PowerRequest) => planPower(r) as MdePlan;

/** Hand-computed sample sizes (the formula is in the fixture's description). */
const GRID = golden.cases as { request: PowerRequest; usersPerArm: number[] }[];

describe("power and duration planning", () => {
  it.each(GRID)(
    "matches the closed-form two-sample sample size within 1 percent, and to the user: $request.metric, MDE " +
      "$request.mde",
    ({ request, usersPerArm }) => {
      const plan = users(request);
      plan.usersPerArm.forEach((n, i) => {
        expect(Math.abs(n - usersPerArm[i]) / usersPerArm[i]).toBeLessThan(0.01);
        expect(Math.abs(n - usersPerArm[i])).toBeLessThanOrEqual(1);
      });
      expect(plan.totalUsers).toBe(plan.usersPerArm.reduce((s, n) => s + n, 0));
      expect(plan.days).toBeNull();
    },
  );

  it("adds days from daily traffic, and CUPED shrinks the users by 1 − ρ²", () => {
    const base = { metric: "watch", baselineMean: 10, baselineSd: 20, mde: 0.05 };
    expect(users({ ...base, dailyTraffic: 4000 }).days).toBe(Math.ceil(50234 / 4000));
    const cuped = users({ ...base, cupedCorrelation: 0.5 });
    expect(cuped.varianceFactor).toBe(0.75);
    expect(Math.abs(cuped.usersPerArm[0] - 0.75 * 25116.415)).toBeLessThanOrEqual(1);
    expect(cupedVarianceFactor(undefined)).toBe(1);
    expect(daysLeft(4200, 10000, 1000)).toBe(6);
    expect(daysLeft(12000, 10000, 1000)).toBe(0);
    expect(daysLeft(4200, 10000, null)).toBeNull();
  });

  it("inverse: users → MDE (hand-computed), and the round trip returns the MDE", () => {
    const request = { metric: "watch", baselineMean: 10, baselineSd: 20, users: 10000 };
    expect(mde(request).mde).toBeCloseTo(0.11206340872451874, 12);
    expect(mde({ ...request, weights: [3, 7] }).mde).toBeCloseTo(0.1222712031225909, 12);
    fc.assert(
      fc.property(
        fc.double({ min: 0.005, max: 0.5, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (effect, cv) => {
          const plan = users({ metric: "m", baselineMean: 1, baselineSd: cv, mde: effect });
          fc.pre(plan.totalUsers >= 6);
          const back = mde({ metric: "m", baselineMean: 1, baselineSd: cv, users: plan.totalUsers });
          expect(back.mde).toBeLessThanOrEqual(effect * (1 + 1e-9));
          // One user fewer per arm no longer reaches it (the plan is the smallest whole number of users).
          expect(mde({ metric: "m", baselineMean: 1, baselineSd: cv, users: plan.totalUsers - 2 }).mde).toBeGreaterThan(
            effect,
          );
        },
      ),
    );
  });

  it(
    "the sequential plan needs more users: where its always-valid boundary plus z_power standard errors reach " +
      "the MDE",
    () => {
      const request = { metric: "watch", baselineMean: 10, baselineSd: 20, mde: 0.05 };
      const at5000 = users({ ...request, sequentialTuning: 5000 });
      // scipy brentq on (c(N) + z₀.₈)·sqrt(4σ²/(μ²N)) = 0.05, c the normal-mixture boundary tuned at 5,000: N =
      // 112,631.88.
      expect(at5000.sequential.usersPerArm).toEqual([56316, 56316]);
      expect(at5000.sequential.inflation).toBeCloseTo(2.242196544168838, 6);
      expect(at5000.sequential.tuning).toBe(5000);
      const back = mde({
        metric: "watch",
        baselineMean: 10,
        baselineSd: 20,
        users: at5000.sequential.totalUsers,
        sequentialTuning: 5000,
      });
      expect(back.sequentialMde).toBeLessThanOrEqual(0.05 + 1e-9);
      // Tuned at its own size (the default; scipy fixed point N = 96,190.80): ×1.9149 whatever the scale.
      const selfTuned = users(request);
      expect(selfTuned.sequential.usersPerArm).toEqual([48096, 48096]);
      expect(selfTuned.sequential.inflation).toBeCloseTo(1.9148990803809511, 6);
      expect(selfTuned.sequential.tuning).toBeCloseTo(96190.80054608479, 3);
      expect(users({ ...request, baselineSd: 200 }).sequential.inflation).toBeCloseTo(1.9148990803809507, 6);
    },
  );

  it("validates the request: exactly one of mde and users, a non-zero baseline, two-sided only", () => {
    const base = { metric: "watch", baselineMean: 10, baselineSd: 20 };
    expect(() => planPower(base)).toThrow(/exactly one of mde/);
    expect(() => planPower({ ...base, mde: 0.1, users: 100 })).toThrow(ZodError);
    expect(powerRequestSchema.safeParse({ ...base, baselineMean: 0, mde: 0.1 }).error?.issues[0].path).toEqual([
      "baselineMean",
    ]);
    expect(powerRequestSchema.safeParse({ ...base, mde: 0.1, test: "one-sided" }).success).toBe(false);
    expect(powerRequestSchema.safeParse({ ...base, mde: 0.1, weights: [1] }).error?.issues[0].path).toEqual([
      "weights",
    ]);
  });
});
