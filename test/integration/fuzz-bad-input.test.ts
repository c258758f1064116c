import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as apiKeyActions from "@/app/actions/api-keys";
import * as dataActions from "@/app/actions/data";
import * as experimentActions from "@/app/actions/experiments";
import * as jobActions from "@/app/actions/jobs";
import * as metricActions from "@/app/actions/metrics";
import * as policyActions from "@/app/actions/policies";
import * as userActions from "@/app/actions/users";
import * as catchAll from "@/app/api/v1/[...path]/route";
import * as datasetRoute from "@/app/api/v1/datasets/[id]/route";
import * as datasetImportRoute from "@/app/api/v1/datasets/import/route";
import * as datasetsRoute from "@/app/api/v1/datasets/route";
import * as eventsRoute from "@/app/api/v1/events/route";
import * as assignmentRoute from "@/app/api/v1/experiments/[id]/assignment/route";
import * as reportRoute from "@/app/api/v1/experiments/[id]/report/route";
import * as experimentRoute from "@/app/api/v1/experiments/[id]/route";
import * as startRoute from "@/app/api/v1/experiments/[id]/start/route";
import * as stopRoute from "@/app/api/v1/experiments/[id]/stop/route";
import * as experimentsRoute from "@/app/api/v1/experiments/route";
import * as cancelRoute from "@/app/api/v1/jobs/[id]/cancel/route";
import * as jobRoute from "@/app/api/v1/jobs/[id]/route";
import * as jobsRoute from "@/app/api/v1/jobs/route";
import * as layersRoute from "@/app/api/v1/layers/route";
import * as metricRoute from "@/app/api/v1/metrics/[id]/route";
import * as metricsRoute from "@/app/api/v1/metrics/route";
import * as rankRoute from "@/app/api/v1/rank/route";
import * as scenarioRoute from "@/app/api/v1/scenarios/[id]/route";
import * as scenariosRoute from "@/app/api/v1/scenarios/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { ALL_SCOPES } from "@/lib/api-keys/scopes";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { STATUS_BY_CODE } from "@/lib/errors";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import { createMetric } from "@/lib/metrics/metric-catalogue";
import { createUser } from "@/lib/users/create-user";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { setupTestDatabase } from "@/test/support/test-database";

/**
 * Bad-input fuzzing: generated malformed, wrongly typed, deeply nested, unicode-edge (NUL, lone
 * surrogates), over-long and non-JSON requests to every /api/v1 route, and bad arguments to every
 * server action. Every request is invalid by construction, so each must get a 4xx in the API's error
 * shape (actions: a field-level message, never the "something went wrong" of an unexpected error),
 * and not one row in the database may change.
 */
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
// Server actions run as a signed-in admin (the session itself is tested in user-sessions.test.ts).
const admin = { id: "", email: "fuzz-admin@example.com" };
vi.mock("@/lib/auth/session", () => ({
  requireActionActor: async () => ({ kind: "user", userId: admin.id, email: admin.email, role: "admin" }),
}));

setupTestDatabase("fl_fuzz");

let key = "";
let draftId = "";
let total = 0;

beforeAll(async () => {
  key = (await createApiKey(SYSTEM_ACTOR, { name: "fuzz", scopes: [...ALL_SCOPES] })).key;
  admin.id = (
    await createUser(SYSTEM_ACTOR, { email: admin.email, name: "Fuzz", password: "fuzz-password", role: "admin" })
  ).id;
  await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
  await createMetric(SYSTEM_ACTOR, {
    key: "fz-metric",
    name: "Fuzz metric",
    kind: "mean",
    numerator: { source: "events", eventTypes: ["play"], aggregate: "sum" },
  });
  draftId = (
    await createExperiment(SYSTEM_ACTOR, {
      key: "fz-draft",
      name: "Draft",
      layer: "main",
      primaryMetric: "valid_consumption",
      arms: [
        { key: "control", control: true, weight: 0.5 },
        { key: "t", weight: 0.5 },
      ],
    })
  ).id;
});

/** Every row of every table, hashed per table (ApiKey.lastUsedAt is a usage stamp, so that table is only counted). */
async function snapshot(): Promise<Record<string, string>> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
    WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE' ORDER BY 1`;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const sql = name.endsWith('"ApiKey"')
      ? `SELECT count(*)::text AS h FROM ${name}`
      : `SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM ${name} t`;
    out[name] = (await db.$queryRawUnsafe<{ h: string }[]>(sql))[0].h;
  }
  return out;
}

