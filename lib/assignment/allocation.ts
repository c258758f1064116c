/**
 * Experiment → arm allocation. An experiment's hash n = hashV2(seed, user) is split between arms
 * either by weights + coverage, exactly as GrowthBook's getBucketRanges/chooseVariation do, or by
 * explicit ranges of the same 10,000-level space. Both forms compile to one lookup table over the
 * 10,000 levels, which equals GrowthBook's float comparisons level for level.
 */
import { BUCKET_COUNT, type BucketRange, rangeIssues, findOverlaps } from "@/lib/assignment/buckets";

/** A sub-interval [start, end) of [0, 1), GrowthBook's VariationRange. */
export type UnitRange = readonly [start: number, end: number];

export interface ArmSpec {
  key: string;
  /** Share of the experiment's traffic; all arms give one or none (→ equal weights). */
  weight?: number;
  /** Explicit ranges of the 10,000-level space instead of a weight; all arms or none. */
  ranges?: readonly BucketRange[];
}

export interface Allocation {
  /** Fraction of each arm's weight that is in the experiment (GrowthBook semantics); default 1. */
  coverage?: number;
  arms: readonly ArmSpec[];
}

/** GrowthBook's accepted range for the weights' sum; outside it, it falls back to equal weights. */
const MIN_WEIGHT_SUM = 0.99;
const MAX_WEIGHT_SUM = 1.01;

/** Written as GrowthBook's test so that a NaN sum behaves the same (not rejected). */
function weightSumRejected(total: number): boolean {
  return total < MIN_WEIGHT_SUM || total > MAX_WEIGHT_SUM;
}

function equalWeights(n: number): number[] {
  return n <= 0 ? [] : new Array<number>(n).fill(1 / n);
}

/**
 * Port of GrowthBook's getBucketRanges (SDK 1.8): coverage clamped into [0, 1]; weights missing,
 * of the wrong length or not summing to 1 ± 0.01 replaced by equal weights; arm i gets
 * [Wᵢ, Wᵢ + coverage·wᵢ) with Wᵢ the sum of earlier weights, so raising coverage only grows each
 * range at its top edge.
 */
export function getBucketRanges(numArms: number, coverage = 1, weights?: readonly number[]): UnitRange[] {
  const cov = coverage < 0 ? 0 : coverage > 1 ? 1 : coverage;
  const equal = equalWeights(numArms);
  let w = weights ?? equal;
  if (w.length !== numArms) w = equal;
  const total = w.reduce((sum, x) => sum + x, 0);
  if (weightSumRejected(total)) w = equal;
  let cumulative = 0;
  return w.map((x) => {
    const start = cumulative;
    cumulative += x;
    return [start, start + cov * x] as const;
  });
}

/** GrowthBook's chooseVariation generalised to several ranges per arm: first arm holding n, else -1. */
export function chooseArm(n: number, armRanges: readonly (readonly UnitRange[])[]): number {
  return armRanges.findIndex((ranges) => ranges.some(([s, e]) => n >= s && n < e));
}

/** An explicit bucket range as a range of [0, 1): level k is in [s, e) iff k/10000 is in [s/10000, e/10000). */
export function bucketRangeToUnit([start, end]: BucketRange): UnitRange {
  return [start / BUCKET_COUNT, end / BUCKET_COUNT];
}

/** The first level k with k/10000 >= x (10000 when none): where a unit-range edge falls among levels. */
function firstLevelAtOrAbove(x: number): number {
  let k = Math.min(BUCKET_COUNT, Math.max(0, Math.ceil(x * BUCKET_COUNT)));
  // x·10000 can round either way; step to the exact edge under GrowthBook's own comparison.
  while (k > 0 && (k - 1) / BUCKET_COUNT >= x) k--;
  while (k < BUCKET_COUNT && k / BUCKET_COUNT < x) k++;
  return k;
}

/** The levels k whose hash k/10000 falls in a unit range, as a (possibly empty) bucket range. */
export function unitRangeToBuckets([start, end]: UnitRange): BucketRange {
  const s = firstLevelAtOrAbove(start);
  return [s, Math.max(s, firstLevelAtOrAbove(end))];
}

function usesExplicitRanges(allocation: Allocation): boolean {
  const withRanges = allocation.arms.filter((a) => a.ranges !== undefined).length;
  if (withRanges !== 0 && withRanges !== allocation.arms.length) {
    throw new Error("either every arm gives explicit ranges or none does");
  }
  return withRanges > 0;
}

