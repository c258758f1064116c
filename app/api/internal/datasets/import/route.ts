import { requireActionActor } from "@/lib/auth/session";
import { receiveDatasetUpload } from "@/lib/dataset-store/import-dataset";
import { errorResponse } from "@/lib/http/error-response";
import { declaredLength } from "@/lib/http/read-body";
import { requireSameOrigin } from "@/lib/http/same-origin";

export const dynamic = "force-dynamic";

/**
 * POST /api/internal/datasets/import?name=… with the CSV file as the body: the browser's upload
 * path, authenticated by the session cookie (editors and admins) instead of an API key, and only
 * from FusionLab's own pages. Answers 202 with the dataset; its job reports a bad row by line.
 */
export async function POST(request: Request) {
  try {
    const actor = await requireActionActor("editor");
    requireSameOrigin(request);
    const dataset = await receiveDatasetUpload(actor, Object.fromEntries(new URL(request.url).searchParams), {
      body: request.body,
      contentLength: declaredLength(request.headers.get("content-length")),
    });
    return Response.json(dataset, { status: 202 });
  } catch (err) {
    return errorResponse(err);
  }
}
