import { describe, expect, it } from "vitest";
import * as experimentsRoute from "@/app/api/v1/experiments/route";
import * as reportRoute from "@/app/api/v1/experiments/[id]/report/route";
import * as startRoute from "@/app/api/v1/experiments/[id]/start/route";
import * as metricRoute from "@/app/api/v1/metrics/[id]/route";
import * as metricsRoute from "@/app/api/v1/metrics/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ingestEvents } from "@/lib/events/ingest-events";
import { experimentAssignment } from "@/lib/experiments/experiment-assignment";
import { createLayer } from "@/lib/experiments/layers";
import { rank } from "@/lib/serving/rank";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { routeContext, routeRequest } from "@/test/support/route-calls";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_metrics");

const ctx = routeContext;
const req = routeRequest;

const likeRate = {
  key: "like_rate",
  name: "Like rate",
  description: "Users with at least one like / exposed users.",
  kind: "proportion",
  numerator: { source: "events", eventTypes: ["like"] },
};
const watchCapped = {
  key: "watch_capped",
  name: "Watch time (capped)",
  description: "Seconds watched per user, each user capped at 30 s.",
  kind: "mean",
  numerator: { source: "events", eventTypes: ["play"], aggregate: "sum" },
  cap: "fixed",
  capValue: 30,
  allowedHarm: 0.1,
};

