import { z } from "zod";

/**
 * The only place FusionLab reads its environment. Every process (launcher, web, workers, scripts)
 * calls `loadEnv()`; a bad value stops start-up with one line that names the variable.
 */
const optionalString = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string())
  .optional()
  .transform((s) => (s ? s : undefined));

function wholeNumber(fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === "" ? String(fallback) : s.trim()))
    .refine((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max, {
      message: `must be a whole number from ${min} to ${max}`,
    })
    .transform(Number);
}
const flag = (fallback: boolean) =>
  z
    .enum(["0", "1", "true", "false"], { message: "must be 1/0/true/false" })
    .optional()
    .transform((s) => (s === undefined ? fallback : s === "1" || s === "true"));

const envSchema = z.object({
  PORT: z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === "" ? "3000" : s.trim()))
    .refine((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 65535, {
      message: "must be a whole number from 1 to 65535",
    })
    .transform(Number),
  HOST: optionalString.transform((s) => s ?? "127.0.0.1"),
  DATABASE_URL: optionalString.refine((s) => s === undefined || /^postgres(ql)?:\/\/.+/.test(s), {
    message: "must be a postgresql:// connection string",
  }),
  FUSIONLAB_DATA_DIR: optionalString.transform((s) => s ?? ".data"),
  FUSIONLAB_ADMIN_EMAIL: optionalString.refine((s) => s === undefined || z.email().safeParse(s).success, {
    message: "must be an email address",
  }),
  FUSIONLAB_ADMIN_PASSWORD: optionalString.refine((s) => s === undefined || s.length >= 8, {
    message: "must be at least 8 characters",
  }),
  FUSIONLAB_API_KEY: optionalString.refine((s) => s === undefined || (s.length >= 24 && /^[\x21-\x7e]+$/.test(s)), {
    message: "must be at least 24 printable characters without spaces",
  }),
  NEXTAUTH_SECRET: optionalString.refine((s) => s === undefined || s.length >= 32, {
    message: "must be at least 32 characters",
  }),
  NEXTAUTH_URL: optionalString.refine((s) => s === undefined || /^https?:\/\/.+/.test(s), {
    message: "must be an http(s) URL",
  }),
  /** How workers reach the web tier's public API (the traffic driver calls it); the launcher sets it. */
  FUSIONLAB_INTERNAL_URL: optionalString.refine((s) => s === undefined || /^https?:\/\/.+/.test(s), {
    message: "must be an http(s) URL",
  }),
  FUSIONLAB_WORKERS: wholeNumber(1, 0, 16),
  FUSIONLAB_WEB_PROCESSES: wholeNumber(1, 1, 64),
  FUSIONLAB_DEMO_SEED: flag(true),
  /** Failed sign-ins that lock an account (per client address: five times as many). */
  FUSIONLAB_LOGIN_MAX_FAILURES: wholeNumber(10, 2, 1000),
  /** How long a locked account or address must wait. */
  FUSIONLAB_LOGIN_LOCK_SECONDS: wholeNumber(300, 1, 86_400),
  /** Requests per second one API key may make to /api/v1; 0 = unlimited. */
  FUSIONLAB_API_KEY_RATE_LIMIT: wholeNumber(0, 0, 1_000_000),
  /**
   * Whether that limit also applies to the serving routes (rank, events); off so ranking is never throttled by
   * accident.
   */
  FUSIONLAB_API_KEY_RATE_LIMIT_SERVE: flag(false),
  /** `wasm` forces TensorFlow.js's WASM backend even where the native @tensorflow/tfjs-node is installed. */
  FUSIONLAB_TF_BACKEND: optionalString
    .transform((s) => s ?? "auto")
    .pipe(z.enum(["auto", "wasm"], { message: 'must be "auto" or "wasm"' })),
  /** Port of GET /metrics (Prometheus text format, API keys with metrics:read); 0 = no metrics endpoint. */
  FUSIONLAB_METRICS_PORT: wholeNumber(9464, 0, 65535),
  /**
   * What runs RL actors behind /api/v1/rank: onnxruntime (falls back to TF.js when it cannot load or disagrees) or
   * TF.js.
   */
  FUSIONLAB_SERVING_RUNTIME: z
    .enum(["onnx", "tfjs"], { message: "must be onnx or tfjs" })
    .optional()
    .transform((s) => s ?? "onnx"),
  /** Days a decision's shown items (ids, scores, actions) are kept; the decision row itself stays. */
  FUSIONLAB_DECISION_ITEMS_RETENTION_DAYS: wholeNumber(30, 1, 3650),
  /** How often the guardrail job re-analyses running experiments (and auto-stops harmful arms). */
  FUSIONLAB_GUARDRAIL_CHECK_SECONDS: wholeNumber(300, 5, 86_400),
  /** Where auto-stops and verdicts are POSTed for experiments without their own webhook URL. */
  FUSIONLAB_WEBHOOK_URL: optionalString.refine((s) => s === undefined || /^https?:\/\/.+/.test(s), {
    message: "must be an http(s) URL",
  }),
  /** HMAC-SHA256 key of webhook signatures; `npm start` generates one into FUSIONLAB_DATA_DIR when unset. */
  FUSIONLAB_WEBHOOK_SECRET: optionalString.refine((s) => s === undefined || s.length >= 16, {
    message: "must be at least 16 characters",
  }),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? "?");
      const got = source[key];
      const shown = got !== undefined && !/PASSWORD|SECRET|KEY|DATABASE_URL/.test(key);
      return `${key} ${i.message}${shown ? ` (got "${got}")` : ""}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return parsed.data;
}

let cached: Env | undefined;

export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/**
 * For code that cannot work without a database. Read afresh (not from the cache) because the
 * launcher and the tests set DATABASE_URL after start-up, once they know which database to use.
 */
export function databaseUrl(): string {
  const url = parseEnv(process.env).DATABASE_URL;
  if (!url) throw new ConfigError("DATABASE_URL is not set (start FusionLab with `npm start`, which provides one)");
  return url;
}
