/**
 * GrowthBook's "v2" hash, reproduced bit for bit so that FusionLab assigns users exactly as
 * GrowthBook's SDKs do for the same seed (teams can then assign on the client with any SDK).
 */

/** Number of distinct hash outcomes of the v2 hash (and of buckets in a layer). */
export const HASH_LEVELS = 10_000;

/** FNV-1a, 32 bit, over the UTF-16 code units of `text` (as JavaScript strings store it). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Integer form of the v2 hash in [0, 10000): FNV-1a of seed+value, then FNV-1a of that number's
 * decimal string (the second round removes the bias of the first one's low digits).
 */
export function hashLevel(seed: string, value: string): number {
  return fnv1a32(String(fnv1a32(seed + value))) % HASH_LEVELS;
}

/** GrowthBook's `hash(seed, value, 2)`: a value in [0, 1) with 4 decimal digits. */
export function hashV2(seed: string, value: string): number {
  return hashLevel(seed, value) / HASH_LEVELS;
}

/**
 * The user's bucket in a layer, floor(hash × 10000). Computed on the integer so that no
 * floating-point round trip can move a user across a bucket edge.
 */
export function layerBucket(layerSeed: string, userId: string): number {
  return hashLevel(layerSeed, userId);
}
