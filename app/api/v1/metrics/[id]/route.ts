import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { deleteMetric, findMetric, updateMetric } from "@/lib/metrics/metric-catalogue";
import { idOrKeyParams } from "@/lib/validation";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ scope: "experiments:read", params: idOrKeyParams }, async ({ params }) =>
  findMetric(params.id),
);

export const PATCH = apiRoute(
  { scope: "experiments:write", params: idOrKeyParams, body: z.unknown() },
  async ({ actor, params, body }) => updateMetric(actor, params.id, body),
);

export const DELETE = apiRoute({ scope: "experiments:write", params: idOrKeyParams }, async ({ actor, params }) =>
  deleteMetric(actor, params.id),
);
