import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/**
 * What each process counts about itself for GET /metrics (lib/metrics/metrics-text.ts): serving
 * latency by route and status, decisions and events written, group-commit batch sizes, policy cache
 * hits, plus prom-client's process metrics (CPU, memory, event-loop lag, GC). One instance per
 * process, shared across Next.js bundles like the decision writer; in a cluster of web processes the
 * primary sums them (prom-client's AggregatorRegistry).
 */
function create() {
  const registry = new Registry();
  // Event-loop lag at prom-client's default sampling (every 10 ms), although each sample wakes an idle
  // process (~4 ms of CPU per second per process on the benchmark VM; 0.9 ms at 100 ms): Node's delay
  // histogram counts the sampling interval in every value, so a coarser one would shift each lag
  // gauge (min, mean, percentiles) by it and break dashboards and alerts that read them as lag.
  collectDefaultMetrics({ register: registry, prefix: "fusionlab_" });
  return {
    registry,
    apiDuration: new Histogram({
      name: "fusionlab_api_request_duration_seconds",
      help:
        "Time from a serving request's arrival to its answer (body read, validation, scoring, commit), by " +
        "route and HTTP status",
      labelNames: ["route", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    decisionsWritten: new Counter({
      name: "fusionlab_decisions_written_total",
      help: "Decisions committed (with their shown items)",
      registers: [registry],
    }),
    decisionBatchSize: new Histogram({
      name: "fusionlab_decision_batch_size",
      help: "Decisions per group-commit INSERT",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500],
      registers: [registry],
    }),
    eventsWritten: new Counter({
      name: "fusionlab_events_written_total",
      help: "Events accepted by POST /api/v1/events, by outcome (stored or duplicate)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    policyCache: new Counter({
      name: "fusionlab_policy_cache_requests_total",
      help: "Serving-policy lookups by outcome: hit (loaded already) or miss (loaded from the database now)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
  };
}

const shared = globalThis as unknown as { fusionlabProcessMetrics?: ReturnType<typeof create> };
export const processMetrics = (shared.fusionlabProcessMetrics ??= create());
