import { apiRoute } from "@/lib/http/api-route";
import { METRICS_CONTENT_TYPE, metricsText } from "@/lib/metrics/metrics-text";

export const dynamic = "force-dynamic";

/** GET /metrics: Prometheus text format for an API key with the metrics:read scope (README, Operations). */
export const GET = apiRoute({ scope: "metrics:read", contentType: METRICS_CONTENT_TYPE }, async () => metricsText());
