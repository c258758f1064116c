import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GrowthBook } from "@growthbook/growthbook";
import { Rng } from "@/lib/random/rng";
import { fnv1a32, hashV2, layerBucket } from "@/lib/assignment/hash";
import {
  type BucketRange,
  findOverlaps,
  freeRanges,
  intersectRanges,
  normalizeRanges,
  rangeIssues,
  rangesSize,
  segmentSpace,
  subtractRanges,
} from "@/lib/assignment/buckets";
import {
  type Allocation,
  allocationIssues,
  armLookupTable,
  armShares,
  armUnitRanges,
  chooseArm,
  getBucketRanges,
  unitRangeToBuckets,
} from "@/lib/assignment/allocation";
import { assignInExperiment, compileExperiment, compileLayer, armOf } from "@/lib/assignment/assign";
import hashVectors from "@/test/fixtures/golden/hash-v2.json";

/** 10,000 distinct user ids: ASCII ids, e-mails, UUID-like strings and non-ASCII text (accents, CJK, emoji). */
function userIds(count: number): string[] {
  const rng = Rng.derive("assignment-test", "user-ids");
  const alphabets: [number, number][] = [
    [0x61, 0x7a], // a-z
    [0x30, 0x39], // digits
    [0xc0, 0xff], // Latin-1 accents
    [0x0400, 0x04ff], // Cyrillic
    [0x4e00, 0x9fff], // CJK
    [0x1f600, 0x1f64f], // emoji (surrogate pairs in UTF-16)
    [0x0300, 0x036f], // combining marks
  ];
  const ids = new Set<string>();
  for (let i = 0; ids.size < count; i++) {
    switch (i % 4) {
      case 0:
        ids.add(`user-${i}`);
        break;
      case 1:
        ids.add(`${rng.nextUint32().toString(16)}-${rng.nextUint32().toString(16)}@example.com`);
        break;
      default: {
        let id = "";
        const len = 1 + rng.int(12);
        for (let j = 0; j < len; j++) {
          const [lo, hi] = alphabets[rng.int(alphabets.length)];
          id += String.fromCodePoint(lo + rng.int(hi - lo + 1));
        }
        ids.add(id);
      }
    }
  }
  return [...ids];
}

const IDS = userIds(10_000);

function gbRun(
  id: string,
  experiment: { key: string; n: number; coverage?: number; weights?: number[]; ranges?: [number, number][] },
) {
  const gb = new GrowthBook({ attributes: { id } });
  // GrowthBook types variations as a tuple of at least two.
  const variations = Array.from({ length: experiment.n }, (_, i) => i) as [number, number, ...number[]];
  const { key, coverage, weights, ranges } = experiment;
  const result = gb.run({ key, variations, coverage, weights, ranges, hashVersion: 2 });
  return result.inExperiment ? result.variationId : -1;
}

