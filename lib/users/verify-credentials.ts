import { hashPassword, needsRehash, UNMATCHABLE_HASH, verifyPassword } from "@/lib/auth/password";
import { throttledSignIn } from "@/lib/auth/sign-in-throttle";
import { db } from "@/lib/db/client";

/**
 * The sign-in check: returns the user for a correct email + password, null otherwise (no hint which);
 * 429 while the account or the client address is locked after too many failures.
 */
export async function verifyCredentials(email: string, password: string, clientIp = "unknown") {
  return throttledSignIn(email, clientIp, () => checkPassword(email, password));
}

async function checkPassword(email: string, password: string) {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  // Hash anyway when the user is unknown so response time does not reveal which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? UNMATCHABLE_HASH);
  if (!user || !ok || user.disabledAt) return null;
  // The password is at hand only now: upgrade a hash made with older, weaker parameters.
  const passwordHash = needsRehash(user.passwordHash) ? await hashPassword(password) : undefined;
  await db.user.update({
    where: { id: user.id },
    data: { lastLoginAt: new Date(), ...(passwordHash ? { passwordHash } : {}) },
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}
