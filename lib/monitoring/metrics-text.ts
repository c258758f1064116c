import { AggregatorRegistry, type PrometheusContentType } from "prom-client";
import { apiRoute } from "@/lib/http/api-route";
import { jobMetrics } from "@/lib/monitoring/job-metrics";
import { processMetrics } from "@/lib/monitoring/process-metrics";

/**
 * GET /metrics on the metrics port (FUSIONLAB_METRICS_PORT, scripts/web.ts), Prometheus text format,
 * for API keys with the metrics:read scope. With several web processes (FUSIONLAB_WEB_PROCESSES > 1)
 * the cluster primary answers it: it collects every server process's metrics over IPC and sums them
 * (prom-client's AggregatorRegistry), so one scrape covers all the traffic. Job metrics come from the
 * database once per scrape.
 */
let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;

/** In the cluster primary: answer scrapes with the server processes' metrics, summed. */
export function collectClusterMetrics(): void {
  aggregator = new AggregatorRegistry();
}

/** In a cluster's server process: let the primary collect this process's registry. */
export function joinClusterMetrics(): void {
  // Constructing one installs prom-client's listener for the primary's collection requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([processMetrics.registry]);
}

export async function metricsText(): Promise<string> {
  const [own, jobs] = await Promise.all([
    aggregator ? aggregator.clusterMetrics() : processMetrics.registry.metrics(),
    jobMetrics.metrics(),
  ]);
  return `${own.trimEnd()}\n\n${jobs}`;
}

export const metricsEndpoint = apiRoute(
  { scope: "metrics:read", contentType: processMetrics.registry.contentType },
  async () => metricsText(),
);
