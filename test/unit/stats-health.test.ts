import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { srmByDay } from "@/lib/stats/srm-daily";
import { splitUsersByArmCount } from "@/lib/stats/arm-overlap";

describe("SRM per day and overall", () => {
  it("finds days whose imbalances cancel overall (reference: scipy.stats.chisquare)", () => {
    const health = srmByDay(
      [
        { date: "2026-11-01", observed: [510, 490] },
        { date: "2026-11-02", observed: [600, 400] },
        { date: "2026-11-03", observed: [400, 600] },
      ],
      [1, 1],
    );
    expect(health.overall.chiSquare).toBeCloseTo(0.13333333333333333, 12);
    expect(health.overall.ok).toBe(true);
    expect(health.days[0].chiSquare).toBeCloseTo(0.4, 12);
    expect(health.days[0].pValue).toBeCloseTo(0.5270892568655381, 12);
    expect(health.days[1].chiSquare).toBeCloseTo(40, 12);
    expect(health.days[1].pValue / 2.5396285894708634e-10 - 1).toBeLessThan(1e-9);
    // Holm across 3 days: the smallest p-value is multiplied by 3.
    expect(health.days[1].adjustedPValue / (3 * 2.5396285894708634e-10) - 1).toBeLessThan(1e-9);
    expect(health.days.map((d) => d.flagged)).toEqual([false, true, true]);
    expect(health.ok).toBe(false);
  });

  it("does not alarm on one day's p = 0.0005 among ten (Holm), but would on that day alone", () => {
    const days = Array.from({ length: 10 }, (_, i) => ({ date: `d${i}`, observed: i === 4 ? [555, 445] : [500, 500] }));
    const health = srmByDay(days, [1, 1]);
    expect(health.days[4].pValue).toBeLessThan(0.001);
    expect(health.days[4].adjustedPValue).toBeCloseTo(10 * health.days[4].pValue, 12);
    expect(health.ok).toBe(true);
    expect(srmByDay([days[4]], [1, 1]).ok).toBe(false);
  });

  it("uses the allocated shares (30/70)", () => {
    const health = srmByDay([{ date: "d", observed: [300, 700] }], [3, 7]);
    expect(health.days[0].chiSquare).toBe(0);
    expect(health.overall.pValue).toBe(1);
  });
});

describe("users seen in more than one arm", () => {
  it("keeps single-arm users and excludes and counts the others per arm", () => {
    const split = splitUsersByArmCount([
      ["u1", ["a", "a", "a"]],
      ["u2", ["b"]],
      ["u3", ["a", "b"]],
      ["u4", ["a", "b", "c", "b"]],
      ["u5", []],
    ]);
    expect([...split.kept]).toEqual([
      ["u1", "a"],
      ["u2", "b"],
    ]);
    expect(split.excluded).toEqual(["u3", "u4"]);
    expect(split.keptPerArm).toEqual({ a: 1, b: 1 });
    expect(split.excludedPerArm).toEqual({ a: 2, b: 2, c: 1 });
    expect(() =>
      splitUsersByArmCount([
        ["u1", ["a"]],
        ["u1", ["b"]],
      ]),
    ).toThrow(/listed twice/);
  });

  it("counts every user with an arm exactly once, as kept or excluded", () => {
    const users = fc.uniqueArray(fc.tuple(fc.string(), fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 5 })), {
      selector: ([u]) => u,
    });
    fc.assert(
      fc.property(users, (list) => {
        const split = splitUsersByArmCount(list);
        const withArm = list.filter(([, arms]) => arms.length > 0).length;
        expect(split.kept.size + split.excluded.length).toBe(withArm);
        const kept = Object.values(split.keptPerArm).reduce((s, n) => s + n, 0);
        expect(kept).toBe(split.kept.size);
        const excludedTouches = Object.values(split.excludedPerArm).reduce((s, n) => s + n, 0);
        expect(excludedTouches).toBeGreaterThanOrEqual(2 * split.excluded.length);
      }),
    );
  });
});
