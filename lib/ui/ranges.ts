import { BUCKET_COUNT, type BucketRange, normalizeRanges } from "@/lib/assignment";

/** "0-5000, 6000-10000" for ranges [[0, 5000), [6000, 10000)]; "" for none. */
export function formatRanges(ranges: readonly BucketRange[] | null | undefined): string {
  return (ranges ?? []).map(([s, e]) => `${s}-${e}`).join(", ");
}

/**
 * Parses what people type for bucket ranges: "0-5000, 6000-10000", "[0, 5000) [6000,10000)" or
 * "0–5000". Each range is [start, end) of the 10,000 buckets. Bounds and overlaps are left to the
 * zod rules, so the form shows the same messages as the API.
 */
export function parseRanges(text: string): { ok: true; ranges: [number, number][] } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, error: "give at least one range, e.g. 0-5000" };
  const stray = /[^\d\s,;\-–—[\]()]/.exec(trimmed);
  if (stray) return { ok: false, error: `unexpected "${stray[0]}": write ranges like 0-5000, 6000-10000` };
  const numbers = (trimmed.match(/\d+/g) ?? []).map(Number);
  if (numbers.length === 0 || numbers.length % 2 !== 0)
    return { ok: false, error: "each range needs a start and an end, e.g. 0-5000" };
  const ranges: [number, number][] = [];
  for (let i = 0; i < numbers.length; i += 2) ranges.push([numbers[i], numbers[i + 1]]);
  return { ok: true, ranges };
}

export function rangesTotal(ranges: readonly BucketRange[]): number {
  return normalizeRanges(ranges).reduce((t, [s, e]) => t + (e - s), 0);
}

/** The first `count` buckets of `free` (in order): a quick way to take part of what is free. */
export function takeBuckets(free: readonly BucketRange[], count: number): [number, number][] {
  const out: [number, number][] = [];
  let left = Math.max(0, Math.min(BUCKET_COUNT, Math.round(count)));
  for (const [s, e] of free) {
    if (left <= 0) break;
    const n = Math.min(left, e - s);
    out.push([s, s + n]);
    left -= n;
  }
  return out;
}
