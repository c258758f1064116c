/**
 * The segment keys a decision records (the report's segments, docs/statistics.md §7), from what the
 * rank request carries:
 * - activity level: user features named `activity_<level>` (the simulator sends a noisy view of
 *   each level) → the level with the largest value; none → null;
 * - platform: the context's `platform` field (e.g. "ios", "android", "web") → its text, trimmed and
 *   lower-cased; none → null.
 * Both describe the user before the treatment can act on them, so segments are pre-treatment.
 */
export const ACTIVITY_PREFIX = "activity_";
const MAX_KEY = 40;

export function segmentKeys(
  userFeatures: Readonly<Record<string, number>> | undefined,
  context: Readonly<Record<string, unknown>> | undefined,
): { activity: string | null; platform: string | null } {
  let activity: string | null = null;
  let best = -Infinity;
  for (const name in userFeatures ?? {}) {
    if (!name.startsWith(ACTIVITY_PREFIX) || name.length === ACTIVITY_PREFIX.length) continue;
    const v = userFeatures![name];
    if (v > best) [best, activity] = [v, name.slice(ACTIVITY_PREFIX.length, ACTIVITY_PREFIX.length + MAX_KEY)];
  }
  const p = context?.platform;
  const platform = typeof p === "string" && p.trim() ? p.trim().toLowerCase().slice(0, MAX_KEY) : null;
  return { activity, platform };
}
