import { z } from "zod";
import { importDatasetQuery } from "@/lib/dataset-store/import-dataset";
import { simulateDatasetInput } from "@/lib/dataset-store/dataset-input";
import { eventsBody } from "@/lib/events/event-input";
import {
  assignmentQuery,
  createExperimentInput,
  createLayerInput,
  listExperimentsQuery,
  patchExperimentInput,
  powerBaselineQuery,
  startExperimentInput,
  stopExperimentInput,
} from "@/lib/experiments/experiment-input";
import { enqueueJobBody, jobIdParams, listJobsQuery } from "@/lib/jobs/job-api";
import { createScenarioInput } from "@/lib/scenarios/scenario-service";
import { createMetricInput, patchMetricInput } from "@/lib/metrics/metric-input";
import { rankBody } from "@/lib/serving/rank-input";
import { powerRequestSchema } from "@/lib/stats/power";
import { API_SCOPES } from "@/lib/api-keys/scopes";
import { idOrKeyParams } from "@/lib/validation";

/**
 * The OpenAPI 3.1 description of /api/v1, built from the zod schemas the routes validate with (zod 4
 * emits JSON Schema 2020-12, OpenAPI 3.1's dialect), so the contract and the code cannot drift
 * apart. Served at /api/v1/openapi.json; test/integration/openapi.test.ts validates it and checks
 * that every route file under app/api/v1 is described.
 */
type Method = "get" | "post" | "patch" | "delete";
type Scope = keyof typeof API_SCOPES;

interface Operation {
  method: Method;
  path: string;
  scope: Scope | null;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The JSON body may be left out (it only carries options). */
  optionalBody?: boolean;
  /** A non-JSON request body (the CSV upload). */
  rawBody?: { contentType: string; description: string };
  status: number;
  response: string;
  responseSchema?: z.ZodType;
  /** A non-JSON response (the report as CSV). */
  responseContentType?: string;
}

const rankResponse = z.object({
  decisionId: z.uuid().meta({ description: "Quote it in /api/v1/events to attribute feedback to this ranking" }),
  experiment: z
    .string()
    .nullable()
    .meta({ description: "Key of the experiment that served the user, null outside experiments" }),
  arm: z.string().nullable().meta({
    description:
      "The arm that served the user; null outside experiments and in interleaving experiments (every arm contributed)",
  }),
  policyVersion: z.string().nullable().meta({
    description:
      "Id of the policy version that ranked; null: the built-in default policy, or an interleaving experiment",
  }),
  items: z.array(z.object({ itemId: z.string(), score: z.number() }).loose()).meta({
    description:
      "The top k candidates, best first. Interleaving experiments: the team-draft merge of every arm's ranking, " +
      "each score from the arm that placed the item",
  }),
});
const eventsResponse = z.object({ accepted: z.number().int(), duplicates: z.number().int() });

