import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { startExperiment, stopExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import { ingestEvents } from "@/lib/events/ingest-events";
import { SCORE_NAMES } from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";
import { experimentReport } from "@/lib/reports/build-report";
import { rank } from "@/lib/serving/rank";
import { setupTestDatabase } from "@/test/support/test-database";
import { parse } from "csv-parse/sync";
import * as csvRoute from "@/app/api/v1/experiments/[id]/report.csv/route";
import * as baselineRoute from "@/app/api/v1/power/baseline/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";

setupTestDatabase("fl_report");

const candidates = Array.from({ length: 20 }, (_, j) => ({
  itemId: `i${j}`,
  scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, ((j + k) % 10) / 10 + 0.05])),
}));

describe("uplift report from real decisions and events", () => {
  it("reports users, means, lift with CI and p, SRM, CUPED and a daily series", async () => {
    await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
    const exp = await createExperiment(SYSTEM_ACTOR, {
      key: "rep",
      name: "Report",
      layer: "main",
      primaryMetric: "valid_consumption",
      arms: [
        { key: "control", control: true, weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    });
    const rng = new Rng("report-test");
    const users = Array.from({ length: 600 }, (_, i) => `u${i}`);
    // Pre-period: activity before the experiment exists (no experiment → default policy, unjoined events).
    const preEvents = users.flatMap((u, i) => {
      const level = 1 + (i % 5);
      return Array.from({ length: level }, (_, k) => ({
        eventId: `pre-${u}-${k}`,
        userId: u,
        type: "valid_play" as const,
        ts: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      }));
    });
    for (let i = 0; i < preEvents.length; i += 1000) await ingestEvents({ events: preEvents.slice(i, i + 1000) });
    await startExperiment(SYSTEM_ACTOR, exp.id);

    const events = [];
    for (const [i, u] of users.entries()) {
      const r = await rank({ userId: u, candidates, k: 5, context: { sessionId: `${u}-s1` } });
      expect(r.experiment).toBe("rep");
      // Valid plays: user level (as in the pre-period) + noise, +1 on average in treatment.
      const level = 1 + (i % 5);
      const plays = Math.max(0, Math.round(level + rng.normal(0, 1) + (r.arm === "treatment" ? 1 : 0)));
      for (let k = 0; k < plays; k++) {
        events.push({
          eventId: `${u}-v${k}`,
          decisionId: r.decisionId,
          userId: u,
          itemId: r.items[k % 5].itemId,
          type: "valid_play" as const,
        });
        events.push({
          eventId: `${u}-p${k}`,
          decisionId: r.decisionId,
          userId: u,
          itemId: r.items[k % 5].itemId,
          type: "play" as const,
          value: 20,
        });
      }
    }
    for (let i = 0; i < events.length; i += 1000) await ingestEvents({ events: events.slice(i, i + 1000) });

    const report = await experimentReport("rep");
    const control = report.arms.find((a) => a.control)!;
    const treatment = report.arms.find((a) => !a.control)!;
    expect(control.users + treatment.users).toBe(600);
    expect(report.srm.ok).toBe(true);
    const lift = treatment.metrics.valid_consumption as {
      lift: number;
      ci: [number, number];
      pValue: number;
      cuped: { lift: number; ci: [number, number] } | null;
    };
    const cm = control.metrics.valid_consumption.mean!;
    expect(lift.lift).toBeGreaterThan(0.15);
    expect(lift.ci[0]).toBeGreaterThan(0);
    expect(lift.pValue).toBeLessThan(0.01);
    // CUPED uses the pre-period and, with a strongly predictive covariate, narrows the interval.
    expect(report.cuped).toBe(true);
    expect(lift.cuped).not.toBeNull();
    expect(lift.cuped!.ci[1] - lift.cuped!.ci[0]).toBeLessThan(lift.ci[1] - lift.ci[0]);
    expect(Math.abs(lift.cuped!.lift - 1 / cm)).toBeLessThan(0.15);
    expect(treatment.metrics.session_depth.mean).toBe(1);
    expect(report.series.valid_consumption.length).toBeGreaterThanOrEqual(1);

    // The verdict (sequential plan by default, 100 users per arm minimum): a clear win ships, decided
    // on an always-valid interval that excludes 0 and is wider than the fixed-horizon one.
    const [v] = report.verdict.arms;
    expect(report.verdict.plan).toEqual({ kind: "sequential" });
    expect(v).toMatchObject({ arm: "treatment", verdict: "ship" });
    expect(v.reason).toMatch(
      /^treatment improves valid_consumption: valid_consumption rises \+\d+\.\d% and the always-valid 95% interval/,
    );
    const deciding = v.primary[0].interval!;
    expect(deciding.test).toBe("sequential");
    expect(deciding.relative![0]).toBeGreaterThan(0);
    expect(deciding.relative![1] - deciding.relative![0]).toBeGreaterThan(lift.ci[1] - lift.ci[0]);

    // Export: CSV with one row per metric and arm, the same numbers and the verdict (API key route).
    const key = (await createApiKey(SYSTEM_ACTOR, { name: "r", scopes: ["experiments:read"] })).key;
    const request = (path: string) =>
      new Request(`http://test${path}`, { headers: { authorization: `Bearer ${key}` } });
    const csvRes = await csvRoute.GET(request("/api/v1/experiments/rep/report.csv"), {
      params: Promise.resolve({ id: "rep" }),
    });
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parse(await csvRes.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(report.metrics.length * 2);
    const vcRow = rows.find((r) => r.metric === "valid_consumption" && r.arm === "treatment")!;
    expect(vcRow).toMatchObject({ role: "primary", control: "false", users: String(treatment.users), verdict: "ship" });
    expect(Number(vcRow.lift)).toBe(lift.lift);
    expect(Number(vcRow.deciding_interval_low)).toBe(deciding.relative![0]);

    // Planning the next experiment on this layer starts from this control arm's history.
    const baselineRes = await baselineRoute.GET(request("/api/v1/power/baseline?layer=main&metric=valid_consumption"), {
      params: Promise.resolve({}),
    });
    const { baseline } = await baselineRes.json();
    const cs = control.metrics.valid_consumption as { mean: number; meanSe: number };
    expect(baseline.source).toEqual({
      experimentKey: "rep",
      experimentName: "Report",
      layer: "main",
      users: control.users,
      days: 1,
    });
    expect(baseline.baselineMean).toBeCloseTo(cs.mean, 10);
    expect(baseline.baselineSd).toBeCloseTo(cs.meanSe * Math.sqrt(control.users), 8);
    // Valid plays follow the pre-period level closely: a strong CUPED correlation.
    expect(baseline.cupedCorrelation).toBeGreaterThan(0.5);
    // 600 users on one day over the whole layer.
    expect(baseline.dailyUsersPerLayer).toBeCloseTo(600, 8);
    const none = await baselineRoute.GET(request("/api/v1/power/baseline?layer=main&metric=interactions"), {
      params: Promise.resolve({}),
    });
    expect(await none.json()).toEqual({ baseline: null });

    // Cached until new events arrive; a replayed batch changes nothing.
    expect(await experimentReport("rep")).toBe(report);
    await ingestEvents({ events: events.slice(0, 500) });
    expect(await experimentReport("rep")).toBe(report);
    await ingestEvents({
      events: [
        {
          eventId: "late-1",
          userId: users[0],
          type: "like",
          decisionId: (await db.decision.findFirstOrThrow({ where: { userId: users[0] } })).id,
        },
      ],
    });
    const fresh = await experimentReport("rep");
    expect(fresh).not.toBe(report);
  });

  it("a metric below the minimum events per arm gets no verdict, and says so", async () => {
    // Its users must not be served by the first test's experiment (one experiment serves a request).
    await stopExperiment(SYSTEM_ACTOR, "rep", { decision: "ship_nothing" });
    await createLayer(SYSTEM_ACTOR, { key: "rare", name: "Rare events" });
    const exp = await createExperiment(SYSTEM_ACTOR, {
      key: "rare-likes",
      name: "Rare likes",
      layer: "rare",
      primaryMetric: "interactions",
      minUsersPerArm: 2,
      minEventsPerArm: 5,
      arms: [
        { key: "control", control: true, weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    });
    await startExperiment(SYSTEM_ACTOR, exp.id);
    // Likes: 6 from control users, 3 from treatment users — the treatment arm is under the minimum of 5.
    const likes = [];
    const given = { control: 0, treatment: 0 };
    const wanted = { control: 6, treatment: 3 };
    for (let i = 0; i < 40; i++) {
      const r = await rank({ userId: `rare-${i}`, candidates, k: 5 });
      // Until every process's serving snapshot drops the stopped experiment, it may still serve a user.
      if (r.experiment !== "rare-likes") continue;
      const arm = r.arm as "control" | "treatment";
      if (given[arm] < wanted[arm]) {
        given[arm]++;
        likes.push({ eventId: `rare-${i}`, decisionId: r.decisionId, userId: `rare-${i}`, type: "like" as const });
      }
    }
    expect(given).toEqual(wanted);
    await ingestEvents({ events: likes });
    const report = await experimentReport("rare-likes");
    const [v] = report.verdict.arms;
    expect(v.verdict).toBe("notEnoughData");
    expect(v.reason).toBe("Not enough data yet: 3 of 5 events in arm treatment.");
    expect(report.experiment.minUsersPerArm).toBe(2);
  });
});
