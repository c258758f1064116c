import { AppError } from "@/lib/errors";
import { experimentRef } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { apiRoute } from "@/lib/http/api-route";
import { experimentReport } from "@/lib/reports/build-report";
import { reportCsv } from "@/lib/reports/report-export";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { scope: "experiments:read", params: experimentRef, contentType: "text/csv; charset=utf-8" },
  async ({ params }) => {
    const e = await findExperiment(params.id);
    if (e.type === "interleaving")
      throw new AppError(
        "conflict",
        "an interleaving experiment's report is JSON only: GET /api/v1/experiments/{id}/report",
      );
    return reportCsv(await experimentReport(e.id));
  },
);
