import { receiveDatasetUpload } from "@/lib/dataset-store/import-dataset";
import { apiRoute } from "@/lib/http/api-route";
import { declaredLength } from "@/lib/http/read-body";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/datasets/import?name=… with the CSV as the body (text/csv) → 202 with the dataset being built by its
 * job.
 */
export const POST = apiRoute({ scope: "policies:write", successStatus: 202 }, async ({ actor, request }) =>
  receiveDatasetUpload(actor, Object.fromEntries(new URL(request.url).searchParams), {
    body: request.body,
    contentLength: declaredLength(request.headers.get("content-length")),
  }),
);
