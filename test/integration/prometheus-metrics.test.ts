import { describe, expect, it } from "vitest";
import { POST as eventsRoute } from "@/app/api/v1/events/route";
import { POST as rankRoute } from "@/app/api/v1/rank/route";
import { metricsEndpoint as metricsRoute } from "@/lib/monitoring/metrics-text";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { DEFAULT_ACTION_BOUNDS } from "@/lib/fusion";
import type { ApiCore } from "@/lib/http/api-route";
import { servingPolicy } from "@/lib/serving/policy-cache";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_metrics");

const call = (core: ApiCore, key: string | null, body?: unknown) =>
  core({
    url: "http://test/x",
    authorization: key ? `Bearer ${key}` : null,
    contentLength: null,
    clientIp: "test",
    params: {},
    bodyBytes: async () => Buffer.from(JSON.stringify(body)),
    request: () => new Request("http://test/x"),
  });

/** `name{labels} value` lines of the exposition text, keyed by name plus labels as written. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_:][a-z0-9_:]*(?:\{[^}]*\})?) (\S+)$/i.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

async function scrape(key: string) {
  const res = await call(metricsRoute.core, key);
  expect(res.status).toBe(200);
  expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.body as string, values: samples(res.body as string) };
}

describe("GET /metrics", () => {
  it("exposes serving latency, writes, batch sizes, cache hits and jobs after traffic", async () => {
    const serve = (await createApiKey(SYSTEM_ACTOR, { name: "serve", scopes: ["serve"] })).key;
    const ops = (await createApiKey(SYSTEM_ACTOR, { name: "prometheus", scopes: ["metrics:read"] })).key;
    const before = (await scrape(ops)).values;
    const at = (m: Map<string, number>, k: string) => m.get(k) ?? 0;

    const ranks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(rankRoute.core, serve, { userId: `u-${i}`, candidates: rankCandidates(20), k: 5 }),
      ),
    );
    expect(ranks.every((r) => r.status === 200)).toBe(true);
    expect((await call(rankRoute.core, serve, { userId: "u", candidates: [] })).status).toBe(400);
    const decisionId = (ranks[0].body as { decisionId: string }).decisionId;
    const events = [0, 1, 2].map((i) => ({ eventId: `e-${i}`, decisionId, userId: "u-0", type: "play", value: 3 }));
    expect((await call(eventsRoute.core, serve, { events })).body).toEqual({ accepted: 3, duplicates: 0 });
    expect((await call(eventsRoute.core, serve, { events: events.slice(0, 1) })).body).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    const { versionId } = await registerFixedPolicyVersion(SYSTEM_ACTOR, {
      key: "fixed-a",
      name: "A",
      action: Array.from(DEFAULT_ACTION_BOUNDS.centre),
    });
    for (let i = 0; i < 3; i++) await servingPolicy(versionId);
    const t0 = new Date(Date.now() - 120_000);
    await db.job.create({
      data: {
        type: "db-maintenance",
        state: "completed",
        payload: {},
        maxAttempts: 1,
        startedAt: t0,
        finishedAt: new Date(t0.getTime() + 42_000),
      },
    });
    await db.job.create({ data: { type: "train-policy", state: "queued", payload: {}, maxAttempts: 1 } });

    const { text, values: after } = await scrape(ops);
    const delta = (k: string) => at(after, k) - at(before, k);
    expect(text).toContain("# TYPE fusionlab_api_request_duration_seconds histogram");
    expect(delta('fusionlab_api_request_duration_seconds_count{route="/api/v1/rank",status="200"}')).toBe(30);
    expect(delta('fusionlab_api_request_duration_seconds_count{route="/api/v1/rank",status="400"}')).toBe(1);
    expect(delta('fusionlab_api_request_duration_seconds_count{route="/api/v1/events",status="200"}')).toBe(2);
    // Plausible latencies: every rank answered within 10 s, and the sum is positive.
    expect(delta('fusionlab_api_request_duration_seconds_bucket{le="2.5",route="/api/v1/rank",status="200"}')).toBe(30);
    const rankSeconds = delta('fusionlab_api_request_duration_seconds_sum{route="/api/v1/rank",status="200"}');
    expect(rankSeconds).toBeGreaterThan(0);
    expect(rankSeconds).toBeLessThan(30 * 10);
    expect(delta("fusionlab_decisions_written_total")).toBe(30);
    expect(delta("fusionlab_decision_batch_size_sum")).toBe(30);
    // Concurrent requests share group commits: fewer INSERTs than decisions.
    const batches = delta("fusionlab_decision_batch_size_count");
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(30);
    expect(delta('fusionlab_events_written_total{outcome="stored"}')).toBe(3);
    expect(delta('fusionlab_events_written_total{outcome="duplicate"}')).toBe(1);
    expect(delta('fusionlab_policy_cache_requests_total{outcome="miss"}')).toBe(1);
    expect(delta('fusionlab_policy_cache_requests_total{outcome="hit"}')).toBe(2);
    expect(after.get('fusionlab_jobs{type="train-policy",state="queued"}')).toBe(1);
    expect(after.get('fusionlab_job_duration_seconds_bucket{le="60",type="db-maintenance",state="completed"}')).toBe(1);
    expect(after.get('fusionlab_job_duration_seconds_bucket{le="15",type="db-maintenance",state="completed"}')).toBe(0);
    expect(after.get('fusionlab_job_duration_seconds_sum{type="db-maintenance",state="completed"}')).toBeCloseTo(42, 3);
    expect(after.get("fusionlab_process_resident_memory_bytes")).toBeGreaterThan(0);
    // Node's delay histogram counts its sampling interval in every value: sampled every 10 ms (what
    // the lag gauges are read as), the median of a loop that does not stall reads ~10 ms.
    expect(after.get("fusionlab_nodejs_eventloop_lag_p50_seconds")).toBeGreaterThan(0.005);
    expect(after.get("fusionlab_nodejs_eventloop_lag_p50_seconds")).toBeLessThan(0.05);
  });

  it("refuses a key without metrics:read (403) and a missing key (401)", async () => {
    const serve = (await createApiKey(SYSTEM_ACTOR, { name: "serve-only", scopes: ["serve"] })).key;
    const refused = await call(metricsRoute.core, serve);
    expect(refused.status).toBe(403);
    expect(refused.contentType).toBeUndefined();
    expect(refused.body).toMatchObject({ error: { code: "forbidden" } });
    expect((await call(metricsRoute.core, null)).status).toBe(401);
  });
});
