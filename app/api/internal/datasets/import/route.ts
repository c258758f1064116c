import { requireActionActor } from "@/lib/auth/session";
import { importDatasetCsv } from "@/lib/dataset-store/import-dataset";
import { errorResponse } from "@/lib/http/error-response";

export const dynamic = "force-dynamic";

/**
 * POST /api/internal/datasets/import?name=… with the CSV file as the body: the browser's upload
 * path, authenticated by the session cookie (editors and admins) instead of an API key. Errors use
 * the /api/v1 shape; a bad row is named by its line number.
 */
export async function POST(request: Request) {
  try {
    const actor = await requireActionActor("editor");
    const dataset = await importDatasetCsv(actor, Object.fromEntries(new URL(request.url).searchParams), request.body);
    return Response.json(dataset, { status: 201 });
  } catch (err) {
    return errorResponse(err);
  }
}
