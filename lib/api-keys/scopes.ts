/**
 * What an API key may do. Keys are for machines (ranking services, CI, automation); each /api/v1
 * route names the scope it needs.
 */
export const API_SCOPES = {
  "experiments:read": "Read layers, experiments, assignments and reports",
  "experiments:write": "Create, change, start and stop layers and experiments",
  "policies:read": "Read policies, versions, datasets and jobs",
  "policies:write": "Start training, evaluation and simulation jobs",
  serve: "Call /api/v1/rank and send /api/v1/events",
  "metrics:read": "Scrape GET /metrics on the metrics port (Prometheus: serving latency, writes, cache hits, jobs)",
} as const;

export type ApiScope = keyof typeof API_SCOPES;
export const ALL_SCOPES = Object.keys(API_SCOPES) as ApiScope[];
