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
    `invalid ${what}: ${first ? `${first.path}: ${first.message}` : "malformed"}` +
      (issues.length > 1 ? ` (+${issues.length - 1} more)` : ""),
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

/**
 * Path of the first unsafe string (a value or a key) inside free-form JSON, or undefined. Iterative:
 * a body nested thousands of levels deep must be a 400, not a stack overflow.
 */
export function firstUnsafeText(value: unknown): string[] | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (typeof item.value === "string") {
      if (!isSafeText(item.value)) return item.path;
    } else if (typeof item.value === "object" && item.value !== null) {
      for (const [key, v] of Object.entries(item.value)) {
        if (!isSafeText(key)) return [...item.path, key];
        stack.push({ value: v, path: [...item.path, key] });
      }
    }
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

/** A row's uuid from a caller that did not check it (a server action's argument): 400 naming `field` otherwise. */
export function parseUuid(value: unknown, field = "id"): string {
  return parseInput(z.object({ [field]: z.uuid("must be a uuid") }), { [field]: value }, field)[field] as string;
}

/** A uuid or key from a caller that did not check it. */
export function parseIdOrKey(value: unknown): string {
  return parseInput(idOrKeyParams, { id: value }, "reference").id;
}
