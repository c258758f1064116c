import { stopExperiment } from "@/lib/experiments/change-status";
import { experimentRef, stopExperimentInput } from "@/lib/experiments/experiment-input";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  { scope: "experiments:write", params: experimentRef, body: stopExperimentInput },
  async ({ actor, params, body }) => stopExperiment(actor, params.id, body),
);
