import { describe, expect, it } from "vitest";
import { Rng } from "@/lib/random/rng";

describe("Rng", () => {
  it("is reproducible for a seed and differs across seeds", () => {
    const a = new Rng("s1");
    const b = new Rng("s1");
    const c = new Rng("s2");
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it("derives independent, reproducible streams", () => {
    expect(Rng.derive(7, "users").next()).toBe(Rng.derive(7, "users").next());
    expect(Rng.derive(7, "users").next()).not.toBe(Rng.derive(7, "items").next());
  });

  it("has the right first two moments for uniform, normal, gamma and beta", () => {
    const r = new Rng(42);
    const n = 200_000;
    const mean = (f: () => number) => {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const x = f();
        s += x;
        s2 += x * x;
      }
      return [s / n, s2 / n - (s / n) ** 2];
    };
    const [mu, vu] = mean(() => r.next());
    expect(mu).toBeCloseTo(0.5, 2);
    expect(vu).toBeCloseTo(1 / 12, 2);
    const [mn, vn] = mean(() => r.normal(2, 3));
    expect(mn).toBeCloseTo(2, 1);
    expect(vn / 9).toBeCloseTo(1, 1);
    const [mg, vg] = mean(() => r.gamma(0.5));
    expect(mg).toBeCloseTo(0.5, 1);
    expect(vg).toBeCloseTo(0.5, 1);
    const [mb] = mean(() => r.beta(2, 6));
    expect(mb).toBeCloseTo(0.25, 2);
  });

  it("int stays in range", () => {
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(7);
      expect(k >= 0 && k < 7 && Number.isInteger(k)).toBe(true);
    }
  });
});
