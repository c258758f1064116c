import { experimentRef } from "@/lib/experiments/experiment-input";
import { apiRoute } from "@/lib/http/api-route";
import { experimentReport } from "@/lib/reports/build-report";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read", params: experimentRef }, async ({ params }) =>
  experimentReport(params.id),
);
