import { describe, expect, it } from "vitest";
import { Rng } from "@/lib/random/rng";
import { type ExperimentPlacement, compileLayer } from "@/lib/assignment/assign";
import { rampDiff } from "@/lib/assignment/ramp";

const LAYER = "feed-layer";
const IDS = Array.from({ length: 20_000 }, (_, i) => `u${i}-${Rng.derive("ramp", i).nextUint32().toString(36)}`);

function experiment(overrides: Partial<ExperimentPlacement>): ExperimentPlacement {
  return {
    key: "ramp-exp",
    seed: "ramp-exp",
    layerBuckets: [[0, 10_000]],
    arms: [
      { key: "control", weight: 0.5 },
      { key: "treatment", weight: 0.5 },
    ],
    ...overrides,
  };
}

/** Counts, over real user ids, how users move between before and after. */
function observedMoves(before: ExperimentPlacement, after: ExperimentPlacement) {
  const moves = { stay: 0, enter: 0, leave: 0, switchArms: 0 };
  const [assignBefore, assignAfter] = [before, after].map((e) => compileLayer({ seed: LAYER, experiments: [e] }));
  for (const id of IDS) {
    const a = assignBefore(id).arm;
    const b = assignAfter(id).arm;
    if (a === null && b !== null) moves.enter++;
    else if (a !== null && b === null) moves.leave++;
    else if (a !== null && b !== null) moves[a === b ? "stay" : "switchArms"]++;
  }
  return moves;
}

describe("ramping", () => {
  it("growing coverage 20% → 50% only lets users enter, never switch arms", () => {
    const before = experiment({ coverage: 0.2 });
    const after = experiment({ coverage: 0.5 });
    const diff = rampDiff(LAYER, "ramp-exp", before, after);
    expect(diff.safe).toBe(true);
    expect(diff.switchArms).toBe(0);
    expect(diff.leave).toBe(0);
    expect(diff.stay).toBeCloseTo(0.2, 12);
    expect(diff.enter).toBeCloseTo(0.3, 12);
    expect(diff.arms.map((a) => [a.key, a.before, a.after])).toEqual(
      [
        ["control", 0.1, 0.25],
        ["treatment", 0.1, 0.25],
      ].map(([k, b, a]) => [k, expect.closeTo(b as number, 12), expect.closeTo(a as number, 12)]),
    );

    const seen = observedMoves(before, after);
    expect(seen.switchArms).toBe(0);
    expect(seen.leave).toBe(0);
    expect(seen.enter / IDS.length).toBeCloseTo(0.3, 1);
  });

  it("growing the layer range only adds users", () => {
    const before = experiment({ coverage: 0.8, layerBuckets: [[0, 3000]] });
    const after = experiment({
      coverage: 0.8,
      layerBuckets: [
        [0, 3000],
        [5000, 7000],
      ],
    });
    const diff = rampDiff(LAYER, "ramp-exp", before, after);
    expect(diff).toMatchObject({ safe: true, leave: 0, switchArms: 0 });
    expect(diff.stay).toBeCloseTo(0.3 * 0.8, 12);
    expect(diff.enter).toBeCloseTo(0.2 * 0.8, 12);
    const seen = observedMoves(before, after);
    expect(seen).toMatchObject({ leave: 0, switchArms: 0 });
    expect(seen.enter / IDS.length).toBeCloseTo(0.16, 1);
  });

  it("ramping down only lets users leave", () => {
    const diff = rampDiff(
      LAYER,
      "ramp-exp",
      experiment({ coverage: 0.6 }),
      experiment({ coverage: 0.1, layerBuckets: [[0, 5000]] }),
    );
    expect(diff).toMatchObject({ safe: true, enter: 0, switchArms: 0 });
    expect(diff.stay).toBeCloseTo(0.05, 12);
    expect(diff.leave).toBeCloseTo(0.55, 12);
  });

  it("flags a weight change as unsafe, and the analytic fractions match real users", () => {
    const before = experiment({});
    const after = experiment({
      arms: [
        { key: "control", weight: 0.3 },
        { key: "treatment", weight: 0.7 },
      ],
    });
    const diff = rampDiff(LAYER, "ramp-exp", before, after);
    expect(diff.safe).toBe(false);
    expect(diff.switchArms).toBeCloseTo(0.2, 12);
    expect(diff.arms.find((a) => a.key === "control")?.leave).toBeCloseTo(0.2, 12);
    const seen = observedMoves(before, after);
    // Binomial(20000, 0.2): sd ≈ 57; 4 sd tolerance.
    expect(Math.abs(seen.switchArms - 0.2 * IDS.length)).toBeLessThan(230);
  });

  it("treats a layer seed equal to the experiment seed as one hash (exact, not independent)", () => {
    // Same seed: layer bucket k ⇔ experiment level k, so [0, 5000) of the layer is exactly the control arm.
    const placement = experiment({ layerBuckets: [[0, 5000]] });
    const diff = rampDiff("ramp-exp", "ramp-exp", placement, experiment({}));
    expect(diff.arms.map((a) => [a.before, a.after])).toEqual(
      [
        [0.5, 0.5],
        [0, 0.5],
      ].map((pair) => pair.map((x) => expect.closeTo(x, 12))),
    );
    expect(diff).toMatchObject({ safe: true, leave: 0 });
  });
});
