import { experimentRef } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { apiRoute } from "@/lib/http/api-route";
import { experimentReport } from "@/lib/reports/build-report";
import { interleavingReport } from "@/lib/reports/interleaving-report";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read", params: experimentRef }, async ({ params }) => {
  const e = await findExperiment(params.id);
  return e.type === "interleaving" ? interleavingReport(e.id) : experimentReport(e.id);
});