// ——— generators ———
const POISON = ["\u0000", "\ud800", "\udc00", "\udbff", "\udfff\ud800"];
const poisonString = fc
  .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...POISON), fc.string({ maxLength: 6 }))
  .map(([a, p, b]) => a + p + b);
/** For values that travel in a URL, where only NUL survives (%00). */
const nulString = fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })).map(([a, b]) => `${a}\u0000${b}`);
const nested = (depth: number, leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};
/** Values no string (or number) field of any schema accepts. */
const wrongType = fc.oneof(
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.integer({ min: 20, max: 3_000 }).map((d) => nested(d, "x")),
);
const badLeaf = fc.oneof(poisonString, wrongType);
/** A valid-looking body with one string or number leaf replaced by something no schema accepts there. */
function mutated(template: unknown) {
  const leaves: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (typeof v === "string" || typeof v === "number") leaves.push(path);
    else if (v && typeof v === "object")
      for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(template, []);
  return fc.tuple(fc.constantFrom(...leaves), fc.oneof(poisonString, badLeaf)).map(([path, bad]) => {
    const copy = structuredClone(template) as Record<string | number, unknown>;
    let at = copy;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    at[path.at(-1)!] = bad;
    return JSON.stringify(copy);
  });
}
/** Bodies that are no request of any route: not JSON, JSON but not an object, or thousands of levels deep. */
const badBody = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => "\u0001" + s),
  fc
    .oneof(
      fc.integer(),
      fc.string({ maxLength: 10 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
    )
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 100, max: 5_000 }).map((d) => "[".repeat(d) + "]".repeat(d)),
);
const badId = fc.oneof(
  poisonString,
  fc.string({ minLength: 201, maxLength: 260 }),
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => `nope-${s}`),
);

// ——— calling routes ———
type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
async function expectRefused(res: Response, what: string) {
  total++;
  const body = (await res.json()) as {
    error?: { code: keyof typeof STATUS_BY_CODE; message: string; issues?: { path: string; message: string }[] };
  };
  if (res.status < 400 || res.status >= 500)
    throw new Error(`${what}: status ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  expect(body.error?.message, what).toEqual(expect.any(String));
  expect(STATUS_BY_CODE[body.error!.code], what).toBe(res.status);
  for (const issue of body.error!.issues ?? [])
    expect(issue, what).toEqual({ path: expect.any(String), message: expect.any(String) });
}
function call(
  handler: Handler,
  method: string,
  path: string,
  opts: { body?: string; params?: Record<string, string | string[]> } = {},
) {
  const req = new Request(`http://fuzz${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: opts.body,
  });
  return handler(req, { params: Promise.resolve(opts.params ?? {}) });
}
// A URL cannot carry a lone surrogate (its bytes decode to U+FFFD): the raw value goes in params.
const q = (s: string) => encodeURIComponent(s.toWellFormed());

const templates = {
  layer: { key: "fz-layer", name: "Fuzz layer", priority: 3 },
  experiment: {
    key: "fz-exp",
    name: "Fuzz",
    hypothesis: "h",
    layer: "main",
    primaryMetric: "valid_consumption",
    arms: [
      { key: "control", control: true, weight: 0.5 },
      { key: "t", name: "T", weight: 0.5 },
    ],
  },
  patch: { name: "renamed", hypothesis: "h2", coverage: 0.5 },
  // The draft cannot stop (409), so even a valid decision changes nothing.
  stop: { decision: "ship", arm: "t", note: "n" },
  rank: { userId: "u", requestId: "r", context: { sessionId: "s" }, candidates: rankCandidates(2), k: 1 },
  events: {
    events: [
      { eventId: "e1", userId: "u", itemId: "i", type: "like", value: 1 },
      { eventId: "e2", userId: "u", type: "play", value: 3 },
    ],
  },
  scenario: { key: "fz-scn", name: "Fuzz", description: "d", config: { world: { items: 100 } } },
  dataset: { name: "fz-data", scenario: "default", seed: "s", sessions: 5 },
  job: { type: "db-maintenance", payload: { jobLogRetentionDays: 5 } },
  metric: {
    key: "fz-new",
    name: "M",
    description: "d",
    kind: "mean",
    numerator: { source: "events", eventTypes: ["play"], aggregate: "sum" },
    direction: "lower",
    cap: "fixed",
    capValue: 30,
    allowedHarm: 0.05,
  },
  metricPatch: { name: "M2", description: "d2", cap: "percentile", capValue: 99, allowedHarm: 0.1 },
};