describe("hash v2", () => {
  it.each(hashVectors.fnv1a32 as [string, number][])("matches the FNV-1a-32 reference vector of %j", (input, hash) => {
    expect(fnv1a32(input)).toBe(hash);
  });

  it.each(hashVectors.hashV2 as [string, string, number][])(
    "reproduces GrowthBook's golden hash v2 of seed %j, value %j",
    (seed, value, hash) => expect(hashV2(seed, value)).toBe(hash),
  );

  it.each(hashVectors.layerBucket as [string, string, number][])(
    "puts seed %j, user %j in its golden bucket",
    (seed, user, bucket) => expect(layerBucket(seed, user)).toBe(bucket),
  );

  it("spreads users uniformly over the layer's buckets", () => {
    const tenths = new Array<number>(10).fill(0);
    for (const id of IDS) tenths[Math.floor(layerBucket("layer-x", id) / 1000)]++;
    // Binomial(10000, 0.1): sd 30, so ±150 is 5 sd.
    for (const c of tenths) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe("bucket ranges", () => {
  it("normalises, measures and combines ranges", () => {
    const ranges: BucketRange[] = [
      [500, 700],
      [0, 100],
      [100, 200],
      [650, 900],
      [300, 300],
    ];
    expect(normalizeRanges(ranges)).toEqual([
      [0, 200],
      [500, 900],
    ]);
    expect(rangesSize(ranges)).toBe(600);
    expect(
      intersectRanges(
        [[0, 1000]],
        [
          [900, 1200],
          [50, 60],
        ],
      ),
    ).toEqual([
      [50, 60],
      [900, 1000],
    ]);
    expect(
      subtractRanges(
        [[0, 1000]],
        [
          [100, 200],
          [150, 300],
          [900, 2000],
        ],
      ),
    ).toEqual([
      [0, 100],
      [300, 900],
    ]);
    expect(
      freeRanges([
        { id: "a", ranges: [[0, 2500]] },
        { id: "b", ranges: [[5000, 7500]] },
      ]),
    ).toEqual([
      [2500, 5000],
      [7500, 10000],
    ]);
  });

  it("reports invalid and overlapping ranges", () => {
    expect(
      rangeIssues([
        [0, 5000],
        [5000, 10000],
      ]),
    ).toEqual([]);
    expect(rangeIssues([[-1, 10]])[0]).toMatch(/inside \[0, 10000\)/);
    expect(rangeIssues([[0, 10001]])[0]).toMatch(/inside/);
    expect(rangeIssues([[5, 5]])[0]).toMatch(/start must be below end/);
    expect(rangeIssues([[0.5, 10]])[0]).toMatch(/integers/);
    expect(
      rangeIssues([
        [0, 100],
        [50, 150],
      ])[0],
    ).toMatch(/overlap/);
    const overlaps = findOverlaps([
      { id: "a", ranges: [[0, 3000]] },
      { id: "b", ranges: [[3000, 6000]] },
      {
        id: "c",
        ranges: [
          [5000, 5100],
          [2900, 2950],
        ],
      },
    ]);
    expect(overlaps).toEqual([
      { a: "a", b: "c", ranges: [[2900, 2950]] },
      { a: "b", b: "c", ranges: [[5000, 5100]] },
    ]);
  });

  it("segments the 10,000-bucket space for the layer bar", () => {
    expect(
      segmentSpace([
        { id: "b", ranges: [[6000, 8000]] },
        {
          id: "a",
          ranges: [
            [0, 1000],
            [2000, 3000],
          ],
        },
      ]),
    ).toEqual([
      { start: 0, end: 1000, owner: "a" },
      { start: 1000, end: 2000, owner: null },
      { start: 2000, end: 3000, owner: "a" },
      { start: 3000, end: 6000, owner: null },
      { start: 6000, end: 8000, owner: "b" },
      { start: 8000, end: 10000, owner: null },
    ]);
  });
});

describe("allocation", () => {
  it("maps weights and coverage to ranges as GrowthBook does", () => {
    expect(getBucketRanges(2, 1)).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
    expect(getBucketRanges(3, 0.5, [0.2, 0.3, 0.5])).toEqual([
      [0, 0.1],
      [0.2, 0.35],
      [0.5, 0.75],
    ]);
    // GrowthBook's fallbacks: coverage clamped, bad weights → equal weights.
    expect(getBucketRanges(2, 1.5, [0.4, 0.6])).toEqual([
      [0, 0.4],
      [0.4, 1],
    ]);
    expect(getBucketRanges(2, -1, [0.4, 0.6])).toEqual([
      [0, 0],
      [0.4, 0.4],
    ]);
    expect(getBucketRanges(2, 1, [0.4, 0.4])).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
    expect(getBucketRanges(2, 1, [1])).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
    expect(getBucketRanges(2, 1, [0.5, 0.505])).toEqual([
      [0, 0.5],
      [0.5, 1.005],
    ]);
  });

  it("compiles to a level table equal to chooseArm at every one of the 10,000 levels", () => {
    const allocations: Allocation[] = [
      { arms: [{ key: "a" }, { key: "b" }, { key: "c" }] },
      {
        coverage: 0.37,
        arms: [
          { key: "a", weight: 0.1 },
          { key: "b", weight: 0.2 },
          { key: "c", weight: 0.7 },
        ],
      },
      { coverage: 0.3333, arms: [1, 2, 3, 4, 5, 6, 7].map((i) => ({ key: `a${i}`, weight: 1 / 7 })) },
      {
        arms: [
          {
            key: "a",
            ranges: [
              [0, 1234],
              [9000, 9500],
            ],
          },
          { key: "b", ranges: [[1234, 4321]] },
        ],
      },
    ];
    for (const allocation of allocations) {
      const table = armLookupTable(allocation);
      const unit = armUnitRanges(allocation);
      for (let k = 0; k < 10_000; k++) expect(table[k]).toBe(chooseArm(k / 10_000, unit));
    }
    // 0.1 + 0.2 = 0.30000000000000004 in floating point, so GrowthBook's third range starts just
    // above level 3000: that level belongs to no arm, and the shares are exact level counts.
    expect(armShares(allocations[1])).toEqual([0.037, 0.074, 0.2589]);
    expect(armShares(allocations[3])).toEqual([0.1734, 0.3087]);
    expect(unitRangeToBuckets([0.1, 0.35])).toEqual([1000, 3500]);
    expect(unitRangeToBuckets([1 / 3, 2 / 3])).toEqual([3334, 6667]);
  });

  it("rejects allocations GrowthBook would silently repair", () => {
    expect(allocationIssues({ arms: [{ key: "c" }, { key: "t" }] })).toEqual([]);
    expect(
      allocationIssues({
        coverage: 0.5,
        arms: [
          { key: "c", weight: 0.5 },
          { key: "t", weight: 0.5 },
        ],
      }),
    ).toEqual([]);
    const issues = (a: Allocation) => allocationIssues(a).join("\n");
    expect(issues({ arms: [{ key: "c" }] })).toMatch(/at least two arms/);
    expect(issues({ arms: [{ key: "c" }, { key: "c" }] })).toMatch(/used twice/);
    expect(issues({ coverage: 1.2, arms: [{ key: "c" }, { key: "t" }] })).toMatch(/coverage/);
    expect(
      issues({
        arms: [
          { key: "c", weight: 0.3 },
          { key: "t", weight: 0.3 },
        ],
      }),
    ).toMatch(/sum to 1/);
    expect(issues({ arms: [{ key: "c", weight: 1 }, { key: "t" }] })).toMatch(/every arm gives a weight/);
    expect(
      issues({
        arms: [
          { key: "c", weight: -0.5 },
          { key: "t", weight: 1.5 },
        ],
      }),
    ).toMatch(/non-negative/);
    expect(
      issues({
        arms: [
          { key: "c", ranges: [[0, 10]] },
          { key: "t", weight: 1 },
        ],
      }),
    ).toMatch(/explicit ranges/);
    expect(
      issues({
        arms: [
          { key: "c", ranges: [[0, 10]] },
          { key: "t", ranges: [[5, 20]] },
        ],
      }),
    ).toMatch(/share buckets/);
    expect(
      issues({
        coverage: 0.5,
        arms: [
          { key: "c", ranges: [[0, 10]] },
          { key: "t", ranges: [[10, 20]] },
        ],
      }),
    ).toMatch(/weights only/);
    expect(() => armUnitRanges({ arms: [{ key: "c", ranges: [[0, 10]] }, { key: "t" }] })).toThrow(/every arm/);
  });
});

describe("assignment equals GrowthBook's SDK (hash v2) for 10,000 user ids", () => {
  // GrowthBook logs its repairs of invalid weights/coverage; those cases are deliberate here.
  beforeAll(() => void vi.spyOn(console, "error").mockImplementation(() => undefined));
  afterAll(() => vi.restoreAllMocks());

  const cases: { key: string; n: number; coverage?: number; weights?: number[] }[] = [
    { key: "fusion-es-rl", n: 2 },
    { key: "homefeed-mtf-v3", n: 3, coverage: 0.5, weights: [0.2, 0.3, 0.5] },
    { key: "ranking ✨ 実験", n: 4, coverage: 0.2 },
    { key: "x", n: 3, coverage: 0.77, weights: [1 / 3, 1 / 3, 1 / 3] },
    { key: "bad-weights", n: 2, coverage: 0.9, weights: [0.3, 0.3] }, // GrowthBook falls back to equal
    { key: "over-covered", n: 2, coverage: 1.7, weights: [0.1, 0.9] }, // GrowthBook clamps to 1
  ];

  for (const c of cases) {
    it(`key "${c.key}", ${c.n} arms, coverage ${c.coverage ?? 1}, weights ${c.weights?.join("/") ?? "equal"}`, () => {
      const arms = Array.from({ length: c.n }, (_, i) => ({ key: `arm${i}`, weight: c.weights?.[i] }));
      const assign = compileLayer({
        seed: "layer-1",
        experiments: [{ key: c.key, seed: c.key, coverage: c.coverage, arms, layerBuckets: [[0, 10_000]] }],
      });
      let mismatches = 0;
      let inExperiment = 0;
      for (const id of IDS) {
        const ours = assign(id);
        const expected = gbRun(id, c);
        if ((ours.arm === null ? -1 : Number(ours.arm.slice(3))) !== expected) mismatches++;
        if (expected >= 0) inExperiment++;
      }
      expect(mismatches).toBe(0);
      expect(inExperiment).toBeGreaterThan(0);
    });
  }

  it("explicit arm ranges equal GrowthBook's `ranges` option", () => {
    const ranges: [number, number][] = [
      [0, 1500],
      [4000, 6500],
      [9000, 9999],
    ];
    const experiment = compileExperiment({
      key: "explicit",
      seed: "explicit",
      layerBuckets: [[0, 10_000]],
      arms: ranges.map((r, i) => ({ key: String(i), ranges: [r] })),
    });
    const unitRanges = ranges.map(([s, e]) => [s / 10_000, e / 10_000] as [number, number]);
    for (const id of IDS) {
      const arm = armOf(experiment, id);
      expect(arm === null ? -1 : Number(arm)).toBe(gbRun(id, { key: "explicit", n: 3, ranges: unitRanges }));
    }
  });
});

describe("two-level assignment", () => {
  const twoArms = [{ key: "control" }, { key: "treatment" }];
  const layer = {
    seed: "homefeed-layer",
    experiments: [
      { key: "e1", seed: "e1", arms: twoArms, layerBuckets: [[0, 3000]] as BucketRange[] },
      {
        key: "e2",
        seed: "e2",
        arms: twoArms,
        coverage: 0.5,
        layerBuckets: [
          [3000, 4000],
          [8000, 10_000],
        ] as BucketRange[],
      },
    ],
  };

  it("puts each user in at most one experiment of the layer, by layer bucket", () => {
    const assign = compileLayer(layer);
    const counts: Record<string, number> = { e1: 0, e2: 0, none: 0 };
    for (const id of IDS) {
      const a = assign(id);
      expect(a.bucket).toBe(layerBucket("homefeed-layer", id));
      expect(a.experiment === null).toBe(a.arm === null);
      counts[a.experiment ?? "none"]++;
      if (a.experiment === "e1") expect(a.bucket).toBeLessThan(3000);
      const single = assignInExperiment("homefeed-layer", layer.experiments[1], id);
      expect(single.arm).toBe(a.experiment === "e2" ? a.arm : null);
      expect(single.inExperiment).toBe(a.experiment === "e2");
    }
    // Expected shares: e1 30%, e2 30% × coverage 0.5 = 15%.
    expect(counts.e1 / IDS.length).toBeCloseTo(0.3, 1);
    expect(counts.e2 / IDS.length).toBeCloseTo(0.15, 1);
  });

  it("refuses overlapping experiments and empty user ids", () => {
    expect(() =>
      compileLayer({
        seed: "l",
        experiments: [layer.experiments[0], { ...layer.experiments[1], key: "e3", layerBuckets: [[2999, 3001]] }],
      }),
    ).toThrow(/"e1" and "e3" share layer buckets/);
    expect(() => compileLayer(layer)("")).toThrow(/non-empty/);
  });
});
