import { startExperiment } from "@/lib/experiments/change-status";
import { experimentRef } from "@/lib/experiments/experiment-input";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ scope: "experiments:write", params: experimentRef }, async ({ actor, params }) =>
  startExperiment(actor, params.id),
);
