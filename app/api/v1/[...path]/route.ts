import { authenticateApiKey } from "@/lib/api-keys/authenticate-api-key";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/error-response";

export const dynamic = "force-dynamic";

/**
 * Unknown /api/v1 paths: authenticate first (401 beats 404, so keys can be checked anywhere), then 404 in the API's
 * error shape.
 */
async function notFound(request: Request): Promise<Response> {
  try {
    await authenticateApiKey(request.headers.get("authorization"), "experiments:read").catch((err: unknown) => {
      if (err instanceof AppError && err.code === "forbidden") return; // a valid key with other scopes
      throw err;
    });
    throw new AppError("not_found", `no such API route: ${request.method} ${new URL(request.url).pathname}`);
  } catch (err) {
    return errorResponse(err);
  }
}

export { notFound as GET, notFound as POST, notFound as PATCH, notFound as PUT, notFound as DELETE };