/** [name, body arbitrary, request] for every route that takes a body; each also gets the generic bad bodies. */
const bodyRoutes: [string, unknown, (body: string) => Promise<Response>][] = [
  ["POST /layers", templates.layer, (b) => call(layersRoute.POST as Handler, "POST", "/api/v1/layers", { body: b })],
  [
    "POST /experiments",
    templates.experiment,
    (b) => call(experimentsRoute.POST as Handler, "POST", "/api/v1/experiments", { body: b }),
  ],
  [
    "PATCH /experiments/{id}",
    templates.patch,
    (b) =>
      call(experimentRoute.PATCH as Handler, "PATCH", `/api/v1/experiments/${draftId}`, {
        body: b,
        params: { id: draftId },
      }),
  ],
  [
    "POST /experiments/{id}/stop",
    templates.stop,
    (b) =>
      call(stopRoute.POST as Handler, "POST", `/api/v1/experiments/${draftId}/stop`, {
        body: b,
        params: { id: draftId },
      }),
  ],
  ["POST /rank", templates.rank, (b) => call(rankRoute.POST as Handler, "POST", "/api/v1/rank", { body: b })],
  ["POST /events", templates.events, (b) => call(eventsRoute.POST as Handler, "POST", "/api/v1/events", { body: b })],
  [
    "POST /scenarios",
    templates.scenario,
    (b) => call(scenariosRoute.POST as Handler, "POST", "/api/v1/scenarios", { body: b }),
  ],
  [
    "POST /datasets",
    templates.dataset,
    (b) => call(datasetsRoute.POST as Handler, "POST", "/api/v1/datasets", { body: b }),
  ],
  ["POST /jobs", templates.job, (b) => call(jobsRoute.POST as Handler, "POST", "/api/v1/jobs", { body: b })],
  [
    "POST /metrics",
    templates.metric,
    (b) => call(metricsRoute.POST as Handler, "POST", "/api/v1/metrics", { body: b }),
  ],
  [
    "PATCH /metrics/{id}",
    templates.metricPatch,
    (b) =>
      call(metricRoute.PATCH as Handler, "PATCH", "/api/v1/metrics/fz-metric", {
        body: b,
        params: { id: "fz-metric" },
      }),
  ],
];

/** Routes addressed by id (and query): random, poisoned or over-long ids and queries. */
const idRoutes: [string, fc.Arbitrary<() => Promise<Response>>][] = [
  [
    "GET /experiments/{id}",
    badId.map(
      (id) => () => call(experimentRoute.GET as Handler, "GET", `/api/v1/experiments/${q(id)}`, { params: { id } }),
    ),
  ],
  [
    "POST /experiments/{id}/start",
    badId.map(
      (id) => () => call(startRoute.POST as Handler, "POST", `/api/v1/experiments/${q(id)}/start`, { params: { id } }),
    ),
  ],
  [
    "POST /experiments/{id}/stop",
    badId.map(
      (id) => () => call(stopRoute.POST as Handler, "POST", `/api/v1/experiments/${q(id)}/stop`, { params: { id } }),
    ),
  ],
  [
    "GET /experiments/{id}/report",
    badId.map(
      (id) => () => call(reportRoute.GET as Handler, "GET", `/api/v1/experiments/${q(id)}/report`, { params: { id } }),
    ),
  ],
  [
    "GET /experiments/{id}/assignment",
    fc
      .tuple(
        fc.oneof(fc.constant("fz-draft"), badId),
        fc.oneof(fc.constant("\u0000"), fc.constant(""), fc.string({ minLength: 513, maxLength: 600 })),
      )
      .map(
        ([id, user]) =>
          () =>
            call(assignmentRoute.GET as Handler, "GET", `/api/v1/experiments/${q(id)}/assignment?userId=${q(user)}`, {
              params: { id },
            }),
      ),
  ],
  [
    "GET /experiments?…",
    fc.tuple(fc.string({ maxLength: 8 }), fc.boolean()).map(
      ([v, onStatus]) =>
        () =>
          call(
            experimentsRoute.GET as Handler,
            "GET",
            `/api/v1/experiments?${onStatus ? `status=x${q(v)}` : `layer=${q(v)}%00`}`,
          ),
    ),
  ],
  [
    "GET /jobs?…",
    fc
      .tuple(
        fc.oneof(
          fc.string({ maxLength: 8 }).map((s) => `x${s}`),
          fc.constantFrom("0", "-1", "501", "abc", "1.5", "%00"),
        ),
        fc.boolean(),
      )
      .map(
        ([v, onState]) =>
          () =>
            call(jobsRoute.GET as Handler, "GET", `/api/v1/jobs?${onState ? "state" : "limit"}=${q(v)}`),
      ),
  ],
  [
    "GET /jobs/{id}",
    badId.map((id) => () => call(jobRoute.GET as Handler, "GET", `/api/v1/jobs/${q(id)}`, { params: { id } })),
  ],
  [
    "POST /jobs/{id}/cancel",
    badId.map(
      (id) => () => call(cancelRoute.POST as Handler, "POST", `/api/v1/jobs/${q(id)}/cancel`, { params: { id } }),
    ),
  ],
  [
    "GET /metrics/{id}",
    badId.map((id) => () => call(metricRoute.GET as Handler, "GET", `/api/v1/metrics/${q(id)}`, { params: { id } })),
  ],
  [
    "DELETE /metrics/{id}",
    badId.map(
      (id) => () => call(metricRoute.DELETE as Handler, "DELETE", `/api/v1/metrics/${q(id)}`, { params: { id } }),
    ),
  ],
  [
    "GET /scenarios/{id}",
    badId.map(
      (id) => () => call(scenarioRoute.GET as Handler, "GET", `/api/v1/scenarios/${q(id)}`, { params: { id } }),
    ),
  ],
  [
    "GET /datasets/{id}",
    badId.map((id) => () => call(datasetRoute.GET as Handler, "GET", `/api/v1/datasets/${q(id)}`, { params: { id } })),
  ],
  [
    "POST /datasets/import?name=",
    fc
      .tuple(
        fc.oneof(
          nulString,
          fc.constant(""),
          fc.string({ minLength: 201, maxLength: 240 }).filter((s) => s.trim().length > 200),
        ),
        fc.string({ maxLength: 50 }),
      )
      .map(
        ([name, body]) =>
          () =>
            call(datasetImportRoute.POST as Handler, "POST", `/api/v1/datasets/import?name=${q(name)}`, { body }),
      ),
  ],
  [
    "ANY /{unknown}",
    fc.tuple(fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE"), fc.webPath()).map(
      ([method, p]) =>
        () =>
          (catchAll as unknown as Record<string, (r: Request) => Promise<Response>>)[method](
            new Request(`http://fuzz/api/v1/zz${p}`, { method, headers: { authorization: `Bearer ${key}` } }),
          ),
    ),
  ],
];

