import { describe, expect, it } from "vitest";
import {
  ACTION_DIM,
  ACTION_NAMES,
  DEFAULT_ACTION_BOUNDS,
  FUSION_TASKS,
  NUM_TASKS,
  SCORE_NAMES,
  actionFromRaw,
  denormalizeAction,
  fusionScore,
  makeActionBounds,
  normalizeAction,
  scoreCandidates,
  validateAction,
} from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";

const P = [0.5, 0.3, 0.02, 0.001, 0.002, 0.001, 0.4];
const A = [1.2, 0.8, 2.0, 1.5, 0.5, 1.0, 0.9, 0.1, 0.05, 0.02, 0.005, 0.004, 0.006, 0.2];

function randomAction(rng: Rng): Float64Array {
  return actionFromRaw(Array.from({ length: ACTION_DIM }, () => rng.normal(0, 2)));
}

describe("fusion layout", () => {
  it("has K = 7 tasks, a score name per task and 2K action dimensions", () => {
    expect(NUM_TASKS).toBe(7);
    expect(FUSION_TASKS).toContain("watch_time");
    expect(SCORE_NAMES).toEqual(["pClick", "pLongView", "pLike", "pFollow", "pComment", "pForward", "pWatchTime"]);
    expect(ACTION_DIM).toBe(14);
    expect(ACTION_NAMES.slice(0, 2)).toEqual(["w_click", "w_long_view"]);
    expect(ACTION_NAMES[NUM_TASKS]).toBe("b_click");
  });
});

describe("fusionScore", () => {
  it("matches a golden value of Σ w·log(p + b)", () => {
    expect(fusionScore(P, A)).toBeCloseTo(-23.54417990867891, 12);
    expect(fusionScore(Float32Array.from(P), Float64Array.from(A))).toBeCloseTo(-23.54417990867891, 6);
  });

  it("is strictly increasing in every prediction, for any valid action", () => {
    const rng = new Rng("monotone");
    for (let trial = 0; trial < 200; trial++) {
      const a = randomAction(rng);
      const p = Array.from({ length: NUM_TASKS }, () => rng.next());
      const base = fusionScore(p, a);
      for (let k = 0; k < NUM_TASKS; k++) {
        const q = [...p];
        q[k] += 1e-3 + rng.next() * (1 - p[k]);
        expect(fusionScore(q, a)).toBeGreaterThan(base);
      }
    }
  });

  it("is finite at p = 0 because b > 0", () => {
    expect(Number.isFinite(fusionScore(new Array(NUM_TASKS).fill(0), A))).toBe(true);
  });

  it("rejects w ≤ 0, b ≤ 0 and non-finite numbers", () => {
    for (const [i, v] of [
      [0, 0],
      [3, -0.1],
      [NUM_TASKS, 0],
      [ACTION_DIM - 1, -1],
      [2, Number.NaN],
      [5, Infinity],
    ] as const) {
      const a = [...A];
      a[i] = v;
      expect(() => fusionScore(P, a)).toThrow(RangeError);
      expect(() => validateAction(a)).toThrow(ACTION_NAMES[i]);
    }
  });
});

describe("bounded actions", () => {
  it("maps any raw vector into centre ± range (hence w, b > 0), raw 0 to the centre", () => {
    const rng = new Rng("bounds");
    const { centre, range } = DEFAULT_ACTION_BOUNDS;
    const raws = [new Array(ACTION_DIM).fill(0), new Array(ACTION_DIM).fill(1e6), new Array(ACTION_DIM).fill(-1e6)];
    for (let i = 0; i < 100; i++) raws.push(Array.from({ length: ACTION_DIM }, () => rng.normal(0, 5)));
    for (const raw of raws) {
      const a = actionFromRaw(raw);
      for (let d = 0; d < ACTION_DIM; d++) {
        expect(a[d]).toBeGreaterThanOrEqual(centre[d] - range[d]);
        expect(a[d]).toBeLessThanOrEqual(centre[d] + range[d]);
        expect(a[d]).toBeGreaterThan(0);
      }
      expect(() => validateAction(a)).not.toThrow();
    }
    expect(Array.from(actionFromRaw(raws[0]))).toEqual(Array.from(centre));
  });

  it("maps batches of actions row by row and normalises / denormalises consistently", () => {
    const raw = Array.from({ length: 3 * ACTION_DIM }, (_, i) => Math.sin(i));
    const a = actionFromRaw(raw);
    expect(Array.from(a.subarray(ACTION_DIM, 2 * ACTION_DIM))).toEqual(
      Array.from(actionFromRaw(raw.slice(ACTION_DIM, 2 * ACTION_DIM))),
    );
    const u = normalizeAction(a);
    u.forEach((x, i) => expect(x).toBeCloseTo(Math.tanh(raw[i]), 12));
    denormalizeAction(u).forEach((x, i) => expect(x).toBeCloseTo(a[i], 12));
    expect(() => actionFromRaw([1, 2, 3])).toThrow(RangeError);
  });

  it("rejects bounds whose box reaches zero", () => {
    const centre = Array.from(DEFAULT_ACTION_BOUNDS.centre);
    const range = Array.from(DEFAULT_ACTION_BOUNDS.range);
    range[4] = centre[4];
    expect(() => makeActionBounds(centre, range)).toThrow(/w_comment/);
    expect(() => makeActionBounds(centre.slice(1), range)).toThrow(RangeError);
  });
});

describe("scoreCandidates", () => {
  const rng = new Rng("batch");
  const n = 50;
  const preds = Float32Array.from({ length: n * NUM_TASKS }, () => rng.next());

  it("with one action equals per-candidate fusionScore", () => {
    const out = scoreCandidates(preds, n, A);
    for (let j = 0; j < n; j++) expect(out[j]).toBeCloseTo(fusionScore(preds, A, j * NUM_TASKS), 12);
  });

  it("with one action per candidate uses each row's action (a broadcast action gives the same scores)", () => {
    const perItem = new Float64Array(n * ACTION_DIM);
    for (let j = 0; j < n; j++) perItem.set(randomAction(rng), j * ACTION_DIM);
    const out = scoreCandidates(preds, n, perItem);
    for (let j = 0; j < n; j++)
      expect(out[j]).toBeCloseTo(fusionScore(preds, perItem, j * NUM_TASKS, j * ACTION_DIM), 12);
    const broadcast = new Float64Array(n * ACTION_DIM);
    for (let j = 0; j < n; j++) broadcast.set(A, j * ACTION_DIM);
    expect(Array.from(scoreCandidates(preds, n, broadcast))).toEqual(Array.from(scoreCandidates(preds, n, A)));
  });

  it("writes into the given buffer and rejects inconsistent sizes", () => {
    const out = new Float64Array(n);
    expect(scoreCandidates(preds, n, A, out)).toBe(out);
    expect(() => scoreCandidates(preds, n, new Float64Array(ACTION_DIM * 3))).toThrow(RangeError);
    expect(() => scoreCandidates(preds, n + 1, A)).toThrow(RangeError);
    expect(() => scoreCandidates(preds, n, A, new Float64Array(n - 1))).toThrow(RangeError);
  });
});
