import { apiRoute } from "@/lib/http/api-route";
import { powerBaselineQuery } from "@/lib/experiments/experiment-input";
import { powerBaseline } from "@/lib/experiments/power-baseline";

export const dynamic = "force-dynamic";

/** GET /api/v1/power/baseline?layer=…&metric=… → the history a power plan starts from, or null. */
export const GET = apiRoute({ scope: "experiments:read", query: powerBaselineQuery }, async ({ query }) => ({
  baseline: await powerBaseline(query),
}));
