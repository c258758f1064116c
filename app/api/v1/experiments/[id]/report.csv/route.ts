import { experimentRef } from "@/lib/experiments/experiment-input";
import { apiRoute } from "@/lib/http/api-route";
import { experimentReport } from "@/lib/reports/build-report";
import { reportCsv } from "@/lib/reports/report-export";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { scope: "experiments:read", params: experimentRef, contentType: "text/csv; charset=utf-8" },
  async ({ params }) => reportCsv(await experimentReport(params.id)),
);
