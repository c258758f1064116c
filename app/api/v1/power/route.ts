import { apiRoute } from "@/lib/http/api-route";
import { planPower, powerRequestSchema } from "@/lib/stats/power";

export const dynamic = "force-dynamic";

// A computation over the caller's inputs: it reads and writes nothing, so the read scope suffices.
export const POST = apiRoute({ scope: "experiments:read", body: powerRequestSchema }, async ({ body }) =>
  planPower(body),
);
