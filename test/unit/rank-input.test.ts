import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SCORE_NAMES } from "@/lib/fusion";
import { isValidRankBody, rankBody } from "@/lib/serving/rank-input";

// Values of every kind that can break a rule: bad strings, out-of-range and non-finite numbers, wrong types.
const odd = fc.oneof(
  fc.constantFrom(
    "",
    "a\u0000b",
    "\ud800",
    "x".repeat(201),
    "x".repeat(513),
    -0.5,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2.5,
    0,
    2001,
    null,
    true,
    [],
    {},
    [1],
  ),
  fc.string({ maxLength: 5 }),
  fc.double(),
);
const maybeOdd = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: arb, weight: 60 }, { arbitrary: odd as fc.Arbitrary<unknown>, weight: 1 });
const features = maybeOdd(
  fc.dictionary(
    fc.constantFrom("f1", "f2", "__proto__", ""),
    maybeOdd(fc.double({ min: -1e6, max: 1e6, noNaN: true })),
  ),
);
const scores = maybeOdd(
  fc.record(
    {
      ...Object.fromEntries(SCORE_NAMES.map((s) => [s, maybeOdd(fc.double({ min: 0, max: 1, noNaN: true }))])),
      extra: maybeOdd(fc.double({ min: -5, max: 5, noNaN: true })),
    },
    { requiredKeys: SCORE_NAMES as unknown as never[] },
  ),
);
const candidate = maybeOdd(
  fc.record(
    { itemId: maybeOdd(fc.string({ minLength: 1, maxLength: 20 })), scores, features },
    { requiredKeys: ["itemId", "scores"] },
  ),
);
const body = fc.record(
  {
    userId: maybeOdd(fc.string({ minLength: 1, maxLength: 30 })),
    requestId: maybeOdd(fc.string({ minLength: 1, maxLength: 30 })),
    context: maybeOdd(
      fc.dictionary(
        fc.constantFrom("sessionId", "hour", "device"),
        maybeOdd(fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean())),
      ),
    ),
    user: maybeOdd(fc.record({ features }, { requiredKeys: [] })),
    candidates: maybeOdd(fc.array(candidate, { minLength: 0, maxLength: 6 })),
    k: maybeOdd(fc.integer({ min: 1, max: 2000 })),
  },
  { requiredKeys: ["userId", "candidates"] },
);

describe("the rank body's fast check", () => {
  it("accepts exactly what the zod schema accepts", () => {
    let accepted = 0;
    fc.assert(
      fc.property(body, (b) => {
        const fast = isValidRankBody(b);
        expect(fast).toBe(rankBody.safeParse(b).success);
        if (fast) accepted++;
      }),
      { numRuns: 3000, seed: 13 },
    );
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2900);
  });
});