describe("metric catalogue through /api/v1/metrics, and user metrics in a running experiment's report", () => {
  it("creates, lists, edits and protects metrics; validation names the field; scopes apply", async () => {
    const write = (await createApiKey(SYSTEM_ACTOR, { name: "w", scopes: ["experiments:read", "experiments:write"] }))
      .key;
    const read = (await createApiKey(SYSTEM_ACTOR, { name: "r", scopes: ["experiments:read"] })).key;

    const builtIn = await (await metricsRoute.GET(req("/api/v1/metrics", read), ctx())).json();
    expect(builtIn.metrics.map((m: { key: string }) => m.key).sort()).toEqual([
      "duration",
      "interactions",
      "session_depth",
      "valid_consumption",
    ]);
    expect(builtIn.metrics.every((m: { builtIn: boolean }) => m.builtIn)).toBe(true);

    expect(
      (await metricsRoute.POST(req("/api/v1/metrics", read, { method: "POST", body: likeRate }), ctx())).status,
    ).toBe(403);
    const created = await metricsRoute.POST(req("/api/v1/metrics", write, { method: "POST", body: likeRate }), ctx());
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      key: "like_rate",
      kind: "proportion",
      direction: "higher",
      cap: "none",
      builtIn: false,
      numerator: { source: "events", eventTypes: ["like"], aggregate: "count" },
    });
    expect(
      (await metricsRoute.POST(req("/api/v1/metrics", write, { method: "POST", body: likeRate }), ctx())).status,
    ).toBe(409);

    const bad = async (body: unknown, path: string) => {
      const res = await metricsRoute.POST(req("/api/v1/metrics", write, { method: "POST", body }), ctx());
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.issues.map((i: { path: string }) => i.path)).toContain(path);
    };
    await bad({ ...watchCapped, key: "x1", capValue: undefined }, "capValue");
    await bad({ ...likeRate, key: "x2", kind: "ratio" }, "denominator");
    await bad(
      { ...likeRate, key: "x3", numerator: { source: "events", eventTypes: ["swipe"] } },
      "numerator.eventTypes.0",
    );
    await bad({ ...watchCapped, key: "x4", allowedHarm: 2 }, "allowedHarm");
    await bad({ ...likeRate, key: "Bad Key" }, "key");

    expect(
      (await metricsRoute.POST(req("/api/v1/metrics", write, { method: "POST", body: watchCapped }), ctx())).status,
    ).toBe(201);
    const patched = await metricRoute.PATCH(
      req("/api/v1/metrics/watch_capped", write, {
        method: "PATCH",
        body: { description: "Seconds watched, capped at 30 s per user." },
      }),
      ctx({ id: "watch_capped" }),
    );
    expect(patched.status).toBe(200);
    expect((await patched.json()).description).toBe("Seconds watched, capped at 30 s per user.");
    const badPatch = await metricRoute.PATCH(
      req("/api/v1/metrics/watch_capped", write, { method: "PATCH", body: { cap: "none" } }),
      ctx({ id: "watch_capped" }),
    );
    expect(badPatch.status).toBe(400);
    expect((await badPatch.json()).error.issues[0].path).toBe("capValue");
    expect(
      (
        await metricRoute.PATCH(
          req("/api/v1/metrics/duration", write, { method: "PATCH", body: { name: "x" } }),
          ctx({ id: "duration" }),
        )
      ).status,
    ).toBe(409);
    expect(
      (await metricRoute.DELETE(req("/api/v1/metrics/duration", write, { method: "DELETE" }), ctx({ id: "duration" })))
        .status,
    ).toBe(409);
    expect((await metricRoute.GET(req("/api/v1/metrics/nope", read), ctx({ id: "nope" }))).status).toBe(404);
    expect(
      await (await metricRoute.GET(req("/api/v1/metrics/like_rate", read), ctx({ id: "like_rate" }))).json(),
    ).toMatchObject({ name: "Like rate" });
    const audit = await db.auditLog.findMany({ where: { entityType: "Metric" } });
    expect(audit.map((a) => a.action).sort()).toEqual(["metric.create", "metric.create", "metric.update"]);
  });

  it(
    "a running experiment with the like rate as primary metric and capped watch time as guardrail reports " +
      "hand-computed numbers",
    async () => {
      const key = (await createApiKey(SYSTEM_ACTOR, { name: "all", scopes: ["experiments:read", "experiments:write"] }))
        .key;
      await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
      const body = {
        key: "likes",
        name: "Likes",
        layer: "main",
        primaryMetric: "like_rate",
        guardrailMetrics: ["watch_capped"],
        arms: [
          { key: "control", control: true, weight: 0.5 },
          { key: "treatment", weight: 0.5 },
        ],
      };
      const unknown = await experimentsRoute.POST(
        req("/api/v1/experiments", key, { method: "POST", body: { ...body, primaryMetric: "no_such_metric" } }),
        ctx(),
      );
      expect(unknown.status).toBe(422);
      expect((await unknown.json()).error.issues[0].path).toBe("primaryMetric");
      const created = await experimentsRoute.POST(req("/api/v1/experiments", key, { method: "POST", body }), ctx());
      expect(created.status).toBe(201);
      expect(
        (await startRoute.POST(req("/api/v1/experiments/likes/start", key, { method: "POST" }), ctx({ id: "likes" })))
          .status,
      ).toBe(200);
      // A metric an experiment uses cannot be deleted.
      expect(
        (
          await metricRoute.DELETE(
            req("/api/v1/metrics/like_rate", key, { method: "DELETE" }),
            ctx({ id: "like_rate" }),
          )
        ).status,
      ).toBe(409);

      // Three users of each arm, picked by the experiment's own assignment.
      const pool = { control: [] as string[], treatment: [] as string[] };
      for (let i = 0; pool.control.length < 3 || pool.treatment.length < 3; i++) {
        const a = await experimentAssignment("likes", `user-${i}`);
        const arm = a.arm as "control" | "treatment";
        if (pool[arm].length < 3) pool[arm].push(`user-${i}`);
      }
      // likes and play seconds per user (each play its own event)
      const plan = {
        control: [
          { likes: 0, plays: [20] },
          { likes: 1, plays: [40, 10] },
          { likes: 3, plays: [100] },
        ],
        treatment: [
          { likes: 1, plays: [5] },
          { likes: 1, plays: [35] },
          { likes: 2, plays: [] },
        ],
      };
      const events = [];
      for (const arm of ["control", "treatment"] as const) {
        for (const [i, userId] of pool[arm].entries()) {
          const r = await rank({ userId, candidates: rankCandidates(3), k: 2 });
          expect(r.arm).toBe(arm);
          const { likes, plays } = plan[arm][i];
          for (let k = 0; k < likes; k++)
            events.push({ eventId: `${userId}-like-${k}`, decisionId: r.decisionId, userId, type: "like" as const });
          for (const [k, seconds] of plays.entries())
            events.push({
              eventId: `${userId}-play-${k}`,
              decisionId: r.decisionId,
              userId,
              type: "play" as const,
              value: seconds,
            });
        }
      }
      await ingestEvents({ events });

      const res = await reportRoute.GET(req("/api/v1/experiments/likes/report", key), ctx({ id: "likes" }));
      expect(res.status).toBe(200);
      const report = await res.json();
      expect(report.metrics).toEqual([
        "like_rate",
        "watch_capped",
        "valid_consumption",
        "duration",
        "interactions",
        "session_depth",
      ]);
      expect(report.definitions.like_rate).toMatchObject({
        name: "Like rate",
        kind: "proportion",
        direction: "higher",
      });
      const control = report.arms.find((a: { key: string }) => a.key === "control");
      const treatment = report.arms.find((a: { key: string }) => a.key === "treatment");
      expect([control.users, treatment.users]).toEqual([3, 3]);
      // Like rate: control 2 of 3 users liked, treatment 3 of 3.
      expect(control.metrics.like_rate.mean).toBeCloseTo(2 / 3, 12);
      expect(treatment.metrics.like_rate.mean).toBeCloseTo(1, 12);
      expect(treatment.metrics.like_rate.lift).toBeCloseTo(1 / (2 / 3) - 1, 12);
      // Capped watch time: control min(20,30)+min(50,30)+min(100,30) = 80 → 80/3; treatment 5+30+0 = 35 → 35/3.
      expect(control.metrics.watch_capped.mean).toBeCloseTo(80 / 3, 12);
      expect(treatment.metrics.watch_capped.mean).toBeCloseTo(35 / 3, 12);
      expect(treatment.metrics.watch_capped.lift).toBeCloseTo(35 / 80 - 1, 12);
      // Sample variance of the capped values: control {20,30,30}: 100/3; standard error √(100/3/3).
      expect(control.metrics.watch_capped.meanSe).toBeCloseTo(Math.sqrt(100 / 3 / 3), 12);
      // Uncapped duration for comparison: (20 + 50 + 100) / 3.
      expect(control.metrics.duration.mean).toBeCloseTo(170 / 3, 12);
      expect(treatment.metrics.interactions.mean).toBeCloseTo(4 / 3, 12);
      // 3 users per arm is below the minimum (100): the guardrail, with its catalogue harm of 10%, is not tested.
      expect(report.verdict.arms).toHaveLength(1);
      expect(report.verdict.arms[0]).toMatchObject({ arm: "treatment", verdict: "notEnoughData" });
      expect(report.verdict.arms[0].guardrails).toEqual([
        expect.objectContaining({
          metric: "watch_capped",
          arm: "treatment",
          allowedHarm: 0.1,
          status: "notEnoughData",
          reason: "Not enough data yet: 3 of 100 users in arm treatment.",
        }),
      ]);
    },
  );
});
