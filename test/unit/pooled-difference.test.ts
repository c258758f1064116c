import { describe, expect, it } from "vitest";
import { pooledDifference } from "@/lib/evaluation/pooled-difference";
import { Rng } from "@/lib/random/rng";

describe("paired differences pooled over training seeds", () => {
  it("matches a hand computation (two-way random effects, Satterthwaite df; scipy for the t quantile)", () => {
    const p = pooledDifference([
      [1, 2, 4],
      [2, 2.5, 5.5],
      [0.5, 1, 3],
    ]);
    // MS_seed 2.52778, MS_world 7.44444, MS_resid 0.11111 → Var = 9.86111 / 9, df 3.14618.
    expect(p.mean).toBeCloseTo(2.3888889, 6);
    expect(p.se).toBeCloseTo(1.0467469, 6);
    expect(p.df).toBeCloseTo(3.146181, 5);
    expect(p.ci[1] - p.mean).toBeCloseTo(3.2453433, 4);
    expect(p.components.seed).toBeCloseTo((2.5277778 - 0.1111111) / 3, 6);
  });

  it("is never more certain than the training seeds' own spread says (200 random layouts)", () => {
    const rng = new Rng(7);
    for (let k = 0; k < 200; k++) {
      const S = 2 + Math.floor(rng.next() * 4);
      const W = 2 + Math.floor(rng.next() * 9);
      const seedEffect = Array.from({ length: S }, () => 3 * rng.normal());
      const cells = Array.from({ length: S }, (_, s) => Array.from({ length: W }, () => seedEffect[s] + rng.normal()));
      const p = pooledDifference(cells);
      const seedMeans = cells.map((r) => r.reduce((a, x) => a + x, 0) / W);
      const m = seedMeans.reduce((a, x) => a + x, 0) / S;
      const seSeeds = Math.sqrt(seedMeans.reduce((a, x) => a + (x - m) ** 2, 0) / (S - 1) / S);
      expect(p.se).toBeGreaterThanOrEqual(seSeeds - 1e-12);
      expect(p.mean).toBeCloseTo(m, 10);
      expect(p.ci[0]).toBeLessThan(p.mean);
    }
  });

  it("rejects a layout that cannot be pooled", () => {
    expect(() => pooledDifference([[1, 2]])).toThrow(RangeError);
    expect(() => pooledDifference([[1, 2], [1]])).toThrow(RangeError);
  });
});
