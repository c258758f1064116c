import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { AggregatorRegistry } from "prom-client";
import { jobMetrics } from "@/lib/metrics/job-metrics";
import { processMetrics } from "@/lib/metrics/process-metrics";

/**
 * The text GET /metrics answers (Prometheus exposition format). With several web processes
 * (FUSIONLAB_WEB_PROCESSES > 1) a scrape lands on one of them, but its counters cover only its own
 * share of the traffic: it asks the cluster primary, which collects every server process's metrics
 * over IPC and sums them (prom-client's AggregatorRegistry). Job metrics come from the database once.
 */
const REQUEST = "fusionlab:metrics-request";
const REPLY = "fusionlab:metrics-reply";
const TIMEOUT_MS = 5_000;

type Reply = { type: typeof REPLY; id: string; text?: string; error?: string };
const waiting = new Map<string, (reply: Reply) => void>();

/** In the cluster primary (scripts/web.ts): answer server processes' metrics requests. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, msg: { type?: string; id?: string }) => {
    if (msg?.type !== REQUEST || typeof msg.id !== "string") return;
    const id = msg.id;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: REPLY, id, text } satisfies Reply),
      (err: unknown) => worker.send({ type: REPLY, id, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
}

/** In a cluster's server process: its registry answers the primary's collection requests, and the primary its own requests. */
export function joinClusterMetrics(): void {
  // Constructing one installs prom-client's listener for the primary's collection requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([processMetrics.registry]);
  process.on("message", (msg: Reply) => {
    if (msg?.type === REPLY) waiting.get(msg.id)?.(msg);
  });
}

function fromPrimary(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error("the cluster primary did not answer the metrics request"));
    }, TIMEOUT_MS);
    waiting.set(id, (reply) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (reply.text !== undefined) resolve(reply.text);
      else reject(new Error(reply.error ?? "metrics collection failed"));
    });
    process.send!({ type: REQUEST, id });
  });
}

export async function metricsText(): Promise<string> {
  const [own, jobs] = await Promise.all([cluster.isWorker && process.send ? fromPrimary() : processMetrics.registry.metrics(), jobMetrics.metrics()]);
  return `${own.trimEnd()}\n\n${jobs}`;
}

export const METRICS_CONTENT_TYPE = processMetrics.registry.contentType;
