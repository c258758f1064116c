import { z } from "zod";
import { AppError, type FieldIssue } from "@/lib/errors";

/** Parses input at a boundary; a failure becomes a 400 AppError naming the offending fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = "request"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(root)",
    message: i.message,
  }));
  const first = issues[0];
  throw new AppError(
    "bad_request",
    `invalid ${what}: ${first ? `${first.path}: ${first.message}` : "malformed"}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ""}`,
    issues,
  );
}

/**
 * PostgreSQL refuses NUL in text and jsonb, and jsonb refuses escaped lone surrogates; both would
 * surface as a failed INSERT (a 500, and for group-committed rows a failed batch). So every string
 * that comes in is checked here, at the boundary.
 */
export function isSafeText(s: string): boolean {
  return !s.includes("\0") && s.isWellFormed();
}
export const UNSAFE_TEXT_MESSAGE = "must not contain NUL or unpaired surrogate characters";

/** The string schema of every input: z.string() that refuses NUL and unpaired surrogates. */
export function safeString(message?: string) {
  return z.string(message).refine(isSafeText, UNSAFE_TEXT_MESSAGE);
}

/** Path of the first unsafe string (a value or a key) inside free-form JSON, or undefined. */
export function firstUnsafeText(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === "string") return isSafeText(value) ? undefined : path;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (!isSafeText(key)) return [...path, key];
    const bad = firstUnsafeText(v, [...path, key]);
    if (bad) return bad;
  }
  return undefined;
}

/** Free-form JSON (stored as jsonb) whose strings and keys must all be safe. */
export const safeJson = z.unknown().superRefine((value, ctx) => {
  const bad = firstUnsafeText(value);
  if (bad) ctx.addIssue({ code: "custom", message: UNSAFE_TEXT_MESSAGE, path: bad });
});

/** `{id}` in routes: a row's uuid or its human key. */
export const idOrKeyParams = z.object({ id: safeString().min(1).max(200) });
