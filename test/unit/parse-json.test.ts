import { describe, expect, it, vi } from "vitest";
import { parseJson } from "@/lib/http/parse-json";
import { Rng } from "@/lib/random/rng";
import { simulatedRankBodies } from "@/test/support/load";

const STRING_PIECES = [
  "a",
  "item-",
  '"',
  "\\",
  "\\n",
  "\u00e9",
  "\u4e2d",
  "\ud83d\ude00",
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  " ",
  "\t",
  "__proto__",
  "0",
];

function randomString(rng: Rng): string {
  return Array.from({ length: rng.int(6) }, () => STRING_PIECES[rng.int(STRING_PIECES.length)]).join("");
}

function randomValue(rng: Rng, depth: number): unknown {
  const kind = rng.int(depth > 3 ? 4 : 6);
  switch (kind) {
    case 0:
      return rng.int(3) === 0 ? rng.int(1000) : rng.normal(0, 1e3);
    case 1:
      return randomString(rng);
    case 2:
      return [true, false, null][rng.int(3)];
    case 3:
      return rng.next() < 0.5 ? -0.0000123 : 1e21;
    case 4:
      return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth + 1));
    default: {
      const keys = Array.from({ length: rng.int(5) }, () =>
        rng.int(4) === 0 ? "__proto__" : rng.int(4) === 0 ? String(rng.int(20)) : randomString(rng),
      );
      return Object.fromEntries(keys.map((k) => [k, randomValue(rng, depth + 1)]));
    }
  }
}

