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
  FUSIONLAB_WORKERS: z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === "" ? "1" : s.trim()))
    .refine((s) => /^\d+$/.test(s) && Number(s) <= 16, { message: "must be a whole number from 0 to 16" })
    .transform(Number),
  FUSIONLAB_WEB_PROCESSES: z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === "" ? "1" : s.trim()))
    .refine((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 64, { message: "must be a whole number from 1 to 64" })
    .transform(Number),
  FUSIONLAB_DEMO_SEED: z
    .enum(["0", "1", "true", "false"], { message: "must be 1/0/true/false" })
    .optional()
    .transform((s) => s === undefined || s === "1" || s === "true"),
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
      return `${key} ${i.message}${got !== undefined && !/PASSWORD|SECRET|KEY/.test(key) ? ` (got "${got}")` : ""}`;
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
