import { importDatasetCsv } from "@/lib/dataset-store/import-dataset";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

/** POST /api/v1/datasets/import?name=… with the CSV as the body (text/csv). */
export const POST = apiRoute({ scope: "policies:write", successStatus: 201 }, async ({ actor, request }) =>
  importDatasetCsv(actor, Object.fromEntries(new URL(request.url).searchParams), request.body),
);
