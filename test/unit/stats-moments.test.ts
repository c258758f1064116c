import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  EMPTY_MOMENTS,
  type Moments,
  addObservation,
  mergeMoments,
  momentsFromSums,
  varianceX,
} from "@/lib/stats/moments";
import { sampleVariance } from "@/lib/stats/summary";

const accumulate = (xs: readonly number[], ys: readonly number[] = []) =>
  xs.reduce<Moments>((m, x, i) => addObservation(m, x, ys[i] ?? 0), { ...EMPTY_MOMENTS });

/** Equal up to rounding: relative to the data's magnitude `scale` (means) and n·scale² (centred sums). */
function expectClose(a: Moments, b: Moments, scale: number, tol = 1e-12) {
  const s = Math.max(1, scale);
  for (const k of ["meanX", "meanY"] as const) expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(tol * s);
  for (const k of ["m2X", "m2Y", "cXY"] as const)
    expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(tol * Math.max(1, b.n) * s * s);
  expect(a.n).toBe(b.n);
}

const magnitude = (...lists: number[][]) => Math.max(0, ...lists.flat().map(Math.abs));

describe("centred moments (Welford / Chan merge)", () => {
  it("keeps the variance of large values that raw sums lose", () => {
    // 1e9 + {4, 7, 13, 16}: deviations ±3, ±6 from the mean, so s² = 90/3 = 30 exactly.
    const xs = [4, 7, 13, 16].map((d) => 1e9 + d);
    expect(varianceX(accumulate(xs))).toBe(30);
    const halves = mergeMoments(accumulate(xs.slice(0, 1)), accumulate(xs.slice(1)));
    expect(varianceX(halves)).toBe(30);
    // The Σx² route cancels catastrophically at this magnitude (Σx² ≈ 4e18 ≫ 2^53).
    const sum = xs.reduce((s, x) => s + x, 0);
    const sumSq = xs.reduce((s, x) => s + x * x, 0);
    expect(Math.abs(sampleVariance(4, sum, sumSq) - 30)).toBeGreaterThan(1);
  });

  it("matches a two-pass computation: means, centred sums and the co-moment", () => {
    const xs = [3, 0, 7.5, 1, 0, 12, 4];
    const ys = [2, 1, 5, 0, 0, 9, 3];
    const m = accumulate(xs, ys);
    const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
    const my = ys.reduce((s, y) => s + y, 0) / ys.length;
    expect(m.meanX).toBeCloseTo(mx, 14);
    expect(m.m2X).toBeCloseTo(
      xs.reduce((s, x) => s + (x - mx) ** 2, 0),
      12,
    );
    expect(m.m2Y).toBeCloseTo(
      ys.reduce((s, y) => s + (y - my) ** 2, 0),
      12,
    );
    expect(m.cXY).toBeCloseTo(
      xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0),
      12,
    );
    expect(varianceX(accumulate([5]))).toBeNaN();
  });

  const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 0, maxLength: 40 });

  it("merging per-day partial aggregates equals accumulating every user once, in any split", () => {
    fc.assert(
      fc.property(values, values, fc.nat(40), (xs, ys, cut) => {
        const k = Math.min(cut, xs.length);
        const whole = accumulate(xs, ys);
        expectClose(
          mergeMoments(accumulate(xs.slice(0, k), ys), accumulate(xs.slice(k), ys.slice(k))),
          whole,
          magnitude(xs, ys),
        );
      }),
    );
  });

  it("merge is commutative and associative, with the empty aggregate as identity", () => {
    fc.assert(
      fc.property(values, values, values, (a, b, c) => {
        const [ma, mb, mc] = [accumulate(a, b), accumulate(b, c), accumulate(c, a)];
        const scale = magnitude(a, b, c);
        expectClose(mergeMoments(ma, mb), mergeMoments(mb, ma), scale);
        expectClose(mergeMoments(mergeMoments(ma, mb), mc), mergeMoments(ma, mergeMoments(mb, mc)), scale);
        expect(mergeMoments(ma, EMPTY_MOMENTS)).toEqual(ma);
      }),
    );
  });

  it("converts raw sums of moderate values to the same moments", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 30 }), (xs) => {
        const ys = xs.map((x) => x * 0.5 + 3);
        const s = (f: (x: number, i: number) => number) => xs.reduce((acc, x, i) => acc + f(x, i), 0);
        const fromSums = momentsFromSums(
          xs.length,
          s((x) => x),
          s((x) => x * x),
          s((_, i) => ys[i]),
          s((_, i) => ys[i] ** 2),
          s((x, i) => x * ys[i]),
        );
        expectClose(fromSums, accumulate(xs, ys), magnitude(xs, ys), 1e-12);
      }),
    );
  });
});
