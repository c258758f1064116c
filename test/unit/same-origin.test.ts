import { describe, expect, it } from "vitest";
import { requireSameOrigin } from "@/lib/http/same-origin";

const post = (headers: Record<string, string>) =>
  new Request("http://127.0.0.1:3000/api/internal/datasets/import?name=x", { method: "POST", headers });

describe("requireSameOrigin", () => {
  it("accepts the site's own origin and refuses others or none", () => {
    expect(() => requireSameOrigin(post({ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }))).not.toThrow();
    const refused: Record<string, string>[] = [
      { origin: "http://evil.example", host: "127.0.0.1:3000" },
      { host: "127.0.0.1:3000" },
      { origin: "null" },
    ];
    for (const headers of refused) {
      expect(() => requireSameOrigin(post(headers))).toThrow(expect.objectContaining({ code: "forbidden" }));
    }
  });
});
