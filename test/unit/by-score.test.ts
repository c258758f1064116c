import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { byScore } from "@/lib/serving/serving-request";

/** The definition: every index, sorted by descending score, ties to the lower index. */
const reference = (scores: number[]) =>
  scores
    .map((s, j) => ({ s, j }))
    .sort((a, b) => b.s - a.s || a.j - b.j)
    .map((x) => x.j);

describe("byScore", () => {
  it("is the first k of the full ordering, for every k (ties included)", () => {
    // Few distinct values, so that ties are common.
    const scores = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true })), {
      minLength: 1,
      maxLength: 300,
    });
    fc.assert(
      fc.property(scores, fc.nat(), (s, k0) => {
        const k = 1 + (k0 % s.length);
        expect(byScore(s, k)).toEqual(reference(s).slice(0, k));
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  it("orders every candidate without k", () => {
    expect(byScore([0.2, 0.9, 0.2, 0.5])).toEqual([1, 3, 0, 2]);
    expect(byScore(Float64Array.from([1, 3, 2, 3, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 2)).toEqual([1, 3]);
  });
});
