import { startExperiment } from "@/lib/experiments/change-status";
import { experimentRef, startExperimentInput } from "@/lib/experiments/experiment-input";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const POST = apiRoute(
  { scope: "experiments:write", params: experimentRef, body: startExperimentInput, optionalBody: true },
  async ({ actor, params, body }) => startExperiment(actor, params.id, body),
);
