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

/** `{id}` in routes: a row's uuid or its human key. */
export const idOrKeyParams = z.object({ id: z.string().min(1).max(200) });
