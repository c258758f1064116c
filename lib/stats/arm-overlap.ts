/**
 * Users seen in more than one arm (a changed assignment, a shared device, a logging bug) belong to
 * no arm: counting them in each would count their outcomes twice and blur the contrast. This
 * splits users by the set of arms their decisions carried, so that the analysis keeps the
 * single-arm ones and the health panel reports how many were excluded, per arm touched.
 */

export interface ArmOverlap {
  /** Users with exactly one arm, by arm. */
  kept: Map<string, string>;
  /** Users with two or more arms (excluded). */
  excluded: string[];
  /** Kept users per arm. */
  keptPerArm: Record<string, number>;
  /** Excluded users per arm they appeared in (a user in two arms counts in both). */
  excludedPerArm: Record<string, number>;
}

/** `userArms`: each user's arms, repetitions allowed (one entry per decision is fine). */
export function splitUsersByArmCount(userArms: Iterable<readonly [user: string, arms: Iterable<string>]>): ArmOverlap {
  const kept = new Map<string, string>();
  const excluded: string[] = [];
  const keptPerArm: Record<string, number> = {};
  const excludedPerArm: Record<string, number> = {};
  const seen = new Set<string>();
  for (const [user, arms] of userArms) {
    if (seen.has(user))
      throw new RangeError(`user ${user} is listed twice; give each user once with all of their arms`);
    seen.add(user);
    const distinct = [...new Set(arms)];
    if (distinct.length === 1) {
      kept.set(user, distinct[0]);
      keptPerArm[distinct[0]] = (keptPerArm[distinct[0]] ?? 0) + 1;
    } else if (distinct.length > 1) {
      excluded.push(user);
      for (const arm of distinct) excludedPerArm[arm] = (excludedPerArm[arm] ?? 0) + 1;
    }
  }
  return { kept, excluded, keptPerArm, excludedPerArm };
}
