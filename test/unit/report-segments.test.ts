import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reportSegments } from "@/lib/reports/report-segments";
import type { ArmMetricStats } from "@/lib/reports/report-statistics";
import { segmentKeys } from "@/lib/serving/segment-keys";
import { tQuantile } from "@/lib/stats";

describe("segment keys of a rank request", () => {
  it("activity: the activity_<level> feature with the largest value; platform: context.platform, lower-cased", () => {
    expect(
      segmentKeys({ activity_high_active: 0.2, activity_low_active: 0.7, patience: 3 }, { platform: " iOS " }),
    ).toEqual({ activity: "low_active", platform: "ios" });
    expect(segmentKeys({ interest_0: 1 }, { platform: 3 })).toEqual({ activity: null, platform: null });
    expect(segmentKeys(undefined, undefined)).toEqual({ activity: null, platform: null });
    expect(segmentKeys({ activity_: 5 }, { platform: "  " })).toEqual({ activity: null, platform: null });
  });

  it("always one of the request's levels, never longer than 40 characters", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 60 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
        (f) => {
          const { activity } = segmentKeys(f, {});
          const levels = Object.keys(f).filter((k) => k.startsWith("activity_") && k.length > 9);
          if (levels.length === 0) expect(activity).toBeNull();
          else {
            expect(levels.map((k) => k.slice(9, 49))).toContain(activity);
            expect(activity!.length).toBeLessThanOrEqual(40);
          }
        },
      ),
    );
  });
});

const mean = (values: number[]): ArmMetricStats => ({
  type: "mean",
  stats: { n: values.length, sum: values.reduce((s, x) => s + x, 0), sumSq: values.reduce((s, x) => s + x * x, 0) },
});

describe("segment lifts", () => {
  it("Bonferroni across segments × arms: level α/m, p × m, Fieller interval by hand", () => {
    const c = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const t = c.map((x) => x * 1.5);
    const segments = [
      { dimension: "tenure" as const, segment: "new", arms: { control: mean(c), a: mean(t), b: mean(c) } },
      { dimension: "tenure" as const, segment: "returning", arms: { control: mean([1]), a: mean([]), b: mean(c) } },
    ];
    const r = reportSegments({ metric: "m", segments, armKeys: ["control", "a", "b"], control: "control" });
    expect(r.exploratory).toBe(true);
    expect(r.family).toBe(4);
    expect(r.confidence).toBeCloseTo(1 - 0.05 / 4, 12);
    const cell = r.dimensions[0].segments[0].arms[0];
    expect(cell.lift).toBeCloseTo(0.5, 12);
    // By hand: means 5.5 and 8.25, variances 9.1667 and 20.625 (n = 10; moderation with the pooled
    // variance of both arms, d0 = 1: pooled s² = 15.5724…), Welch df, Fieller at t(1 − 0.05/8, df).
    const pooled = [...c, ...t];
    const pm = pooled.reduce((s, x) => s + x, 0) / 20;
    const s0 = pooled.reduce((s, x) => s + (x - pm) ** 2, 0) / 19;
    const vc = (9 * (55 / 6) + s0) / 10 / 10;
    const vt = (9 * 20.625 + s0) / 10 / 10;
    const df = (vt + vc) ** 2 / (vt ** 2 / 10 + vc ** 2 / 10);
    const q = tQuantile(1 - 0.05 / 8, df);
    const a = 5.5 ** 2 - q * q * vc;
    const b = 8.25 * 5.5;
    const root = Math.sqrt(b * b - a * (8.25 ** 2 - q * q * vt));
    expect(cell.ci![0]).toBeCloseTo((b - root) / a - 1, 10);
    expect(cell.ci![1]).toBeCloseTo((b + root) / a - 1, 10);
    // Identical arms: lift 0, adjusted p 1.
    expect(r.dimensions[0].segments[0].arms[1]).toMatchObject({ lift: 0, adjustedPValue: 1 });
    // Not estimable (one control user, an empty arm): no lift, no interval.
    expect(r.dimensions[0].segments[1].arms[0]).toMatchObject({ users: 0, mean: null, lift: null, ci: null });
    expect(r.dimensions[0].segments[1].control.users).toBe(1);
  });
});
