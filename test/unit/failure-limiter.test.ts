import { describe, expect, it } from "vitest";
import { FailureLimiter, refuseWhileLocked } from "@/lib/rate-limit/failure-limiter";

describe("FailureLimiter", () => {
  it("locks a key at its failure limit for the lock period, then lets it try again", async () => {
    const limiter = new FailureLimiter({ failures: 3, windowSeconds: 60, lockSeconds: 1 });
    for (let i = 1; i <= 2; i++) {
      expect(await limiter.fail("a")).toBe(i);
      expect(await limiter.lockedFor("a")).toBe(0);
    }
    await limiter.fail("a");
    expect(await limiter.lockedFor("a")).toBe(1);
    expect(await limiter.lockedFor("b")).toBe(0);
    await expect(
      refuseWhileLocked(
        [
          [limiter, "b"],
          [limiter, "a"],
        ],
        "tries",
      ),
    ).rejects.toMatchObject({ code: "rate_limited", retryAfterSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await limiter.lockedFor("a")).toBe(0);
  });

  it("refunded and reset failures do not count", async () => {
    const limiter = new FailureLimiter({ failures: 2, windowSeconds: 60, lockSeconds: 60 });
    await limiter.fail("a");
    await limiter.refund("a");
    await limiter.fail("a");
    expect(await limiter.lockedFor("a")).toBe(0);
    await limiter.reset("a");
    await limiter.fail("a");
    expect(await limiter.lockedFor("a")).toBe(0);
    await limiter.fail("a");
    expect(await limiter.lockedFor("a")).toBeGreaterThan(0);
  });
});
