import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Actor } from "@/lib/auth/actor";
import { hashApiKey } from "@/lib/api-keys/key-material";
import type { ApiScope } from "@/lib/api-keys/scopes";
import { loadEnv } from "@/lib/config/env";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { FailureLimiter, refuseWhileLocked } from "@/lib/rate-limit/failure-limiter";

/**
 * Resolves `Authorization: Bearer <key>` to an actor. Lookups are cached for a few seconds per
 * process because /api/v1/rank is a hot path; revocation in this process clears the entry at once,
 * other processes see it within CACHE_MS.
 */
const CACHE_MS = 5_000;
type Cached = { at: number; key: { id: string; scopes: string[]; revoked: boolean } | null };
// On globalThis: Next.js bundles route handlers and server actions separately, and a revocation made
// by an action must clear the cache the routes read.
const shared = globalThis as unknown as {
  fusionlabKeyCache?: Map<string, Cached>;
  fusionlabKeyLastUsed?: Map<string, number>;
  fusionlabKeyFailures?: FailureLimiter;
  fusionlabKeyRequests?: RateLimiterMemory;
};
const cache = (shared.fusionlabKeyCache ??= new Map());
const lastUsedWritten = (shared.fusionlabKeyLastUsed ??= new Map());

export function invalidateApiKeyCache(hash: string): void {
  cache.delete(hash);
}

/**
 * Failed lookups (unknown or revoked keys) per client address: past the limit the address gets 429
 * without a database lookup. A key found in the cache never touches the limiter, so valid traffic
 * costs nothing extra.
 */
const failedLookups = (shared.fusionlabKeyFailures ??= new FailureLimiter({
  failures: 30,
  windowSeconds: 60,
  lockSeconds: 60,
}));

function requestLimit(perSecond: number): RateLimiterMemory {
  if (shared.fusionlabKeyRequests?.points !== perSecond)
    shared.fusionlabKeyRequests = new RateLimiterMemory({ points: perSecond, duration: 1 });
  return shared.fusionlabKeyRequests;
}

async function lookup(hash: string, clientIp: string): Promise<Cached["key"]> {
  const hit = cache.get(hash);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
  await refuseWhileLocked([[failedLookups, clientIp]], "API key lookups from this address");
  const row = await db.apiKey.findUnique({ where: { hash }, select: { id: true, scopes: true, revokedAt: true } });
  const key = row ? { id: row.id, scopes: row.scopes, revoked: row.revokedAt !== null } : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(hash, { at: Date.now(), key });
  return key;
}

export async function authenticateApiKey(
  authorization: string | null,
  scope: ApiScope,
  clientIp = "unknown",
): Promise<Actor & { kind: "apiKey" }> {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw new AppError("unauthorized", "missing API key: send Authorization: Bearer <key>");
  const hash = hashApiKey(match[1]);
  const key = await lookup(hash, clientIp);
  if (!key || key.revoked) {
    await failedLookups.fail(clientIp);
    throw new AppError("unauthorized", key ? "this API key has been revoked" : "unknown API key");
  }
  if (!key.scopes.includes(scope)) throw new AppError("forbidden", `this API key lacks the "${scope}" scope`);
  const { FUSIONLAB_API_KEY_RATE_LIMIT: perSecond, FUSIONLAB_API_KEY_RATE_LIMIT_SERVE: limitServe } = loadEnv();
  if (perSecond > 0 && (scope !== "serve" || limitServe)) {
    await requestLimit(perSecond)
      .consume(key.id)
      .catch((res: { msBeforeNext: number }) => {
        const wait = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new AppError(
          "rate_limited",
          `this API key is limited to ${perSecond} requests per second`,
          undefined,
          wait,
        );
      });
  }
  const last = lastUsedWritten.get(key.id) ?? 0;
  if (Date.now() - last > 60_000) {
    // Coarse last-used stamp: at most one write a minute per key and process, off the request path.
    lastUsedWritten.set(key.id, Date.now());
    void db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  return { kind: "apiKey", apiKeyId: key.id, scopes: key.scopes };
}
