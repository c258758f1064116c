import { randomBytes, scryptSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { POST as signInRoute } from "@/app/api/auth/[...nextauth]/route";
import { GET as jobsRoute } from "@/app/api/v1/jobs/route";
import { authenticateApiKey } from "@/lib/api-keys/authenticate-api-key";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { CLIENT_IP_HEADER } from "@/lib/http/client-ip";
import { createUser } from "@/lib/users/create-user";
import { verifyCredentials } from "@/lib/users/verify-credentials";
import { setupTestDatabase } from "@/test/support/test-database";

// Read when the limiters are first used (after the imports): short locks keep the test quick.
process.env.FUSIONLAB_LOGIN_LOCK_SECONDS = "8";
process.env.FUSIONLAB_API_KEY_RATE_LIMIT = "5";

setupTestDatabase("fl_limits");

const wrongTimes = (email: string, n: number, ip: string) =>
  Promise.allSettled(Array.from({ length: n }, () => verifyCredentials(email, "wrong-password", ip)));

describe("sign-in backoff", () => {
  it(
    "10 wrong passwords lock the account (429 + Retry-After, even for the right one) until the lock ends; then " +
      "the right one works",
    async () => {
      const u = await createUser(SYSTEM_ACTOR, {
        email: "ann@example.com",
        name: "Ann",
        password: "right-password",
        role: "editor",
      });
      for (let i = 0; i < 10; i++)
        expect(await verifyCredentials("ann@example.com", "wrong-password", `10.0.0.${i}`)).toBeNull();
      await expect(verifyCredentials("ANN@example.com", "right-password", "10.0.1.1")).rejects.toMatchObject({
        code: "rate_limited",
        retryAfterSeconds: expect.any(Number),
      });
      // The form post is refused by the route itself with a real 429, before next-auth runs.
      const res = await signInRoute(
        new Request("http://test/api/auth/callback/credentials", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", [CLIENT_IP_HEADER]: "10.0.2.2" },
          body: new URLSearchParams({
            email: "ann@example.com",
            password: "right-password",
            csrfToken: "x",
            json: "true",
          }),
        }),
        { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) },
      );
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({
        error: { code: "rate_limited" },
        url: expect.stringContaining("error=RateLimited"),
      });
      await new Promise((r) => setTimeout(r, 8_100));
      expect((await verifyCredentials("ann@example.com", "right-password", "10.0.1.1"))?.id).toBe(u.id);
    },
  );

  it("parallel wrong attempts are counted before hashing: of 25 at once, at most 10 are checked", async () => {
    await createUser(SYSTEM_ACTOR, {
      email: "bob@example.com",
      name: "Bob",
      password: "right-password",
      role: "viewer",
    });
    const results = await wrongTimes("bob@example.com", 25, "10.0.3.3");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    expect(
      results
        .filter((r) => r.status === "rejected")
        .every((r) => (r as PromiseRejectedResult).reason.code === "rate_limited"),
    ).toBe(true);
  });

  it("only failures count: many successful sign-ins from one address are never throttled", async () => {
    await createUser(SYSTEM_ACTOR, { email: "cy@example.com", name: "Cy", password: "right-password", role: "viewer" });
    // More than the address's failure limit (50), five at a time: each attempt is counted up front and refunded.
    for (let batch = 0; batch < 11; batch++) {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => verifyCredentials("cy@example.com", "right-password", "10.0.4.4")),
      );
      expect(results.every((r) => r !== null)).toBe(true);
    }
  });

  it("an address that fails across many accounts is locked too", async () => {
    // 49 failures in parallel batches, then the 50th alone: the lock starts when it is counted, and
    // only one password hash (not a batch of ten, slow on a loaded machine) runs before the check.
    for (const who of ["a", "b", "c", "d"]) await wrongTimes(`nobody-${who}@example.com`, 10, "10.0.5.5");
    await wrongTimes("nobody-e@example.com", 9, "10.0.5.5");
    expect(await verifyCredentials("nobody-f@example.com", "wrong-password", "10.0.5.5")).toBeNull();
    await expect(verifyCredentials("cy@example.com", "right-password", "10.0.5.5")).rejects.toMatchObject({
      code: "rate_limited",
    });
    expect(await verifyCredentials("cy@example.com", "right-password", "10.0.6.6")).not.toBeNull();
  });

  it("rehashes a password stored with weaker scrypt parameters at the next sign-in", async () => {
    const u = await db.user.findUniqueOrThrow({ where: { email: "cy@example.com" } });
    const salt = randomBytes(16);
    const key = scryptSync("right-password".normalize("NFKC"), salt, 64, { N: 1 << 14, r: 8, p: 1 });
    await db.user.update({
      where: { id: u.id },
      data: {
        passwordHash: ["scrypt", 1 << 14, 8, 1, salt.toString("base64url"), key.toString("base64url")].join("$"),
      },
    });
    expect(await verifyCredentials("cy@example.com", "right-password", "10.0.7.7")).not.toBeNull();
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
  });
});

describe("API keys", () => {
  it("failed key lookups from one address are limited (429), other addresses and valid keys are not", async () => {
    const { key } = await createApiKey(SYSTEM_ACTOR, { name: "r", scopes: ["serve"] });
    for (let i = 0; i < 30; i++)
      await expect(authenticateApiKey(`Bearer flk_wrong${i}`, "serve", "10.1.0.1")).rejects.toMatchObject({
        code: "unauthorized",
      });
    await expect(authenticateApiKey("Bearer flk_wrong-again", "serve", "10.1.0.1")).rejects.toMatchObject({
      code: "rate_limited",
      retryAfterSeconds: expect.any(Number),
    });
    await expect(authenticateApiKey("Bearer flk_wrong-again", "serve", "10.1.0.2")).rejects.toMatchObject({
      code: "unauthorized",
    });
    // serve is never limited per key by default, even at far more than the configured 5/s.
    for (let i = 0; i < 50; i++) await authenticateApiKey(`Bearer ${key}`, "serve", "10.1.0.3");
  });

  it("FUSIONLAB_API_KEY_RATE_LIMIT limits a key's other /api/v1 requests per second (429 + Retry-After)", async () => {
    const { key } = await createApiKey(SYSTEM_ACTOR, { name: "p", scopes: ["policies:read"] });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await jobsRoute(
        new Request("http://test/api/v1/jobs", { headers: { authorization: `Bearer ${key}` } }),
        { params: Promise.resolve({}) },
      );
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("1");
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    expect(statuses).toContain(429);
  });
});
