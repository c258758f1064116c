import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, keyPrefix } from "@/lib/api-keys/key-material";
import { hashPassword, needsRehash, UNMATCHABLE_HASH, verifyPassword } from "@/lib/auth/password";
import { roleAtLeast } from "@/lib/auth/roles";
import { AppError, STATUS_BY_CODE } from "@/lib/errors";

describe("passwords", () => {
  it("verifies the right password only, with a fresh salt each time", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).not.toBe(b);
    expect(a.startsWith("scrypt$131072$8$1$")).toBe(true);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
    expect(await verifyPassword("x", UNMATCHABLE_HASH)).toBe(false);
    expect(needsRehash(a)).toBe(false);
    expect(needsRehash("scrypt$32768$8$1$AAAA$AAAA")).toBe(true);
  });
});

describe("API key material", () => {
  it("generates distinct high-entropy keys and hashes them with SHA-256", () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    const k = [...keys][0];
    expect(k).toMatch(/^flk_[0-9A-Za-z]{32}$/);
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(keyPrefix(k)).toBe(k.slice(0, 10));
  });
});

describe("roles and errors", () => {
  it("orders roles viewer < editor < admin", () => {
    expect(roleAtLeast("admin", "editor")).toBe(true);
    expect(roleAtLeast("editor", "editor")).toBe(true);
    expect(roleAtLeast("viewer", "editor")).toBe(false);
  });

  it("maps every error code to its HTTP status in one table", () => {
    expect(new AppError("unauthorized", "x").status).toBe(401);
    expect(new AppError("payload_too_large", "x").status).toBe(413);
    expect(Object.values(STATUS_BY_CODE).every((s) => s >= 400 && s < 600)).toBe(true);
  });
});
