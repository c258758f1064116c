import { RateLimiterMemory } from "rate-limiter-flexible";
import { AppError } from "@/lib/errors";

export interface FailureLimits {
  /** Failures within the window that lock the key (≥ 2). */
  failures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/**
 * Counts failures only (wrong passwords, unknown API keys) per key (an account, a client address)
 * and locks a key that failed `failures` times within the window for `lockSeconds`. Successes cost
 * nothing, so valid traffic is never slowed. In memory, per process: with several web processes the
 * limits hold per process.
 */
export class FailureLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly limits: FailureLimits) {
    // The failure that reaches the limit is the one rejected by consume(), which starts the lock.
    this.limiter = new RateLimiterMemory({
      points: limits.failures - 1,
      duration: limits.windowSeconds,
      blockDuration: limits.lockSeconds,
    });
  }

  /** Seconds until `key` may try again; 0 when it is not locked. */
  async lockedFor(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    return res && res.consumedPoints >= this.limits.failures ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;
  }

  /** Records a failure; returns how many `key` has within the window (more than `failures`: it was locked already). */
  async fail(key: string): Promise<number> {
    // A rejection only means the key is now locked; it carries the count too.
    const res = await this.limiter.consume(key).catch((rejected: { consumedPoints: number }) => rejected);
    return res.consumedPoints;
  }

  /** Takes back one failure (an attempt counted up front that succeeded). */
  async refund(key: string): Promise<void> {
    await this.limiter.reward(key, 1);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** Throws 429 with Retry-After when any of the keys is locked. */
export async function refuseWhileLocked(checks: [FailureLimiter, string][], what: string): Promise<void> {
  const waits = await Promise.all(checks.map(([limiter, key]) => limiter.lockedFor(key)));
  const wait = Math.max(0, ...waits);
  if (wait > 0) throw new AppError("rate_limited", `too many failed ${what}; try again in ${wait} s`, undefined, wait);
}
