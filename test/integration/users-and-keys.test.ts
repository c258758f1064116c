import { describe, expect, it } from "vitest";
import { authenticateApiKey } from "@/lib/api-keys/authenticate-api-key";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { createUser } from "@/lib/users/create-user";
import { setUserRole } from "@/lib/users/set-user-role";
import { verifyCredentials } from "@/lib/users/verify-credentials";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_auth");

describe("users, roles and API keys against PostgreSQL", () => {
  it("creates users with hashed passwords, refuses duplicates and bad input, and audits", async () => {
    const u = await createUser(SYSTEM_ACTOR, {
      email: "Ann@Example.com",
      name: "Ann",
      password: "s3cret-pass",
      role: "admin",
    });
    expect(u.email).toBe("ann@example.com");
    const row = await db.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.passwordHash).not.toContain("s3cret-pass");
    await expect(
      createUser(SYSTEM_ACTOR, { email: "ann@example.com", name: "A2", password: "another-pass", role: "viewer" }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      createUser(SYSTEM_ACTOR, { email: "not-an-email", name: "B", password: "x", role: "boss" }),
    ).rejects.toMatchObject({ code: "bad_request" });
    expect(await db.user.count()).toBe(1);
    expect(await db.auditLog.count({ where: { action: "user.create", entityId: u.id } })).toBe(1);

    expect((await verifyCredentials("ANN@example.com", "s3cret-pass"))?.id).toBe(u.id);
    expect(await verifyCredentials("ann@example.com", "wrong")).toBeNull();
    expect(await verifyCredentials("nobody@example.com", "s3cret-pass")).toBeNull();
  });

  it("never demotes the last administrator", async () => {
    const admin = await db.user.findUniqueOrThrow({ where: { email: "ann@example.com" } });
    await expect(setUserRole(SYSTEM_ACTOR, { userId: admin.id, role: "viewer" })).rejects.toMatchObject({
      code: "conflict",
    });
    const v = await createUser(SYSTEM_ACTOR, {
      email: "vic@example.com",
      name: "Vic",
      password: "viewer-pass",
      role: "viewer",
    });
    const changed = await setUserRole(SYSTEM_ACTOR, { userId: v.id, role: "editor" });
    expect(changed.role).toBe("editor");
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: "user.setRole", entityId: v.id } });
    expect(audit.before).toEqual({ role: "viewer" });
    expect(audit.after).toEqual({ role: "editor" });
  });

  it("stores only the hash of a key, checks scope, and rejects unknown and revoked keys", async () => {
    const created = await createApiKey(SYSTEM_ACTOR, { name: "ranker", scopes: ["serve"] });
    expect(created.key).toMatch(/^flk_/);
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(row)).not.toContain(created.key);

    const actor = await authenticateApiKey(`Bearer ${created.key}`, "serve");
    expect(actor.apiKeyId).toBe(created.id);
    await expect(authenticateApiKey(`Bearer ${created.key}`, "experiments:write")).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(authenticateApiKey("Bearer nope", "serve")).rejects.toMatchObject({ code: "unauthorized" });
    await expect(authenticateApiKey(null, "serve")).rejects.toMatchObject({ code: "unauthorized" });
    await expect(createApiKey(SYSTEM_ACTOR, { name: "x", scopes: [] })).rejects.toMatchObject({ code: "bad_request" });

    await revokeApiKey(SYSTEM_ACTOR, created.id);
    await expect(authenticateApiKey(`Bearer ${created.key}`, "serve")).rejects.toMatchObject({
      code: "unauthorized",
      message: expect.stringContaining("revoked"),
    });
  });
});
