/**
 * Half-open integer ranges [start, end) over a space of 10,000 buckets: the layer's buckets that an
 * experiment owns, and arms' explicit ranges of the experiment's hash space. Helpers here validate,
 * normalise and combine such sets; they back the "disjoint within the layer" rule and the UI's bar.
 */
import { HASH_LEVELS } from "@/lib/assignment/hash";

export const BUCKET_COUNT = HASH_LEVELS;

export type BucketRange = readonly [start: number, end: number];

/** A named set of ranges, e.g. one experiment's share of a layer. */
export interface RangeOwner {
  id: string;
  ranges: readonly BucketRange[];
}

/** Human-readable problems with a set of ranges (empty when valid): bounds, emptiness, self-overlap. */
export function rangeIssues(ranges: readonly BucketRange[]): string[] {
  const issues: string[] = [];
  ranges.forEach(([start, end], i) => {
    const label = `range ${i} [${start}, ${end})`;
    if (!Number.isInteger(start) || !Number.isInteger(end)) issues.push(`${label}: bounds must be integers`);
    else if (start < 0 || end > BUCKET_COUNT) issues.push(`${label}: must lie inside [0, ${BUCKET_COUNT})`);
    else if (start >= end) issues.push(`${label}: start must be below end`);
  });
  if (issues.length > 0) return issues;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][0] < sorted[i - 1][1]) {
      issues.push(`ranges [${sorted[i - 1][0]}, ${sorted[i - 1][1]}) and [${sorted[i][0]}, ${sorted[i][1]}) overlap`);
    }
  }
  return issues;
}

/** Sorted, with overlapping and touching ranges merged and empty ones dropped. */
export function normalizeRanges(ranges: readonly BucketRange[]): BucketRange[] {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Number of buckets covered (overlaps counted once). */
export function rangesSize(ranges: readonly BucketRange[]): number {
  return normalizeRanges(ranges).reduce((total, [s, e]) => total + (e - s), 0);
}

export function containsBucket(ranges: readonly BucketRange[], bucket: number): boolean {
  return ranges.some(([s, e]) => bucket >= s && bucket < e);
}

export function intersectRanges(a: readonly BucketRange[], b: readonly BucketRange[]): BucketRange[] {
  const out: BucketRange[] = [];
  for (const [as, ae] of normalizeRanges(a)) {
    for (const [bs, be] of normalizeRanges(b)) {
      const s = Math.max(as, bs);
      const e = Math.min(ae, be);
      if (s < e) out.push([s, e]);
    }
  }
  return normalizeRanges(out);
}

/** Buckets in `a` but not in `b`. */
export function subtractRanges(a: readonly BucketRange[], b: readonly BucketRange[]): BucketRange[] {
  const out: BucketRange[] = [];
  const cut = normalizeRanges(b);
  for (const [as, ae] of normalizeRanges(a)) {
    let cursor = as;
    for (const [bs, be] of cut) {
      if (be <= cursor || bs >= ae) continue;
      if (bs > cursor) out.push([cursor, bs]);
      cursor = Math.max(cursor, be);
    }
    if (cursor < ae) out.push([cursor, ae]);
  }
  return out;
}

/** Buckets of [0, 10000) that no owner holds. */
export function freeRanges(owners: readonly RangeOwner[]): BucketRange[] {
  return subtractRanges(
    [[0, BUCKET_COUNT]],
    owners.flatMap((o) => o.ranges),
  );
}

export interface RangeOverlap {
  a: string;
  b: string;
  ranges: BucketRange[];
}

/** Every pair of owners whose ranges share buckets (e.g. two running experiments of one layer). */
export function findOverlaps(owners: readonly RangeOwner[]): RangeOverlap[] {
  const out: RangeOverlap[] = [];
  for (let i = 0; i < owners.length; i++) {
    for (let j = i + 1; j < owners.length; j++) {
      const shared = intersectRanges(owners[i].ranges, owners[j].ranges);
      if (shared.length > 0) out.push({ a: owners[i].id, b: owners[j].id, ranges: shared });
    }
  }
  return out;
}

export interface Segment {
  start: number;
  end: number;
  /** Owner id, or null for free buckets. */
  owner: string | null;
}

/**
 * The whole [0, 10000) space cut into consecutive segments labelled by owner (free ones null):
 * what the UI's 10,000-bucket bar draws. Owners must be disjoint (see findOverlaps).
 */
export function segmentSpace(owners: readonly RangeOwner[]): Segment[] {
  const owned = owners
    .flatMap((o) => normalizeRanges(o.ranges).map(([start, end]) => ({ start, end, owner: o.id })))
    .sort((x, y) => x.start - y.start);
  const out: Segment[] = [];
  let cursor = 0;
  for (const seg of owned) {
    if (seg.start > cursor) out.push({ start: cursor, end: seg.start, owner: null });
    out.push(seg);
    cursor = seg.end;
  }
  if (cursor < BUCKET_COUNT) out.push({ start: cursor, end: BUCKET_COUNT, owner: null });
  return out;
}
