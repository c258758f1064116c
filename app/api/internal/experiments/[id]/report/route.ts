import { z } from "zod";
import { requireActionActor } from "@/lib/auth/session";
import { errorResponse } from "@/lib/http/error-response";
import { AppError } from "@/lib/errors";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { experimentReport } from "@/lib/reports/build-report";
import { interleavingReport } from "@/lib/reports/interleaving-report";
import { reportCsv, reportFileName } from "@/lib/reports/report-export";
import { parseInput } from "@/lib/validation";

export const dynamic = "force-dynamic";

const query = z.object({ format: z.enum(["csv", "json"]).default("json") });

/**
 * GET /api/internal/experiments/{id}/report?format=csv|json: the report as a download for the
 * experiment page, authenticated by the session cookie (any signed-in user) instead of an API key.
 */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  try {
    await requireActionActor("viewer");
    const { format } = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), "query");
    const e = await findExperiment(decodeURIComponent((await context.params).id));
    let body: string;
    if (e.type === "interleaving") {
      if (format === "csv")
        throw new AppError("conflict", "an interleaving experiment's report downloads as JSON only");
      body = JSON.stringify(await interleavingReport(e.id), null, 2);
    } else {
      const report = await experimentReport(e.id);
      body = format === "csv" ? reportCsv(report) : JSON.stringify(report, null, 2);
    }
    return new Response(body, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json",
        "content-disposition": `attachment; filename="${reportFileName(e.key, format)}"`,
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
