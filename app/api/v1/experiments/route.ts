import { z } from "zod";
import { safeString } from "@/lib/validation";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { listExperiments } from "@/lib/experiments/find-experiment";
import { serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { apiRoute } from "@/lib/http/api-route";

export const dynamic = "force-dynamic";

const listQuery = z.object({ status: z.enum(["draft", "running", "stopped"]).optional(), layer: safeString().optional() });

export const GET = apiRoute({ scope: "experiments:read", query: listQuery }, async ({ query }) => ({
  experiments: (await listExperiments(query)).map(serializeExperiment),
}));

// The body is validated in createExperiment (one schema for API, UI and tests); here it is only JSON.
export const POST = apiRoute({ scope: "experiments:write", body: z.unknown(), successStatus: 201 }, async ({ actor, body }) => createExperiment(actor, body));
