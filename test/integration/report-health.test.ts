import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { startExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import { ingestEvents } from "@/lib/events/ingest-events";
import { SCORE_NAMES } from "@/lib/fusion";
import { createMetric } from "@/lib/metrics/metric-catalogue";
import { experimentReport } from "@/lib/reports/build-report";
import { rollupExperiment } from "@/lib/reports/rollup-reports";
import { rank } from "@/lib/serving/rank";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_report_health");

/**
 * Issue 14, acceptance criterion 4, with values computed by hand: a user whose decisions carry two
 * arms is left out of every metric and counted; events before the user's first exposure and outside
 * the attribution window are left out and counted — from the not-yet-rolled tail, from the rollups,
 * and from both together. Plus the segments (activity level, platform, new vs returning) and the
 * warning for a guardrail without data.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const candidates = Array.from({ length: 4 }, (_, j) => ({
  itemId: `i${j}`,
  scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, ((j + k) % 10) / 10 + 0.05])),
}));

describe("report health: data-quality rules applied in the analysis and counted", () => {
  it(
    "excludes a two-arm user and events before exposure / outside the window; segments by activity, platform, " +
      "tenure",
    async () => {
      await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
      await createMetric(SYSTEM_ACTOR, {
        key: "hate_rate",
        name: "Hate rate",
        kind: "proportion",
        numerator: { source: "events", eventTypes: ["hate"] },
        direction: "lower",
      });
      const exp = await createExperiment(SYSTEM_ACTOR, {
        key: "health",
        name: "Health",
        layer: "main",
        primaryMetric: "valid_consumption",
        guardrailMetrics: ["hate_rate"],
        attributionWindowDays: 1,
        arms: [
          { key: "control", control: true, weight: 0.5 },
          { key: "treatment", weight: 0.5 },
        ],
      });
      expect(exp.attributionWindowDays).toBe(1);
      const now = Date.now();
      const start = now - 3 * DAY;

      // Pre-period (no experiment yet): u0 and u1 were active, so they are "returning".
      await ingestEvents({
        events: ["u0", "u1"].map((u) => ({
          eventId: `pre-${u}`,
          userId: u,
          type: "valid_play" as const,
          ts: new Date(start - DAY).toISOString(),
        })),
      });
      await startExperiment(SYSTEM_ACTOR, exp.id);
      await db.experiment.update({ where: { id: exp.id }, data: { startedAt: new Date(start) } });

      // Six users, one rank request each two days ago; even users are very active on iOS, odd ones
      // barely active on Android (user features activity_<level>, context platform).
      const users = ["u0", "u1", "u2", "u3", "u4", "u5"];
      const exposure = new Map<string, { arm: string; decisionId: string; ts: Date }>();
      for (const [i, u] of users.entries()) {
        const r = await rank({
          userId: u,
          candidates,
          k: 2,
          user: {
            features: i % 2 ? { activity_high_active: 0.1, activity_low_active: 0.7 } : { activity_high_active: 0.9 },
          },
          context: { sessionId: `${u}-s`, platform: i % 2 ? "Android" : "iOS" },
        });
        const ts = new Date(now - 2 * DAY + i * 60_000);
        await db.decision.updateMany({ where: { id: r.decisionId }, data: { ts } });
        exposure.set(u, { arm: r.arm!, decisionId: r.decisionId, ts });
      }
      const armOf = (u: string) => exposure.get(u)!.arm;
      const inArm = (a: string) => users.filter((u) => armOf(u) === a);
      expect(inArm("control").length).toBeGreaterThan(0);
      expect(inArm("treatment").length).toBeGreaterThan(0);

      // "dual": its rank request says one arm, a second decision (a logging bug) the other.
      const dual = await rank({ userId: "dual", candidates, k: 2 });
      const other = dual.arm === "control" ? "treatment" : "control";
      await db.decision.updateMany({ where: { id: dual.decisionId }, data: { ts: new Date(now - 2 * DAY) } });
      await db.decision.create({
        data: {
          userId: "dual",
          experimentId: exp.id,
          armKey: other,
          candidateCount: 2,
          ts: new Date(now - 2 * DAY + HOUR),
        },
      });

      let n = 0;
      const event = (u: string, decisionId: string, ts: number) => ({
        eventId: `e${n++}`,
        decisionId,
        userId: u,
        type: "valid_play" as const,
        ts: new Date(ts).toISOString(),
      });
      const events = [
        // Every user: two valid plays a minute after exposure (count).
        ...users.flatMap((u) => {
          const { decisionId, ts } = exposure.get(u)!;
          return [event(u, decisionId, ts.getTime() + 60_000), event(u, decisionId, ts.getTime() + 120_000)];
        }),
        // u0: three plays an hour before its first exposure (client clock): left out, counted.
        ...[1, 2, 3].map((k) =>
          event("u0", exposure.get("u0")!.decisionId, exposure.get("u0")!.ts.getTime() - k * HOUR),
        ),
        // u1: one play 36 hours after exposure, outside the 1-day attribution window: left out, counted.
        event("u1", exposure.get("u1")!.decisionId, exposure.get("u1")!.ts.getTime() + 36 * HOUR),
        // dual: five plays, all left out with the user.
        ...[1, 2, 3, 4, 5].map((k) => event("dual", dual.decisionId, now - 2 * DAY + k * 60_000)),
      ];
      await ingestEvents({ events });

      const expectHealth = async (preExposureEvents: number) => {
        const report = await experimentReport("health");
        const arm = (a: string) => report.arms.find((x) => x.key === a)!;
        for (const a of ["control", "treatment"]) {
          // Only the six single-arm users, each with exactly two valid plays counted.
          expect(arm(a).users, a).toBe(inArm(a).length);
          expect(arm(a).metrics.valid_consumption.mean, a).toBe(2);
        }
        const h = report.health;
        expect(h.multiArmUsers).toEqual({ count: 1, byArm: { control: 1, treatment: 1 } });
        expect(h.preExposureEvents).toBe(preExposureEvents);
        expect(h.lateEvents).toBe(1);
        expect(h.attributionWindow.days).toBe(1);
        expect(h.prePeriod).toMatchObject({ users: 6, usersWithPre: 2, coverage: 2 / 6 });
        expect(h.missingGuardrailData).toEqual([
          { metric: "hate_rate", arm: "control" },
          { metric: "hate_rate", arm: "treatment" },
        ]);
        expect(h.warnings.join(" ")).toMatch(/Guardrail hate_rate has no data in arm control/);
        expect(h.srm.days.reduce((s, d) => s + d.expected.reduce((x, y) => x + y, 0), 0)).toBeCloseTo(6, 9);

        // Segments of the primary metric: users per segment and arm as assigned, means 2, lift 0.
        const seg = report.segments;
        expect(seg.exploratory).toBe(true);
        expect(seg.family).toBe(6); // (2 activity levels + 2 platforms + new/returning) × 1 treatment
        const cells = Object.fromEntries(
          seg.dimensions.flatMap((d) =>
            d.segments.map((s) => [`${d.dimension}:${s.segment}`, [s.control, ...s.arms].map((c) => c.users)]),
          ),
        );
        const count = (pred: (u: string, i: number) => boolean) =>
          ["control", "treatment"].map((a) => users.filter((u, i) => pred(u, i) && armOf(u) === a).length);
        expect(cells).toEqual({
          "activity:high_active": count((_, i) => i % 2 === 0),
          "activity:low_active": count((_, i) => i % 2 === 1),
          "platform:android": count((_, i) => i % 2 === 1),
          "platform:ios": count((_, i) => i % 2 === 0),
          "tenure:new": count((u) => u !== "u0" && u !== "u1"),
          "tenure:returning": count((u) => u === "u0" || u === "u1"),
        });
        for (const d of seg.dimensions)
          for (const s of d.segments) for (const c of [s.control, ...s.arms]) if (c.users > 0) expect(c.mean).toBe(2);
        return report;
      };

      await expectHealth(3); // all from the tail
      await rollupExperiment(exp.id, 0);
      await expectHealth(3); // all from the rollups
      // A late pre-exposure event after the rollup: the tail finds u2's first exposure in the rollup.
      await ingestEvents({
        events: [event("u2", exposure.get("u2")!.decisionId, exposure.get("u2")!.ts.getTime() - HOUR)],
      });
      await expectHealth(4);
      await rollupExperiment(exp.id, 0);
      await expectHealth(4);
    },
  );
});
