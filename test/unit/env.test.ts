import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/lib/config/env";

describe("environment validation", () => {
  it("applies defaults", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe("127.0.0.1");
    expect(env.FUSIONLAB_DATA_DIR).toBe(".data");
    expect(env.FUSIONLAB_WORKERS).toBe(1);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("rejects a bad PORT with one line that names the variable and the value", () => {
    let err: unknown;
    try {
      parseEnv({ PORT: "abc" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).not.toContain("\n");
    expect(msg).toContain("PORT");
    expect(msg).toContain('"abc"');
  });

  it("lists every problem, never echoing secrets", () => {
    const msg = (() => {
      try {
        parseEnv({
          PORT: "70000",
          DATABASE_URL: "mysql://admin:hunter22@db/x",
          FUSIONLAB_ADMIN_PASSWORD: "short",
          FUSIONLAB_WORKERS: "-1",
          FUSIONLAB_API_KEY_RATE_LIMIT: "x",
        });
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    for (const key of [
      "PORT",
      "DATABASE_URL",
      "FUSIONLAB_ADMIN_PASSWORD",
      "FUSIONLAB_WORKERS",
      "FUSIONLAB_API_KEY_RATE_LIMIT",
    ])
      expect(msg).toContain(key);
    expect(msg).not.toContain("short");
    expect(msg).not.toContain("hunter22");
  });

  it("validates the guardrail check interval and the webhook settings, never echoing the secret", () => {
    expect(parseEnv({}).FUSIONLAB_GUARDRAIL_CHECK_SECONDS).toBe(300);
    const ok = parseEnv({
      FUSIONLAB_GUARDRAIL_CHECK_SECONDS: "30",
      FUSIONLAB_WEBHOOK_URL: "https://hooks.example.com/fusionlab",
      FUSIONLAB_WEBHOOK_SECRET: "0123456789abcdef",
    });
    expect(ok.FUSIONLAB_GUARDRAIL_CHECK_SECONDS).toBe(30);
    expect(ok.FUSIONLAB_WEBHOOK_URL).toBe("https://hooks.example.com/fusionlab");
    expect(() =>
      parseEnv({
        FUSIONLAB_GUARDRAIL_CHECK_SECONDS: "1",
        FUSIONLAB_WEBHOOK_URL: "ftp://x",
        FUSIONLAB_WEBHOOK_SECRET: "tiny",
      }),
    ).toThrow(
      new RegExp(
        "FUSIONLAB_GUARDRAIL_CHECK_SECONDS.*FUSIONLAB_WEBHOOK_URL.*" +
          "FUSIONLAB_WEBHOOK_SECRET must be at least 16 characters$",
      ),
    );
  });

  it("accepts a full valid configuration", () => {
    const env = parseEnv({
      PORT: "8080",
      DATABASE_URL: "postgresql://u:p@db:5432/fusionlab",
      FUSIONLAB_ADMIN_EMAIL: "ops@example.com",
      FUSIONLAB_ADMIN_PASSWORD: "long-enough-password",
      FUSIONLAB_API_KEY: "k".repeat(32),
      NEXTAUTH_SECRET: "s".repeat(40),
      FUSIONLAB_WORKERS: "3",
    });
    expect(env.PORT).toBe(8080);
    expect(env.FUSIONLAB_WORKERS).toBe(3);
    expect(env.FUSIONLAB_API_KEY_RATE_LIMIT).toBe(0);
    expect(env.FUSIONLAB_API_KEY_RATE_LIMIT_SERVE).toBe(false);
    expect(env.FUSIONLAB_LOGIN_MAX_FAILURES).toBe(10);
  });

  it("reads the TensorFlow.js backend choice: auto by default, wasm forced, anything else refused", () => {
    expect(parseEnv({}).FUSIONLAB_TF_BACKEND).toBe("auto");
    expect(parseEnv({ FUSIONLAB_TF_BACKEND: " " }).FUSIONLAB_TF_BACKEND).toBe("auto");
    expect(parseEnv({ FUSIONLAB_TF_BACKEND: "wasm" }).FUSIONLAB_TF_BACKEND).toBe("wasm");
    expect(() => parseEnv({ FUSIONLAB_TF_BACKEND: "cuda" })).toThrow(
      /FUSIONLAB_TF_BACKEND must be "auto" or "wasm" \(got "cuda"\)/,
    );
  });

  it("validates the serving and decision-log settings", () => {
    const env = parseEnv({});
    expect([
      env.FUSIONLAB_METRICS_PORT,
      env.FUSIONLAB_SERVING_RUNTIME,
      env.FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS,
    ]).toEqual([9464, "onnx", 30]);
    const set = parseEnv({
      FUSIONLAB_METRICS_PORT: "0",
      FUSIONLAB_SERVING_RUNTIME: "tfjs",
      FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS: "7",
    });
    expect([
      set.FUSIONLAB_METRICS_PORT,
      set.FUSIONLAB_SERVING_RUNTIME,
      set.FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS,
    ]).toEqual([0, "tfjs", 7]);
    for (const [key, value] of [
      ["FUSIONLAB_METRICS_PORT", "65536"],
      ["FUSIONLAB_SERVING_RUNTIME", "gpu"],
      ["FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS", "0"],
    ]) {
      expect(() => parseEnv({ [key]: value })).toThrow(new RegExp(`${key} .*"${value}"`));
    }
  });
});
