import { AppError, isAppError } from "@/lib/errors";

/** DESIGN §9 error shape: { error: { code, message, issues? } } with the status from the one code table. */
export function errorResponse(err: unknown): Response {
  const appErr = isAppError(err) ? err : new AppError("internal", "internal error");
  if (!isAppError(err)) console.error("unhandled error in API route:", err);
  const body = { error: { code: appErr.code, message: appErr.message, ...(appErr.issues ? { issues: appErr.issues } : {}) } };
  return Response.json(body, { status: appErr.status });
}
