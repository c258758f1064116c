import { errorResult } from "@/lib/http/api-route";

/** An error as a Response in the API's error shape (for handlers outside apiRoute). */
export function errorResponse(err: unknown): Response {
  const { status, body, headers } = errorResult(err);
  return Response.json(body, { status, headers });
}
