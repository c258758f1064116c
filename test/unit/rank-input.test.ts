import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SCORE_NAMES } from "@/lib/fusion";
import { parseRankRequest } from "@/lib/serving/parse-rank-request";
import { isValidRankBody, rankBody } from "@/lib/serving/rank-input";
import { rankRequestOf, type RankRequest } from "@/lib/serving/rank-request";

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
    // Names that are prefixes of one another: the parser matches the name it expects byte by byte.
    fc.constantFrom("f1", "f2", "f10", "f", "__proto__", ""),
    maybeOdd(fc.double({ min: -1e6, max: 1e6, noNaN: true })),
  ),
);
const scores = maybeOdd(
  fc
    .tuple(
      fc.record(
        {
          ...Object.fromEntries(SCORE_NAMES.map((s) => [s, maybeOdd(fc.double({ min: 0, max: 1, noNaN: true }))])),
          extra: maybeOdd(fc.double({ min: -5, max: 5, noNaN: true })),
          [SCORE_NAMES[0].slice(0, -1)]: maybeOdd(fc.double({ min: -5, max: 5, noNaN: true })),
        },
        { requiredKeys: SCORE_NAMES as unknown as never[] },
      ),
      fc.boolean(),
    )
    // In the documented order, or reversed.
    .map(([s, reversed]) => (reversed ? Object.fromEntries(Object.entries(s).reverse()) : s)),
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

/** A request as plain arrays (NaN stays NaN under toEqual). */
const plain = (r: RankRequest) => ({
  ...r,
  predictions: Array.from(r.predictions),
  itemFeatures: { names: [...r.itemFeatures.names], values: Array.from(r.itemFeatures.values) },
});

describe("the rank body's byte parser", () => {
  it("reads a body exactly as JSON.parse + rankBody do, or leaves it to them", () => {
    let read = 0;
    let valid = 0;
    fc.assert(
      fc.property(body, fc.constantFrom(undefined, 1, "\t", " \r\n"), (b, indent) => {
        const text = JSON.stringify(b, null, indent);
        const json: unknown = JSON.parse(text);
        const expected = rankBody.safeParse(json).success ? rankRequestOf(json as never) : null;
        const fast = parseRankRequest(Buffer.from(text));
        if (expected) valid++;
        if (fast === null) return;
        read++;
        expect(expected).not.toBeNull();
        expect(plain(fast)).toEqual(plain(expected!));
      }),
      { numRuns: 3000, seed: 15 },
    );
    // Most valid bodies take the fast path (those with escapes in keys or ids, or odd keys, do not).
    expect(read).toBeGreaterThan(valid * 0.5);
  });

  const withValue = (value: string) =>
    Buffer.from(
      `{"userId":"u","candidates":[{"itemId":"a","scores":{"pClick":0.5,"pLongView":0.5,"pLike":0.5,` +
        `"pFollow":0.5,"pComment":0.5,"pForward":0.5,"pWatchTime":${value}},"features":{"f":${value}}}]}`,
    );
  const digits = fc.stringMatching(/^-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?$/);

  it("converts numbers to the float32 that Number() rounds to", () => {
    const printed = fc.oneof(
      digits,
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.float({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.float({ min: 0, max: 1, noNaN: true }).map(String),
    );
    fc.assert(
      fc.property(printed, (text) => {
        const exact = Number(text);
        const request = parseRankRequest(withValue(text));
        const validScore = exact >= 0 && exact <= 1;
        if (!Number.isFinite(Math.fround(exact)) || !validScore) {
          // Out of the scores' range (or beyond float32): never read as valid.
          expect(request).toBeNull();
          return;
        }
        expect(request).not.toBeNull();
        expect(request!.predictions[6]).toBe(Math.fround(exact));
        expect(request!.itemFeatures.values[0]).toBe(Math.fround(exact));
      }),
      { numRuns: 20_000, seed: 7 },
    );
  });

  it("rounds decimals next to a float32 rounding boundary as Number() does", () => {
    // The midpoint between a float32 and the next one up, printed to 16–21 digits and nudged in its
    // last digit: where an approximate conversion would round to the wrong float32.
    const nearBoundary = fc
      .tuple(
        fc.float({ min: Math.fround(1e-30), max: 1, noNaN: true }),
        fc.integer({ min: 16, max: 21 }),
        fc.integer({ min: -2, max: 2 }),
      )
      .map(([f, precision, nudge]) => {
        const up = new Float32Array([f]);
        new Uint32Array(up.buffer)[0]++;
        const text = ((f + up[0]) / 2).toPrecision(precision);
        const [mantissa, exponent = ""] = text.split("e");
        const last = Number(mantissa.at(-1));
        const nudged = Math.min(9, Math.max(0, last + nudge));
        return `${mantissa.slice(0, -1)}${nudged}${exponent ? `e${exponent}` : ""}`;
      });
    let exercised = 0;
    fc.assert(
      fc.property(nearBoundary, (text) => {
        const request = parseRankRequest(withValue(text));
        if (Number(text) > 1) {
          expect(request).toBeNull();
          return;
        }
        exercised++;
        expect(request!.itemFeatures.values[0]).toBe(Math.fround(Number(text)));
        expect(request!.predictions[6]).toBe(Math.fround(Number(text)));
      }),
      { numRuns: 20_000, seed: 11 },
    );
    expect(exercised).toBeGreaterThan(10_000);
  });

  it.each([
    ["0.99999999999999999", 1],
    ["1.0000000000000001", 1],
    ["1.00000000000000023", null],
    ["1e0", 1],
    ["0.5E-0", 0.5],
    ["-0", -0],
    ["0.1234567834567891234", Math.fround(0.1234567834567891234)],
  ])("reads the score %s as %s", (text, value) => {
    const request = parseRankRequest(withValue(text));
    if (value === null) expect(request).toBeNull();
    else expect(request!.predictions[6]).toBe(Math.fround(value));
  });

  it.each(["01", "1.", ".5", "+1", "-", "1e", "0x1", "NaN", "1e400", '"0.5"'])("leaves %s to JSON.parse", (text) => {
    expect(parseRankRequest(withValue(text))).toBeNull();
  });

  it("lays out features that appear late, in some candidates only and in any order", () => {
    const scores = Object.fromEntries(SCORE_NAMES.map((name) => [name, 0.5]));
    // 700 candidates: features from candidate 600 on (past two row doublings), one more name with each
    // candidate (past two column doublings), names in rotating order.
    const candidates = Array.from({ length: 700 }, (_, j) => {
      const names = Array.from({ length: j < 600 ? 0 : 1 + (j - 600) }, (_, c) => `f${c}`);
      const rotated = [...names.slice(j % (names.length || 1)), ...names.slice(0, j % (names.length || 1))];
      const features = Object.fromEntries(rotated.map((f) => [f, j + Number(f.slice(1))]));
      return j < 600 ? { itemId: `i${j}`, scores } : { itemId: `i${j}`, scores, features };
    });
    const text = JSON.stringify({ userId: "u", candidates });
    const fast = parseRankRequest(Buffer.from(text));
    expect(fast).not.toBeNull();
    expect(fast!.itemFeatures.names.length).toBeGreaterThan(64);
    expect(plain(fast!)).toEqual(plain(rankRequestOf(JSON.parse(text))));
  });

  it("leaves duplicate keys, escapes and unknown keys to JSON.parse", () => {
    const ok = withValue("0.5").toString();
    expect(parseRankRequest(Buffer.from(ok))).not.toBeNull();
    for (const odd of [
      ok.replace('"userId":"u"', '"userId":"u","userId":"v"'),
      ok.replace('"itemId":"a"', '"itemId":"a","itemId":"b"'),
      ok.replace('"pClick":0.5', '"pClick":0.5,"pClick":0.6'),
      ok.replace('"f":0.5', '"f":0.5,"f":0.6'),
      ok.replace('"itemId":"a"', '"itemId":"\\u0061"'),
      ok.replace('"itemId":"a"', '"itemId":"a","extra":1'),
      ok.replace('{"userId"', '{"other":1,"userId"'),
      ok.replace('"features":{"f":0.5}', '"features":null'),
      `${ok} x`,
    ])
      expect(parseRankRequest(Buffer.from(odd))).toBeNull();
  });
});