const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/api/v1/rank",
    scope: "serve",
    summary: "Rank candidates with the fusion policy of the user's arm",
    body: rankBody,
    status: 200,
    response: "The ranked items and who served them",
    responseSchema: rankResponse,
  },
  {
    method: "post",
    path: "/api/v1/events",
    scope: "serve",
    summary: "Record feedback events (idempotent by eventId)",
    body: eventsBody,
    status: 200,
    response: "How many events were new",
    responseSchema: eventsResponse,
  },
  {
    method: "get",
    path: "/api/v1/layers",
    scope: "experiments:read",
    summary: "List layers with their allocations and free buckets",
    status: 200,
    response: "{ layers: [...] }",
  },
  {
    method: "post",
    path: "/api/v1/layers",
    scope: "experiments:write",
    summary: "Create a layer (10,000 buckets)",
    body: createLayerInput,
    status: 201,
    response: "The layer",
  },
  {
    method: "get",
    path: "/api/v1/experiments",
    scope: "experiments:read",
    summary: "List experiments",
    query: listExperimentsQuery,
    status: 200,
    response: "{ experiments: [...] }",
  },
  {
    method: "post",
    path: "/api/v1/experiments",
    scope: "experiments:write",
    summary: "Create a draft experiment",
    body: createExperimentInput,
    status: 201,
    response: "The experiment, arms with their hash ranges",
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}",
    scope: "experiments:read",
    summary: "One experiment by uuid or key",
    params: idOrKeyParams,
    status: 200,
    response: "The experiment",
  },
  {
    method: "patch",
    path: "/api/v1/experiments/{id}",
    scope: "experiments:write",
    summary: "Edit a draft, or ramp a running experiment's coverage / layer buckets",
    params: idOrKeyParams,
    body: patchExperimentInput,
    status: 200,
    response: "The experiment",
  },
  {
    method: "post",
    path: "/api/v1/experiments/{id}/start",
    scope: "experiments:write",
    summary:
      "Start a draft (its buckets must be free). Launch gate: 409 naming the arm when a treatment has no offline " +
      "evaluation against the control's policy or is significantly worse offline (with lift and interval), unless " +
      "the optional body overrides it with a reason",
    params: idOrKeyParams,
    body: startExperimentInput,
    optionalBody: true,
    status: 200,
    response: "The experiment",
  },
  {
    method: "post",
    path: "/api/v1/experiments/{id}/stop",
    scope: "experiments:write",
    summary: "Stop a running experiment, recording the decision (ship an arm / ship nothing / rerun) and a note",
    params: idOrKeyParams,
    body: stopExperimentInput,
    status: 200,
    response: "The experiment",
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/assignment",
    scope: "experiments:read",
    summary: "Which arm a user gets (GrowthBook-compatible hashing)",
    params: idOrKeyParams,
    query: assignmentQuery,
    status: 200,
    response: "{ inExperiment, arm, bucket }",
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/report",
    scope: "experiments:read",
    summary:
      "The uplift report: the verdict per treatment (ship / don't ship / keep running / inconclusive / not enough " +
      "data) with its tests; per arm users and means; per treatment lift, 95% CI, p, Holm-adjusted p, CUPED, " +
      "always-valid CI; SRM; daily series; health checks (SRM per day, users in more than one arm and events " +
      "before exposure / after stop or attribution window — excluded and counted, pre-period coverage, guardrails " +
      "without data); exploratory segments of the primary metric. For an interleaving experiment (type " +
      "interleaving) the interleaving report instead: per pair of arms and metric, users preferring each arm, " +
      "ties, preference share with 95% CI, sign test p and the sequential verdict",
    params: idOrKeyParams,
    status: 200,
    response: "The report",
  },
  {
    method: "get",
    path: "/api/v1/experiments/{id}/report.csv",
    scope: "experiments:read",
    summary:
      "The report as CSV: one row per metric and arm with estimates, intervals, p-values, the verdict or " +
      "guardrail status and its deciding interval",
    params: idOrKeyParams,
    status: 200,
    response: "The report, CSV with a header row",
    responseContentType: "text/csv",
  },
  {
    method: "get",
    path: "/api/v1/metrics",
    scope: "experiments:read",
    summary: "The metric catalogue (built-in and user-defined metrics)",
    status: 200,
    response: "{ metrics: [...] }",
  },
  {
    method: "post",
    path: "/api/v1/metrics",
    scope: "experiments:write",
    summary: "Define a metric (mean, proportion, ratio or per-session mean of events, requests or sessions)",
    body: createMetricInput,
    status: 201,
    response: "The metric",
  },
  {
    method: "get",
    path: "/api/v1/metrics/{id}",
    scope: "experiments:read",
    summary: "One metric by uuid or key",
    params: idOrKeyParams,
    status: 200,
    response: "The metric",
  },
  {
    method: "patch",
    path: "/api/v1/metrics/{id}",
    scope: "experiments:write",
    summary: "Change a user-defined metric (built-ins cannot be edited: 409)",
    params: idOrKeyParams,
    body: patchMetricInput,
    status: 200,
    response: "The metric",
  },
  {
    method: "delete",
    path: "/api/v1/metrics/{id}",
    scope: "experiments:write",
    summary: "Delete a user-defined metric no experiment uses (else 409)",
    params: idOrKeyParams,
    status: 200,
    response: "{ deleted: key }",
  },
  {
    method: "post",
    path: "/api/v1/power",
    scope: "experiments:read",
    summary:
      "Plan an experiment: users per arm and days for an MDE (fixed-horizon and sequential), or the MDE of a user " +
      "count",
    body: powerRequestSchema,
    status: 200,
    response: "The plan",
  },
  {
    method: "get",
    path: "/api/v1/power/baseline",
    scope: "experiments:read",
    summary:
      "A metric's baseline mean, standard deviation, CUPED correlation and daily users per layer, from the " +
      "control arm of a recent experiment (this layer's first); null without history",
    query: powerBaselineQuery,
    status: 200,
    response: "{ baseline } (null without history)",
  },
  {
    method: "get",
    path: "/api/v1/scenarios",
    scope: "policies:read",
    summary: "List simulator scenarios",
    status: 200,
    response: "{ scenarios: [...] }",
  },
  {
    method: "post",
    path: "/api/v1/scenarios",
    scope: "policies:write",
    summary: "Create a scenario (any subset of parameters; defaults fill the rest)",
    body: createScenarioInput,
    status: 201,
    response: "The scenario",
  },
  {
    method: "get",
    path: "/api/v1/scenarios/{id}",
    scope: "policies:read",
    summary: "One scenario by uuid or key",
    params: idOrKeyParams,
    status: 200,
    response: "The scenario",
  },
  {
    method: "get",
    path: "/api/v1/datasets",
    scope: "policies:read",
    summary: "List datasets with their manifest summary",
    status: 200,
    response: "{ datasets: [...] }",
  },
  {
    method: "post",
    path: "/api/v1/datasets",
    scope: "policies:write",
    summary: "Simulate a dataset (built by the simulate-dataset job)",
    body: simulateDatasetInput,
    status: 202,
    response: "The dataset, building",
  },
  {
    method: "post",
    path: "/api/v1/datasets/import",
    scope: "policies:write",
    summary: "Upload KuaiRand-layout CSV (converted by the import-dataset job)",
    query: importDatasetQuery,
    rawBody: {
      contentType: "text/csv",
      description: "The CSV file, at most 512 MiB; binary files are refused as not a CSV file",
    },
    status: 202,
    response: "The dataset, building",
  },
  {
    method: "get",
    path: "/api/v1/datasets/{id}",
    scope: "policies:read",
    summary: "One dataset",
    params: idOrKeyParams,
    status: 200,
    response: "The dataset",
  },
  {
    method: "get",
    path: "/api/v1/jobs",
    scope: "policies:read",
    summary: "List jobs with state, progress, attempts, error",
    query: listJobsQuery,
    status: 200,
    response: "{ jobs: [...] }",
  },
  {
    method: "post",
    path: "/api/v1/jobs",
    scope: "policies:write",
    summary: "Enqueue a registered job (train-policy, evaluate-policy, simulate-traffic, …)",
    body: enqueueJobBody,
    status: 201,
    response: "The job",
  },
  {
    method: "get",
    path: "/api/v1/jobs/{id}",
    scope: "policies:read",
    summary: "One job with its log",
    params: jobIdParams,
    status: 200,
    response: "The job",
  },
  {
    method: "post",
    path: "/api/v1/jobs/{id}/cancel",
    scope: "policies:write",
    summary: "Cancel a job (a running one stops at its next progress report)",
    params: jobIdParams,
    status: 200,
    response: "The job",
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    scope: null,
    summary: "This description",
    status: 200,
    response: "OpenAPI 3.1 document",
  },
];

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema of a request (input) or response (output) schema; hand-checked parts (feature maps) read as objects of
 * numbers.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: (ctx) => {
      const def = (ctx.zodSchema as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === "custom")
        Object.assign(ctx.jsonSchema, { type: "object", additionalProperties: { type: "number" } });
    },
  }) as JsonSchema;
  delete out.$schema; // OpenAPI 3.1's jsonSchemaDialect says it once
  return out;
}

