import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import pLimit from "p-limit";

/**
 * Password hashes: scrypt (memory-hard), encoded as scrypt$N$r$p$salt$hash so parameters can grow:
 * a hash with weaker parameters is replaced at the next successful sign-in (needsRehash).
 * N = 2^17, r = 8 as OWASP recommends: 128 MiB and a few hundred ms per hash, so at most
 * SCRYPT_CONCURRENCY hashes run at once and the rest wait (parallel sign-ins cannot exhaust memory).
 */
const N = 1 << 17;
const R = 8;
const P = 1;
const KEY_LEN = 64;
const SCRYPT_CONCURRENCY = 2;
const gate = pLimit(SCRYPT_CONCURRENCY);

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r };
  return gate(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCb(password.normalize("NFKC"), salt, KEY_LEN, options, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/**
 * A well-formed hash with today's parameters that matches no password (for unknown accounts, so timing tells nothing).
 */
export const UNMATCHABLE_HASH = ["scrypt", N, R, P, "AAAAAAAAAAAAAAAAAAAAAA", "AAAA"].join("$");

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = encoded.split("$");
  if (alg !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scrypt(password, Buffer.from(salt, "base64url"), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash uses weaker parameters than hashPassword does today. */
export function needsRehash(encoded: string): boolean {
  const [alg, n, r, p] = encoded.split("$");
  return alg !== "scrypt" || Number(n) < N || Number(r) < R || Number(p) < P;
}