describe("bad-input fuzzing: every /api/v1 route", () => {
  let before: Record<string, string>;
  beforeAll(async () => {
    before = await snapshot();
  });

  it.each(bodyRoutes)("%s: malformed, mistyped, poisoned and deep bodies → 4xx", async (name, template, send) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: mutated(template) }, { weight: 1, arbitrary: badBody }),
        async (body) => expectRefused(await send(body), `${name} ${body.slice(0, 120)}`),
      ),
      { numRuns: 700 },
    );
  });

  it.each(idRoutes)("%s: unknown, poisoned and over-long ids and queries → 4xx", async (name, request) => {
    await fc.assert(
      fc.asyncProperty(request, async (send) => expectRefused(await send(), name)),
      { numRuns: 350 },
    );
  });

  it("oversized bodies → 413 on every body route", async () => {
    const big = JSON.stringify({ pad: "x".repeat(9 << 20) });
    for (const [name, , send] of bodyRoutes) await expectRefused(await send(big), `${name} 9 MB`);
  });

  it("not one row changed", async () => {
    expect(await snapshot()).toEqual(before);
  });
});

describe("bad-input fuzzing: server actions", () => {
  let before: Record<string, string>;
  beforeAll(async () => {
    before = await snapshot();
  });
  const refusedAction = async (res: { ok: boolean; error?: string }, what: string) => {
    total++;
    expect(res.ok, what).toBe(false);
    expect(res.error, what).not.toMatch(/something went wrong/);
  };
  const actions: [string, fc.Arbitrary<() => Promise<{ ok: boolean; error?: string }>>][] = [
    [
      "createUserAction",
      mutated({ email: "new@example.com", name: "New", password: "new-password", role: "viewer" }).map(
        (b) => () => userActions.createUserAction(JSON.parse(b)),
      ),
    ],
    [
      "setUserRoleAction",
      fc.tuple(badId, fc.string()).map(
        ([id, role]) =>
          () =>
            userActions.setUserRoleAction(id, role),
      ),
    ],
    ["setUserDisabledAction", badId.map((id) => () => userActions.setUserDisabledAction(id, true))],
    [
      "resetPasswordAction",
      fc
        .tuple(
          fc.oneof(badId, fc.constant(admin.id)),
          fc.oneof(
            poisonString.filter((s) => s.length < 8),
            fc.string({ maxLength: 7 }),
          ),
        )
        .map(
          ([id, pw]) =>
            () =>
              userActions.resetPasswordAction(id || admin.id, pw),
        ),
    ],
    [
      "createApiKeyAction",
      mutated({ name: "k", scopes: ["serve"] }).map((b) => () => apiKeyActions.createApiKeyAction(JSON.parse(b))),
    ],
    ["revokeApiKeyAction", badId.map((id) => () => apiKeyActions.revokeApiKeyAction(id))],
    [
      "createScenarioAction",
      mutated({ key: "fz-scn", name: "S" }).map((b) => () => dataActions.createScenarioAction(JSON.parse(b))),
    ],
    [
      "startDatasetSimulationAction",
      mutated(templates.dataset).map((b) => () => dataActions.startDatasetSimulationAction(JSON.parse(b))),
    ],
    ["datasetStatusAction", badId.map((id) => () => dataActions.datasetStatusAction(id))],
    [
      "createExperimentAction",
      mutated(templates.experiment).map((b) => () => experimentActions.createExperimentAction(JSON.parse(b))),
    ],
    [
      "updateExperimentAction",
      fc.tuple(fc.oneof(fc.constant("fz-draft"), badId), mutated(templates.patch)).map(
        ([ref, b]) =>
          () =>
            experimentActions.updateExperimentAction(ref, JSON.parse(b)),
      ),
    ],
    ["startExperimentAction", badId.map((ref) => () => experimentActions.startExperimentAction(ref))],
    [
      "stopExperimentAction",
      fc.tuple(fc.oneof(fc.constant("fz-draft"), badId), mutated(templates.stop)).map(
        ([ref, b]) =>
          () =>
            experimentActions.stopExperimentAction(ref, JSON.parse(b)),
      ),
    ],
    [
      "createLayerAction",
      mutated(templates.layer).map((b) => () => experimentActions.createLayerAction(JSON.parse(b))),
    ],
    [
      "enqueueJobAction",
      mutated(templates.job).map((b) => () => {
        const j = JSON.parse(b) as { type: string; payload: unknown };
        return jobActions.enqueueJobAction(j.type, j.payload);
      }),
    ],
    ["createMetricAction", mutated(templates.metric).map((b) => () => metricActions.createMetricAction(JSON.parse(b)))],
    ["deleteMetricAction", badId.map((id) => () => metricActions.deleteMetricAction(id))],
    ["cancelJobAction", badId.map((id) => () => jobActions.cancelJobAction(id))],
    ["retryJobAction", badId.map((id) => () => jobActions.retryJobAction(id))],
    [
      "registerFixedPolicyAction",
      badBody.map((b) => () => {
        let v: unknown;
        try {
          v = JSON.parse(b);
        } catch {
          v = b;
        }
        return policyActions.registerFixedPolicyAction(v);
      }),
    ],
  ];

  it.each(actions)("%s: bad arguments → a message, never an unexpected error", async (name, run) => {
    await fc.assert(
      fc.asyncProperty(run, async (go) => refusedAction(await go(), name)),
      { numRuns: 120 },
    );
  });

  it("not one row changed", async () => {
    expect(await snapshot()).toEqual(before);
  });
});