/** JSON text of v with random (legal) whitespace between tokens and, sometimes, duplicate keys. */
function serialise(rng: Rng, v: unknown): string {
  const ws = () => [" ", "\n", "\t", "\r\n  ", ""][rng.int(5)].repeat(rng.int(3));
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => serialise(rng, x)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${serialise(rng, x)}`);
    if (entries.length > 0 && rng.int(5) === 0)
      entries.push(`${JSON.stringify(Object.keys(v)[0])}:${serialise(rng, randomValue(rng, 4))}`);
    return `{${ws()}${entries.join(`${ws()},${ws()}`)}${ws()}}`;
  }
  return JSON.stringify(v);
}

/** A document over the split threshold: an object whose big array holds many random values. */
function largeDocument(rng: Rng): string {
  const items: string[] = [];
  let size = 0;
  while (size < 70_000 + rng.int(60_000)) {
    const item = serialise(rng, randomValue(rng, 1));
    items.push(item);
    size += item.length;
  }
  // Root and its members are rebuilt by the splitter: give them awkward keys too.
  const head = serialise(rng, randomValue(rng, 3));
  const proto = rng.int(2) ? `"__proto__":${serialise(rng, randomValue(rng, 2))},` : "";
  return `${rng.int(2) ? " " : ""}{"head":${head},${proto}"items":[${items.join(",")}],"k":${rng.int(100)}}\n`;
}

function same(actual: unknown, expected: unknown) {
  expect(actual).toStrictEqual(expected);
  // Key order and own "__proto__" keys, which toStrictEqual does not pin down.
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

function outcome(f: () => unknown): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

describe("parseJson (large bodies without one large string)", () => {
  it("parses rank requests exactly as JSON.parse", () => {
    for (const body of simulatedRankBodies(5, 200)) same(parseJson(Buffer.from(body)), JSON.parse(body));
  });

  it(
    "agrees with JSON.parse on 200 random large documents (whitespace, escapes, unicode, __proto__, duplicate " +
      "keys)",
    () => {
      const rng = new Rng("parse-json");
      const jsonParse = vi.spyOn(JSON, "parse");
      for (let t = 0; t < 200; t++) {
        const text = largeDocument(rng);
        const buf = Buffer.from(text);
        expect(buf.length).toBeGreaterThan(64 * 1024);
        jsonParse.mockClear();
        const parsed = parseJson(buf) as Record<string, unknown>;
        // The split path ran: JSON.parse only ever saw small pieces.
        expect(Math.max(...jsonParse.mock.calls.map(([s]) => s.length))).toBeLessThan(64 * 1024);
        jsonParse.mockClear();
        same(parsed, JSON.parse(text));
        expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
        // Chunks are bracketed in the body's own bytes, which are put back.
        expect(buf.toString()).toBe(text);
      }
      jsonParse.mockRestore();
    },
  );

  it("parses a rank request in a few chunks, not one JSON.parse per candidate", () => {
    const body = simulatedRankBodies(1, 200)[0];
    const jsonParse = vi.spyOn(JSON, "parse");
    const parsed = parseJson(Buffer.from(body));
    const calls = jsonParse.mock.calls.map(([s]) => s.length);
    jsonParse.mockRestore();
    same(parsed, JSON.parse(body));
    expect(calls.length).toBeLessThan(40); // one per candidate would be over 200
    expect(Math.max(...calls)).toBeLessThan(64 * 1024);
  });

  it(
    'cuts arrays of objects only between their own elements ("},{" in strings, nested arrays, a second array ' +
      "after)",
    () => {
      const rng = new Rng("parse-json-cuts");
      const tricky = ["},{", '},{"id":', "}, {", "\\},{", "]},{"];
      for (let t = 0; t < 60; t++) {
        const element = (i: number) => {
          const nested = Array.from({ length: rng.int(4) }, (_, j) => ({ j, s: tricky[rng.int(tricky.length)] }));
          return {
            id: `e${i}${tricky[rng.int(tricky.length)]}`,
            nested,
            deep: [[{ a: 1 }, { b: [{ c: tricky[rng.int(tricky.length)] }] }]],
            n: rng.normal(0, 1),
          };
        };
        const big = (n: number) => Array.from({ length: n }, (_, i) => element(i));
        const doc = { first: big(200 + rng.int(1200)), between: { x: 1 }, second: big(rng.int(400)), k: t };
        // Compact JSON puts "},{" everywhere: inside strings, between nested elements and between elements.
        const text = JSON.stringify(doc);
        same(parseJson(Buffer.from(text)), doc);
      }
    },
  );

  it("fails exactly when JSON.parse fails, with a SyntaxError, on corrupted documents", () => {
    const rng = new Rng("parse-json-corrupt");
    const damage = [
      (t: string, i: number) => t.slice(0, i) + t.slice(i + 1),
      (t: string, i: number) => t.slice(0, i) + "," + t.slice(i),
      (t: string, i: number) => t.slice(0, i) + '"' + t.slice(i),
      (t: string, i: number) => t.slice(0, i) + "]" + t.slice(i),
      (t: string, i: number) => t.slice(0, i),
      (t: string, i: number) => t.slice(0, i) + "\u0001" + t.slice(i),
    ];
    let failures = 0;
    for (let t = 0; t < 150; t++) {
      const text = largeDocument(rng);
      const bad = damage[t % damage.length](text, rng.int(text.length));
      const expected = outcome(() => JSON.parse(bad));
      const badBuf = Buffer.from(bad);
      const copy = Buffer.from(badBuf);
      const actual = outcome(() => parseJson(badBuf));
      expect(badBuf.equals(copy)).toBe(true);
      expect(actual.ok).toBe(expected.ok);
      if (actual.ok && expected.ok) same(actual.value, expected.value);
      else {
        failures++;
        expect(actual.ok ? undefined : actual.error).toBeInstanceOf(SyntaxError);
      }
    }
    expect(failures).toBeGreaterThan(100);
  });

  it("leaves small bodies, scalars and byte-order marks to JSON.parse", () => {
    same(parseJson(Buffer.from('{"a":[1,2]}')), { a: [1, 2] });
    const big = `"${"x".repeat(100_000)}"`;
    expect(parseJson(Buffer.from(big))).toBe(JSON.parse(big));
    expect(() =>
      parseJson(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`[${"1,".repeat(40_000)}1]`)])),
    ).toThrow(SyntaxError);
  });
});
