import { loadEnv } from "@/lib/config/env";
import { FailureLimiter, refuseWhileLocked } from "@/lib/rate-limit/failure-limiter";

/**
 * Sign-in backoff: an account that failed FUSIONLAB_LOGIN_MAX_FAILURES times within 15 minutes, or a
 * client address that failed five times as often, is refused with 429 for
 * FUSIONLAB_LOGIN_LOCK_SECONDS, before any password is hashed (scrypt is the expensive part).
 * Successful sign-ins cost nothing, so a test suite that signs in a hundred times is never throttled.
 */
type Limiters = { account: FailureLimiter; address: FailureLimiter; failures: number };
const shared = globalThis as unknown as { fusionlabSignInLimiters?: Limiters };

function limiters(): Limiters {
  const { FUSIONLAB_LOGIN_MAX_FAILURES: failures, FUSIONLAB_LOGIN_LOCK_SECONDS: lockSeconds } = loadEnv();
  return (shared.fusionlabSignInLimiters ??= {
    account: new FailureLimiter({ failures, windowSeconds: 900, lockSeconds }),
    address: new FailureLimiter({ failures: failures * 5, windowSeconds: 900, lockSeconds }),
    failures,
  });
}

const accountKey = (email: string) => email.trim().toLowerCase();

/** Throws 429 (with Retry-After) while the account or the address is locked. */
export async function refuseLockedSignIn(email: string, clientIp: string): Promise<void> {
  const { account, address } = limiters();
  await refuseWhileLocked(
    [
      [account, accountKey(email)],
      [address, clientIp],
    ],
    "sign-ins",
  );
}

/**
 * Runs one sign-in attempt under the limits. The attempt is counted as a failure before the
 * password is checked, so that parallel attempts cannot all slip in before the first one fails;
 * a success takes it back (and clears the account's count).
 */
export async function throttledSignIn<T>(
  email: string,
  clientIp: string,
  attempt: () => Promise<T | null>,
): Promise<T | null> {
  await refuseLockedSignIn(email, clientIp);
  const { account, address, failures } = limiters();
  const [forAccount, forAddress] = await Promise.all([account.fail(accountKey(email)), address.fail(clientIp)]);
  // Parallel attempts that passed the check together: those past the limit are refused now.
  if (forAccount > failures || forAddress > failures * 5) await refuseLockedSignIn(email, clientIp);
  const result = await attempt();
  if (result !== null) await Promise.all([account.reset(accountKey(email)), address.refund(clientIp)]);
  return result;
}
