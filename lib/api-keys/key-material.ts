import { createHash, randomBytes } from "node:crypto";

/** Keys look like `flk_<32 base62 chars>`; only their SHA-256 is stored. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function generateApiKey(): string {
  const bytes = randomBytes(32);
  let body = "";
  for (const b of bytes) body += ALPHABET[b % 62]; // 62*4=248 < 256: bias below 2^-5 per char, 190 bits overall
  return `flk_${body}`;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function keyPrefix(key: string): string {
  return key.slice(0, 10);
}
