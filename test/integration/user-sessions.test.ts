import { describe, expect, it } from "vitest";
import type { Session } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { authOptions } from "@/lib/auth/next-auth-options";
import { sessionHolder } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { createUser } from "@/lib/users/create-user";
import { resetPassword } from "@/lib/users/reset-password";
import { setUserDisabled } from "@/lib/users/set-user-disabled";
import { setUserRole } from "@/lib/users/set-user-role";
import { verifyCredentials } from "@/lib/users/verify-credentials";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_sessions");

/** Signs in and runs next-auth's own callbacks: the claims a request's session would carry. */
async function signIn(email: string, password: string) {
  const user = await verifyCredentials(email, password, "10.9.0.1");
  if (!user) return null;
  const callbacks = authOptions.callbacks!;
  const token = (await callbacks.jwt!({
    token: { sub: user.id } as JWT,
    user: user as never,
    account: null,
    trigger: "signIn",
  })) as JWT;
  const session = (await callbacks.session!({
    session: { expires: "", user: {} } as Session,
    token,
    user: user as never,
    newSession: undefined,
    trigger: "update",
  })) as Session;
  return session.user as { id: string; sessionVersion: number };
}

describe("user disable / enable, password reset, session revocation", () => {
  it(
    "a disabled user's existing session is refused at its next request; enabling lets them sign in again, not " +
      "revive the old session",
    async () => {
      const admin = await createUser(SYSTEM_ACTOR, {
        email: "root@example.com",
        name: "Root",
        password: "admin-password",
        role: "admin",
      });
      const u = await createUser(SYSTEM_ACTOR, {
        email: "eve@example.com",
        name: "Eve",
        password: "eve-password",
        role: "editor",
      });
      const session = await signIn("eve@example.com", "eve-password");
      expect((await sessionHolder(session!))?.id).toBe(u.id);
      const actor = { kind: "user" as const, userId: admin.id, email: admin.email, role: "admin" as const };
      await setUserDisabled(actor, { userId: u.id, disabled: true });
      expect(await sessionHolder(session!)).toBeNull();
      expect(await signIn("eve@example.com", "eve-password")).toBeNull();
      await setUserDisabled(actor, { userId: u.id, disabled: false });
      expect(await sessionHolder(session!)).toBeNull();
      const fresh = await signIn("eve@example.com", "eve-password");
      expect((await sessionHolder(fresh!))?.id).toBe(u.id);
      expect(
        await db.auditLog.count({ where: { entityId: u.id, action: { in: ["user.disable", "user.enable"] } } }),
      ).toBe(2);
      await expect(setUserDisabled(actor, { userId: admin.id, disabled: true })).rejects.toMatchObject({
        code: "conflict",
      });
      await expect(setUserDisabled(actor, { userId: u.id, disabled: "yes" })).rejects.toMatchObject({
        code: "bad_request",
        issues: [{ path: "disabled" }],
      });
    },
  );

  it("an admin's password reset ends the user's sessions; the new password works, the old one does not", async () => {
    const u = await createUser(SYSTEM_ACTOR, {
      email: "fay@example.com",
      name: "Fay",
      password: "old-password",
      role: "viewer",
    });
    const session = await signIn("fay@example.com", "old-password");
    await expect(resetPassword(SYSTEM_ACTOR, { userId: u.id, password: "short" })).rejects.toMatchObject({
      code: "bad_request",
      issues: [{ path: "password" }],
    });
    expect(await sessionHolder(session!)).not.toBeNull();
    await resetPassword(SYSTEM_ACTOR, { userId: u.id, password: "new-password" });
    expect(await sessionHolder(session!)).toBeNull();
    expect(await signIn("fay@example.com", "old-password")).toBeNull();
    expect((await signIn("fay@example.com", "new-password"))?.id).toBe(u.id);
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: u.id, action: "user.resetPassword" } });
    expect(JSON.stringify([audit.before, audit.after])).not.toContain("new-password");
  });

  it("two admins demoting or disabling each other at the same time: one change wins, an admin remains", async () => {
    await db.user.updateMany({ where: { role: "admin" }, data: { role: "viewer" } });
    const a = await createUser(SYSTEM_ACTOR, {
      email: "a@example.com",
      name: "A",
      password: "a-password",
      role: "admin",
    });
    const b = await createUser(SYSTEM_ACTOR, {
      email: "b@example.com",
      name: "B",
      password: "b-password",
      role: "admin",
    });
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([
        setUserRole(SYSTEM_ACTOR, { userId: a.id, role: "viewer" }),
        setUserDisabled(SYSTEM_ACTOR, { userId: b.id, disabled: true }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await db.user.count({ where: { role: "admin", disabledAt: null } })).toBe(1);
      await db.user.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { role: "admin", disabledAt: null } });
    }
  });
});
