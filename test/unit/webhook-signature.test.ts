import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "@/lib/webhooks/webhook-signature";

describe("webhook signatures (HMAC-SHA256 over the body)", () => {
  it("matches the published HMAC-SHA256 test vector", () => {
    // The widely quoted vector: key "key", message "The quick brown fox jumps over the lazy dog".
    expect(signWebhook("key", "The quick brown fox jumps over the lazy dog")).toBe(
      "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    );
    // RFC 4231 test case 2.
    expect(signWebhook("Jefe", "what do ya want for nothing?")).toBe(
      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("verifies its own signature and refuses any other body, secret or header", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 16 }), fc.string(), fc.string(), (secret, body, other) => {
        const sig = signWebhook(secret, body);
        expect(verifyWebhookSignature(secret, body, sig)).toBe(true);
        expect(verifyWebhookSignature(secret, body, `  ${sig} `)).toBe(true);
        if (other !== body) expect(verifyWebhookSignature(secret, other, sig)).toBe(false);
        expect(verifyWebhookSignature(`${secret}x`, body, sig)).toBe(false);
        expect(verifyWebhookSignature(secret, body, sig.slice(0, -1))).toBe(false);
      }),
      { numRuns: 200 },
    );
    expect(verifyWebhookSignature("0123456789abcdef", "{}", null)).toBe(false);
    expect(verifyWebhookSignature("0123456789abcdef", "{}", "")).toBe(false);
  });
});