describe("bad-input fuzzing: one poisoned rank request among valid ones", () => {
  it(
    "1 poisoned + 100 valid concurrent requests: 100 answers and 1 × 400, for any poison in any string " + "field",
    async () => {
      const poisonedBody = mutated({
        userId: "u",
        requestId: "r",
        context: { sessionId: "s" },
        candidates: [{ itemId: "a", scores: rankCandidates(1)[0].scores }],
      }).filter((b) => /\\u0000|\\ud[89a-f]/i.test(b));
      await fc.assert(
        fc.asyncProperty(poisonedBody, fc.integer({ min: 0, max: 100 }), async (bad, at) => {
          const bodies = Array.from({ length: 100 }, (_, i) =>
            JSON.stringify({ userId: `u-${i}`, candidates: rankCandidates(3), k: 2 }),
          );
          bodies.splice(at, 0, bad);
          const statuses = await Promise.all(
            bodies.map(
              async (b) => (await call(rankRoute.POST as Handler, "POST", "/api/v1/rank", { body: b })).status,
            ),
          );
          total += statuses.length;
          expect(statuses.filter((st) => st === 200)).toHaveLength(100);
          expect(statuses[at]).toBe(400);
        }),
        { numRuns: 5 },
      );
    },
  );
});

it("sent at least 10,000 generated requests and action calls", () => {
  console.log(`fuzz: ${total} generated requests and action calls`);
  expect(total).toBeGreaterThanOrEqual(10_000);
});
