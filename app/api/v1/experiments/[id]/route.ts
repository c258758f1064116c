import { z } from "zod";
import { experimentRef } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { updateExperiment } from "@/lib/experiments/update-experiment";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read", params: experimentRef }, async ({ params }) =>
  serializeExperiment(await findExperiment(params.id)),
);

export const PATCH = apiRoute(
  { scope: "experiments:write", params: experimentRef, body: z.unknown() },
  async ({ actor, params, body }) => updateExperiment(actor, params.id, body),
);
