import type { Actor } from "@/lib/auth/actor";
import { hashApiKey } from "@/lib/api-keys/key-material";
import type { ApiScope } from "@/lib/api-keys/scopes";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

/**
 * Resolves `Authorization: Bearer <key>` to an actor. Lookups are cached for a few seconds per
 * process because /api/v1/rank is a hot path; revocation in this process clears the entry at once,
 * other processes see it within CACHE_MS.
 */
const CACHE_MS = 5_000;
type Cached = { at: number; key: { id: string; scopes: string[]; revoked: boolean } | null };
// On globalThis: Next.js bundles route handlers and server actions separately, and a revocation made
// by an action must clear the cache the routes read.
const shared = globalThis as unknown as { fusionlabKeyCache?: Map<string, Cached>; fusionlabKeyLastUsed?: Map<string, number> };
const cache = (shared.fusionlabKeyCache ??= new Map());
const lastUsedWritten = (shared.fusionlabKeyLastUsed ??= new Map());

export function invalidateApiKeyCache(hash: string): void {
  cache.delete(hash);
}

async function lookup(hash: string): Promise<Cached["key"]> {
  const hit = cache.get(hash);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
  const row = await db.apiKey.findUnique({ where: { hash }, select: { id: true, scopes: true, revokedAt: true } });
  const key = row ? { id: row.id, scopes: row.scopes, revoked: row.revokedAt !== null } : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(hash, { at: Date.now(), key });
  return key;
}

export async function authenticateApiKey(authorization: string | null, scope: ApiScope): Promise<Actor & { kind: "apiKey" }> {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw new AppError("unauthorized", "missing API key: send Authorization: Bearer <key>");
  const hash = hashApiKey(match[1]);
  const key = await lookup(hash);
  if (!key) throw new AppError("unauthorized", "unknown API key");
  if (key.revoked) throw new AppError("unauthorized", "this API key has been revoked");
  if (!key.scopes.includes(scope)) throw new AppError("forbidden", `this API key lacks the "${scope}" scope`);
  const last = lastUsedWritten.get(key.id) ?? 0;
  if (Date.now() - last > 60_000) {
    // Coarse last-used stamp: at most one write a minute per key and process, off the request path.
    lastUsedWritten.set(key.id, Date.now());
    void db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  return { kind: "apiKey", apiKeyId: key.id, scopes: key.scopes };
}
