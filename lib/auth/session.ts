import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import type { Actor } from "@/lib/auth/actor";
import { authOptions } from "@/lib/auth/next-auth-options";
import { REQUEST_PATH_HEADER } from "@/lib/auth/return-path";
import { roleAtLeast, type Role } from "@/lib/auth/roles";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

export type SessionUser = { id: string; email: string; name: string; role: Role };

/**
 * The signed-in user, read fresh from the database on every request so that a role change, a
 * disabled account or a password reset takes effect at once (the JWT only says who and which
 * session version, never what they may do).
 */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  return sessionHolder(session?.user as { id?: string; sessionVersion?: number } | undefined);
}

/** The user a session's claims stand for, or null when the user is gone, disabled, or the session was revoked. */
export async function sessionHolder(
  claims: { id?: string; sessionVersion?: number } | undefined,
): Promise<SessionUser | null> {
  const id = claims?.id;
  if (!id) return null;
  const user = await db.user.findUnique({
    where: { id },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, sessionVersion: true },
  });
  if (!user || user.disabledAt || user.sessionVersion !== (claims.sessionVersion ?? 0)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** For pages: signed-out visitors go to the sign-in page, too-low roles get a 403 page. */
export async function requirePageUser(minimum: Role = "viewer"): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) {
    const here = (await headers()).get(REQUEST_PATH_HEADER);
    redirect(here && here !== "/" ? `/?callbackUrl=${encodeURIComponent(here)}` : "/");
  }
  if (!roleAtLeast(user.role, minimum)) forbidden();
  return user;
}

/** For server actions: the same rule, as an AppError the action turns into a message. */
export async function requireActionActor(minimum: Role): Promise<Actor & { kind: "user" }> {
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "please sign in again");
  if (!roleAtLeast(user.role, minimum)) throw new AppError("forbidden", `this needs the ${minimum} role`);
  return { kind: "user", userId: user.id, email: user.email, role: user.role };
}
