import { z } from "zod";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { listExperimentsQuery } from "@/lib/experiments/experiment-input";
import { listExperiments } from "@/lib/experiments/find-experiment";
import { serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read", query: listExperimentsQuery }, async ({ query }) => ({
  experiments: (await listExperiments(query)).map(serializeExperiment),
}));

// The body is validated in createExperiment (one schema for API, UI and tests); here it is only JSON.
export const POST = apiRoute(
  { scope: "experiments:write", body: z.unknown(), successStatus: 201 },
  async ({ actor, body }) => createExperiment(actor, body),
);