/** Each arm's ranges of [0, 1), in GrowthBook's form. Throws when arms mix ranges and weights. */
export function armUnitRanges(allocation: Allocation): UnitRange[][] {
  if (usesExplicitRanges(allocation)) return allocation.arms.map((a) => (a.ranges ?? []).map(bucketRangeToUnit));
  const weights = allocation.arms.every((a) => a.weight !== undefined)
    ? allocation.arms.map((a) => a.weight as number)
    : undefined;
  return getBucketRanges(allocation.arms.length, allocation.coverage, weights).map((r) => [r]);
}

/** Each arm's exact set of levels (bucket ranges of the experiment's hash space), e.g. for the UI. */
export function armBucketRanges(allocation: Allocation): BucketRange[][] {
  return armUnitRanges(allocation).map((ranges) => ranges.map(unitRangeToBuckets).filter(([s, e]) => e > s));
}

/** Fraction of the experiment's hash space each arm receives (the allocated shares an SRM check compares against). */
export function armShares(allocation: Allocation): number[] {
  const table = armLookupTable(allocation);
  const counts = allocation.arms.map(() => 0);
  for (const arm of table) if (arm >= 0) counts[arm]++;
  return counts.map((c) => c / BUCKET_COUNT);
}

/**
 * Arm index per level k in [0, 10000), -1 for "not in the experiment": chooseArm(k/10000) for
 * every k, precomputed so that serving assigns with one hash and one array read.
 */
export function armLookupTable(allocation: Allocation): Int16Array {
  const table = new Int16Array(BUCKET_COUNT).fill(-1);
  // GrowthBook runs no experiment with fewer than two variations.
  if (allocation.arms.length < 2) return table;
  armBucketRanges(allocation).forEach((ranges, arm) => {
    for (const [s, e] of ranges) {
      for (let k = s; k < e; k++) if (table[k] === -1) table[k] = arm;
    }
  });
  return table;
}

/**
 * Problems that should stop an allocation from being saved (empty when valid). Stricter than
 * GrowthBook, which silently falls back to equal weights or clamps coverage: here they are errors.
 */
export function allocationIssues(allocation: Allocation): string[] {
  const { arms, coverage } = allocation;
  const issues: string[] = [];
  if (arms.length < 2) issues.push("an experiment needs at least two arms");
  const keys = new Set<string>();
  for (const a of arms) {
    if (keys.has(a.key)) issues.push(`arm key "${a.key}" is used twice`);
    keys.add(a.key);
    if (a.weight !== undefined && a.ranges !== undefined) issues.push(`arm "${a.key}" gives both a weight and ranges`);
  }
  if (coverage !== undefined && !(Number.isFinite(coverage) && coverage >= 0 && coverage <= 1)) {
    issues.push(`coverage must be a number in [0, 1], got ${coverage}`);
  }
  const withRanges = arms.filter((a) => a.ranges !== undefined);
  if (withRanges.length > 0) {
    if (withRanges.length !== arms.length) issues.push("either every arm gives explicit ranges or none does");
    if (coverage !== undefined && coverage !== 1)
      issues.push("coverage applies to weights only; shrink the arms' ranges instead");
    for (const a of withRanges) for (const msg of rangeIssues(a.ranges ?? [])) issues.push(`arm "${a.key}": ${msg}`);
    for (const o of findOverlaps(withRanges.map((a) => ({ id: a.key, ranges: a.ranges ?? [] })))) {
      issues.push(`arms "${o.a}" and "${o.b}" share buckets`);
    }
    return issues;
  }
  const weighted = arms.filter((a) => a.weight !== undefined);
  if (weighted.length === 0) return issues;
  if (weighted.length !== arms.length) issues.push("either every arm gives a weight or none does (equal split)");
  for (const a of weighted) {
    const w = a.weight as number;
    if (!(Number.isFinite(w) && w >= 0)) issues.push(`arm "${a.key}": weight must be a non-negative number`);
  }
  const total = weighted.reduce((sum, a) => sum + (a.weight as number), 0);
  // In percent, as the form enters them (the API's 0.9 reads "90%" too), without float noise.
  if (weightSumRejected(total)) issues.push(`weights must sum to 100%, got ${Number((total * 100).toFixed(4))}%`);
  return issues;
}
