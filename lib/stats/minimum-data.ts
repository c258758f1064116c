/**
 * The minimum-data rule: below it a comparison shows "not enough data yet: N of M users" and no
 * interval or verdict. Default 100 users per arm (docs/statistics.md): below that, the t
 * approximation's error under a skewed metric is of the order of α itself, and the smallest
 * effect such an experiment could detect is so large (about +119% at 80% power for a metric whose
 * standard deviation is 3× its mean) that a verdict would mostly report noise.
 */
import { z } from "zod";

export const DEFAULT_MIN_USERS_PER_ARM = 100;

export const minimumDataSchema = z.object({
  /** Users per compared arm (≥ 2: a variance needs two). */
  usersPerArm: z.number().int().min(2).default(DEFAULT_MIN_USERS_PER_ARM),
  /** Events per arm (conversions, users with a non-zero value) where the metric reports them; 0 = off. */
  eventsPerArm: z.number().int().nonnegative().default(0),
});

export type MinimumDataRule = z.output<typeof minimumDataSchema>;

export interface ArmCounts {
  key: string;
  users: number;
  /** Absent when the metric does not count events; the events rule then does not apply. */
  events?: number;
}

export type MinimumDataCheck =
  { met: true } | { met: false; arm: string; unit: "users" | "events"; have: number; need: number; reason: string };

/** The most-lacking arm (smallest fraction of what it needs), or met. */
export function checkMinimumData(arms: readonly ArmCounts[], rule: MinimumDataRule): MinimumDataCheck {
  let worst: Extract<MinimumDataCheck, { met: false }> | null = null;
  const consider = (arm: string, unit: "users" | "events", have: number, need: number) => {
    if (have >= need) return;
    if (worst === null || have / need < worst.have / worst.need) {
      const reason =
        `Not enough data ` +
        `yet: ${have.toLocaleString("en-US")} of ${need.toLocaleString("en-US")} ${unit} in arm ${arm}.`;
      worst = { met: false, arm, unit, have, need, reason };
    }
  };
  for (const a of arms) {
    consider(a.key, "users", a.users, rule.usersPerArm);
    if (a.events !== undefined && rule.eventsPerArm > 0) consider(a.key, "events", a.events, rule.eventsPerArm);
  }
  return worst ?? { met: true };
}
