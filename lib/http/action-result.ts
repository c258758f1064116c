import { isAppError } from "@/lib/errors";

/** What a server action returns to its form: data, or a message plus per-field messages. */
export type ActionResult<T = undefined> =
  { ok: true; data: T } | { ok: false; error: string; fieldErrors?: Record<string, string> };

export async function runAction<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (err) {
    if (isAppError(err)) {
      const fieldErrors = err.issues ? Object.fromEntries(err.issues.map((i) => [i.path, i.message])) : undefined;
      return { ok: false, error: err.message, fieldErrors };
    }
    console.error("server action failed:", err);
    return { ok: false, error: "something went wrong on the server; see its log" };
  }
}