function parameters(where: "path" | "query", schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === "path" || (s.required ?? []).includes(name),
    schema: p,
  }));
}

const ERROR = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        issues: {
          type: "array",
          items: {
            type: "object",
            required: ["path", "message"],
            properties: { path: { type: "string" }, message: { type: "string" } },
          },
        },
      },
    },
  },
};

export function openApiDocument(serverUrl = "/"): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) {
    const errorRef = { $ref: "#/components/responses/Error" };
    const operation: JsonSchema = {
      operationId: `${op.method}${op.path
        .replace("/api/v1", "")
        .replace(/\.json$/, "")
        .replace(/\/\{?(\w+)\}?/g, (_m, w: string) => w[0].toUpperCase() + w.slice(1))}`,
      summary: op.summary,
      ...(op.scope
        ? { security: [{ apiKey: [] }], description: `Needs an API key with the \`${op.scope}\` scope.` }
        : { security: [] }),
      parameters: [...parameters("path", op.params), ...parameters("query", op.query)],
      ...(op.body
        ? {
            requestBody: {
              required: !op.optionalBody,
              content: { "application/json": { schema: jsonSchema(op.body, "input") } },
            },
          }
        : {}),
      ...(op.rawBody
        ? {
            requestBody: {
              required: true,
              description: op.rawBody.description,
              content: { [op.rawBody.contentType]: { schema: { type: "string" } } },
            },
          }
        : {}),
      responses: {
        [String(op.status)]: {
          description: op.response,
          content: op.responseContentType
            ? { [op.responseContentType]: { schema: { type: "string" } } }
            : {
                "application/json": {
                  schema: op.responseSchema ? jsonSchema(op.responseSchema, "output") : { type: "object" },
                },
              },
        },
        ...(op.scope ? { "400": errorRef, "401": errorRef, "403": errorRef, "429": errorRef } : {}),
        ...(op.params ? { "404": errorRef } : {}),
        ...(op.body || op.rawBody ? { "413": errorRef } : {}),
        ...(op.method !== "get" ? { "409": errorRef, "422": errorRef } : {}),
      },
    };
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "FusionLab API",
      version: "1",
      description:
        "Fusion ranking, feedback events, experiments, policies and jobs. Errors are `{ error: { code, message, " +
        "issues? } }`; `issues` name the fields at fault.",
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description:
            `A FusionLab API key (flk_…), sent as Authorization: Bearer <key>. ` +
            `Scopes: ${Object.keys(API_SCOPES).join(", ")}.`,
        },
      },
      responses: {
        Error: {
          description: "The request was refused; the message and issues say why",
          content: { "application/json": { schema: ERROR } },
        },
      },
    },
  };
}

/** [method, path] of every described operation (for tests and docs). */
export const describedOperations = () => OPERATIONS.map((o) => [o.method, o.path] as const);
