import { z } from "zod";
import { requireActionActor } from "@/lib/auth/session";
import { errorResponse } from "@/lib/http/error-response";
import { experimentReport } from "@/lib/reports/build-report";
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
    const report = await experimentReport(decodeURIComponent((await context.params).id));
    const body = format === "csv" ? reportCsv(report) : JSON.stringify(report, null, 2);
    return new Response(body, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json",
        "content-disposition": `attachment; filename="${reportFileName(report, format)}"`,
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
