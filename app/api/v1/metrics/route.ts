import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { createMetric, listMetrics } from "@/lib/metrics/metric-catalogue";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read" }, async () => ({ metrics: await listMetrics() }));

// The body is validated in createMetric (one schema for API, UI and tests); here it is only JSON.
export const POST = apiRoute(
  { scope: "experiments:write", body: z.unknown(), successStatus: 201 },
  async ({ actor, body }) => createMetric(actor, body),
);
