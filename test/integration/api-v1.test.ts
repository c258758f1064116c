import { describe, expect, it } from "vitest";
import * as jobsRoute from "@/app/api/v1/jobs/route";
import * as jobRoute from "@/app/api/v1/jobs/[id]/route";
import * as unknownRoute from "@/app/api/v1/[...path]/route";
import * as powerRoute from "@/app/api/v1/power/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_api");

const ctx = (params: Record<string, string | string[]> = {}) => ({ params: Promise.resolve(params) });
const req = (path: string, init: RequestInit & { key?: string } = {}) =>
  new Request(`http://test${path}`, {
    ...init,
    headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), "content-type": "application/json" },
  });

describe("/api/v1 route shell (real handlers, real database)", () => {
  it("answers 401 in the error shape for a missing or unknown key, on known and unknown routes", async () => {
    for (const res of [
      await jobsRoute.GET(req("/api/v1/jobs", { key: "nope" }), ctx()),
      await jobsRoute.GET(req("/api/v1/jobs"), ctx()),
      await unknownRoute.GET(req("/api/v1/experiments", { key: "nope" })),
    ]) {
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
  });

  it("403 for a key without the scope; 404 JSON for unknown routes with a good key", async () => {
    const serveOnly = await createApiKey(SYSTEM_ACTOR, { name: "s", scopes: ["serve"] });
    const res = await jobsRoute.GET(req("/api/v1/jobs", { key: serveOnly.key }), ctx());
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("forbidden");
    const nf = await unknownRoute.GET(req("/api/v1/nothing", { key: serveOnly.key }));
    expect(nf.status).toBe(404);
    expect((await nf.json()).error.code).toBe("not_found");
  });

  it("400 naming the field for bad query, params and JSON; nothing is written", async () => {
    const key = (await createApiKey(SYSTEM_ACTOR, { name: "all", scopes: ["policies:read", "policies:write"] })).key;
    const badQuery = await jobsRoute.GET(req("/api/v1/jobs?limit=0", { key }), ctx());
    expect(badQuery.status).toBe(400);
    expect((await badQuery.json()).error.issues[0].path).toBe("limit");
    const badId = await jobRoute.GET(req("/api/v1/jobs/xyz", { key }), ctx({ id: "xyz" }));
    expect(badId.status).toBe(400);
    const notJson = await jobsRoute.POST(req("/api/v1/jobs", { key, method: "POST", body: "{nope" }), ctx());
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toMatch(/not valid JSON/);
    const badPayload = await jobsRoute.POST(
      req("/api/v1/jobs", {
        key,
        method: "POST",
        body: JSON.stringify({ type: "db-maintenance", payload: { jobLogRetentionDays: "x" } }),
      }),
      ctx(),
    );
    expect(badPayload.status).toBe(400);
    expect((await badPayload.json()).error.issues[0].path).toBe("jobLogRetentionDays");
    const missing = await jobRoute.GET(
      req("/api/v1/jobs/00000000-0000-4000-8000-000000000000", { key }),
      ctx({ id: "00000000-0000-4000-8000-000000000000" }),
    );
    expect(missing.status).toBe(404);
    expect(await db.job.count()).toBe(0);
  });

  it("POST /api/v1/power answers the closed-form two-sample size; bad input is a 400 naming the field", async () => {
    const key = (await createApiKey(SYSTEM_ACTOR, { name: "plan", scopes: ["experiments:read"] })).key;
    const body = {
      metric: "validConsumption",
      baselineMean: 10,
      baselineSd: 5,
      mde: 0.05,
      alpha: 0.05,
      power: 0.8,
      weights: [1, 1],
      test: "two-sided",
    };
    const res = await powerRoute.POST(req("/api/v1/power", { key, method: "POST", body: JSON.stringify(body) }), ctx());
    expect(res.status).toBe(200);
    const plan = await res.json();
    // n per arm = 2 (z₀.₉₇₅ + z₀.₈)² σ² / (MDE μ)² = 2 · 7.84887 · 25 / 0.25 = 1569.8 → 1570.
    expect(plan.usersPerArm).toEqual([1570, 1570]);
    expect(plan.totalUsers).toBe(3140);
    const bad = await powerRoute.POST(
      req("/api/v1/power", { key, method: "POST", body: JSON.stringify({ ...body, baselineSd: -1 }) }),
      ctx(),
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues[0].path).toBe("baselineSd");
  });
});
