import { describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db, sqlPool } from "@/lib/db/client";
import { startExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import { EVENT_TYPES } from "@/lib/events/event-input";
import { ingestEvents } from "@/lib/events/ingest-events";
import { SCORE_NAMES } from "@/lib/fusion";
import { createMetric, metricDefinitions } from "@/lib/metrics/metric-catalogue";
import type { Measure, MetricDefinition } from "@/lib/metrics/metric-input";
import { Rng } from "@/lib/random/rng";
import {
  PRE_PERIOD_DAYS,
  reportStatistics,
  type ArmMetricStats,
  type SplitOptions,
} from "@/lib/reports/report-statistics";
import { rollupExperiment } from "@/lib/reports/rollup-reports";
import { rank } from "@/lib/serving/rank";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_report_sql");

/**
 * The SQL pipeline (rollups + tail, compiled metrics, window-function series) against a
 * straightforward in-memory reference over the raw decisions and events of a small experiment:
 * every sufficient statistic of every arm, metric and day must agree, before any rollup, after a
 * rollup, and with new data on top of the rollup (late events of rolled days, today's decisions).
 */
const DAY = 86_400_000;
const candidates = Array.from({ length: 8 }, (_, j) => ({
  itemId: `i${j}`,
  scores: Object.fromEntries(SCORE_NAMES.map((s, k) => [s, ((j + k) % 10) / 10 + 0.05])),
}));
const day = (d: Date) => d.toISOString().slice(0, 10);

type Raw = {
  decisions: { userId: string; armKey: string; day: string; ts: Date; sessionId: string | null }[];
  events: {
    userId: string;
    armKey: string | null;
    experimentId: string | null;
    type: string;
    value: number;
    ts: Date;
  }[];
};

async function loadRaw(experimentId: string): Promise<Raw> {
  const decisions = await db.decision.findMany({
    where: { experimentId },
    select: { userId: true, armKey: true, ts: true, sessionId: true },
  });
  const events = await db.event.findMany({
    select: { userId: true, armKey: true, experimentId: true, type: true, value: true, ts: true },
  });
  return {
    decisions: decisions.map((d) => ({
      userId: d.userId,
      armKey: d.armKey!,
      day: day(d.ts),
      ts: d.ts,
      sessionId: d.sessionId,
    })),
    events,
  };
}

function measureOf(
  m: Measure,
  totals: { requests: number; sessions: number; n: Record<string, number>; v: Record<string, number> },
) {
  if (m.source === "requests") return totals.requests;
  if (m.source === "sessions") return totals.sessions;
  return m.eventTypes.reduce((s, t) => s + (m.aggregate === "count" ? totals.n[t] : totals.v[t]), 0);
}

/** percentile_cont: linear interpolation between the sorted values. */
function percentileCont(values: number[], p: number) {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (pos - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

function reference(raw: Raw, experimentId: string, startedAt: Date, metrics: MetricDefinition[], armKeys: string[]) {
  const zero = () => ({
    requests: 0,
    sessions: 0,
    n: Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])),
    v: Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])),
  });
  const users = new Map<
    string,
    { arm: string; userId: string; first: string; byDay: Map<string, ReturnType<typeof zero>> }
  >();
  const sessionsSeen = new Set<string>();
  for (const d of [...raw.decisions].sort((a, b) => a.day.localeCompare(b.day))) {
    const key = `${d.armKey}|${d.userId}`;
    const u = users.get(key) ?? { arm: d.armKey, userId: d.userId, first: d.day, byDay: new Map() };
    users.set(key, u);
    const t = u.byDay.get(d.day) ?? zero();
    u.byDay.set(d.day, t);
    t.requests++;
    const s = `${key}|${d.day}|${d.sessionId ?? "\u0000none"}`;
    if (!sessionsSeen.has(s)) t.sessions++;
    sessionsSeen.add(s);
  }
  // The data-quality rules (docs/statistics.md §7): users with two arms are left out; events before
  // the user's first exposure do not count.
  const firstExposure = new Map<string, number>();
  const armsOf = new Map<string, Set<string>>();
  for (const d of raw.decisions) {
    firstExposure.set(d.userId, Math.min(firstExposure.get(d.userId) ?? Infinity, d.ts.getTime()));
    armsOf.set(d.userId, (armsOf.get(d.userId) ?? new Set()).add(d.armKey));
  }
  for (const [key, u] of users) if (armsOf.get(u.userId)!.size > 1) users.delete(key);
  for (const e of raw.events) {
    if (e.experimentId !== experimentId || !e.armKey) continue;
    const u = users.get(`${e.armKey}|${e.userId}`);
    if (!u || e.ts.getTime() < firstExposure.get(e.userId)!) continue;
    const d = day(e.ts);
    const t = u.byDay.get(d) ?? zero();
    u.byDay.set(d, t);
    t.n[e.type]++;
    t.v[e.type] += e.value;
  }
  const pre = new Map<string, ReturnType<typeof zero>>();
  for (const e of raw.events) {
    if (e.experimentId !== null || e.ts >= startedAt || e.ts.getTime() < startedAt.getTime() - PRE_PERIOD_DAYS * DAY)
      continue;
    const t = pre.get(e.userId) ?? zero();
    pre.set(e.userId, t);
    t.n[e.type]++;
    t.v[e.type] += e.value;
  }
  const totalsUpTo = (u: { byDay: Map<string, ReturnType<typeof zero>> }, upTo?: string) => {
    const t = zero();
    for (const [d, x] of u.byDay) {
      if (upTo && d > upTo) continue;
      t.requests += x.requests;
      t.sessions += x.sessions;
      for (const k of EVENT_TYPES) {
        t.n[k] += x.n[k];
        t.v[k] += x.v[k];
      }
    }
    return t;
  };
  const all = [...users.values()];
  const caps = new Map(
    metrics
      .filter((m) => m.cap === "percentile")
      .map((m) => [
        m.key,
        percentileCont(
          all.map((u) => measureOf(m.numerator, totalsUpTo(u))),
          m.capValue! / 100,
        ),
      ]),
  );
  const value = (m: MetricDefinition, raw: number) => {
    if (m.kind === "proportion") return raw >= 1 ? 1 : 0;
    const cap = m.cap === "fixed" ? m.capValue! : m.cap === "percentile" ? caps.get(m.key)! : Infinity;
    return Math.min(raw, cap);
  };
  const stats = (m: MetricDefinition, arm: string, upTo: string | undefined, withPre: boolean) => {
    const members = all.filter((u) => u.arm === arm && (!upTo || u.first <= upTo));
    const n = members.length;
    if (m.kind === "ratio" || m.kind === "session_mean") {
      const den: Measure = m.kind === "ratio" ? m.denominator! : { source: "sessions" };
      const xy = members.map((u) => [measureOf(m.numerator, totalsUpTo(u, upTo)), measureOf(den, totalsUpTo(u, upTo))]);
      const sum = (f: (p: number[]) => number) => xy.reduce((s, p) => s + f(p), 0);
      return {
        n,
        sumX: sum((p) => p[0]),
        sumY: sum((p) => p[1]),
        sumX2: sum((p) => p[0] ** 2),
        sumY2: sum((p) => p[1] ** 2),
        sumXY: sum((p) => p[0] * p[1]),
      };
    }
    const xp = members.map((u) => [
      value(m, measureOf(m.numerator, totalsUpTo(u, upTo))),
      value(m, measureOf(m.numerator, pre.get(u.userId) ?? zero())),
    ]);
    const sum = (f: (p: number[]) => number) => xp.reduce((s, p) => s + f(p), 0);
    const base = { n, sum: sum((p) => p[0]), sumSq: sum((p) => p[0] ** 2) };
    return withPre
      ? { ...base, pre: { sum: sum((p) => p[1]), sumSq: sum((p) => p[1] ** 2), sumProduct: sum((p) => p[0] * p[1]) } }
      : base;
  };
  const cuped = all.some((u) => pre.has(u.userId));
  const days = [...new Set(all.flatMap((u) => [...u.byDay.keys()]))].sort();
  return {
    users: Object.fromEntries(armKeys.map((a) => [a, all.filter((u) => u.arm === a).length])),
    cuped,
    final: Object.fromEntries(
      metrics.map((m) => [m.key, Object.fromEntries(armKeys.map((a) => [a, stats(m, a, undefined, cuped)]))]),
    ),
    series: Object.fromEntries(
      metrics.map((m) => [
        m.key,
        days.map((d) => ({ date: d, arms: Object.fromEntries(armKeys.map((a) => [a, stats(m, a, d, false)])) })),
      ]),
    ),
  };
}

/** Equal structure, numbers within float tolerance (sums added in another order). */
function close(a: unknown, b: unknown, path: string) {
  if (typeof b === "number") {
    expect(typeof a, path).toBe("number");
    expect(Math.abs((a as number) - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
  } else if (b && typeof b === "object") {
    expect(Object.keys(a as object).sort(), path).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(b))
      close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else expect(a, path).toEqual(b);
}

function expectSameStatistics(sql: Awaited<ReturnType<typeof reportStatistics>>, ref: ReturnType<typeof reference>) {
  const unwrap = (arms: Record<string, ArmMetricStats>) =>
    Object.fromEntries(Object.entries(arms).map(([a, s]) => [a, s.stats]));
  expect(sql.users).toEqual(ref.users);
  expect(sql.cuped).toBe(ref.cuped);
  for (const key of Object.keys(ref.final)) {
    close(unwrap(sql.final[key]), ref.final[key], `final.${key}`);
    close(
      sql.series[key].map((d) => ({ date: d.date, arms: unwrap(d.arms) })),
      ref.series[key],
      `series.${key}`,
    );
  }
}

describe("report statistics in SQL equal an in-memory reference", () => {
  it("agrees before a rollup, after it, and with a tail on top of it, for every metric kind, in one statement and split by users", async () => {
    await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
    const custom = [
      {
        key: "like_rate",
        name: "Like rate",
        kind: "proportion",
        numerator: { source: "events", eventTypes: ["like"] },
      },
      {
        key: "watch_capped",
        name: "Watch time capped",
        kind: "mean",
        numerator: { source: "events", eventTypes: ["play"], aggregate: "sum" },
        cap: "fixed",
        capValue: 45,
      },
      {
        key: "watch_p90",
        name: "Watch time p90",
        kind: "mean",
        numerator: { source: "events", eventTypes: ["play"], aggregate: "sum" },
        cap: "percentile",
        capValue: 90,
      },
      {
        key: "plays_per_session",
        name: "Plays per session",
        kind: "session_mean",
        numerator: { source: "events", eventTypes: ["play"] },
      },
      {
        key: "likes_per_play",
        name: "Likes per play",
        kind: "ratio",
        numerator: { source: "events", eventTypes: ["like", "follow"] },
        denominator: { source: "events", eventTypes: ["play"] },
      },
      {
        key: "requests_per_user",
        name: "Requests",
        kind: "mean",
        numerator: { source: "requests" },
        direction: "lower",
      },
    ];
    for (const m of custom) await createMetric(SYSTEM_ACTOR, m);
    const exp = await createExperiment(SYSTEM_ACTOR, {
      key: "sqlref",
      name: "SQL vs reference",
      layer: "main",
      primaryMetric: "like_rate",
      guardrailMetrics: custom.slice(1).map((m) => m.key),
      arms: [
        { key: "control", control: true, weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    });
    const rng = new Rng("report-sql");
    const users = Array.from({ length: 60 }, (_, i) => `u${i}`);
    const now = Date.now();
    // Pre-period (no experiment yet), for about two thirds of the users.
    const pre = users
      .filter((_, i) => i % 3)
      .flatMap((u, i) =>
        Array.from({ length: 1 + (i % 4) }, (_, k) => ({
          eventId: `pre-${u}-${k}`,
          userId: u,
          type: (k % 2 ? "valid_play" : "play") as "play",
          value: 10 + k,
          ts: new Date(now - 5 * DAY + k * 1000).toISOString(),
        })),
      );
    await ingestEvents({ events: pre });
    await startExperiment(SYSTEM_ACTOR, exp.id);
    await db.experiment.update({ where: { id: exp.id }, data: { startedAt: new Date(now - 3 * DAY) } });

    let eventNo = 0;
    const traffic = async (daysAgo: number[], share: number, who = users) => {
      const events = [];
      for (const u of who) {
        if (rng.next() > share) continue;
        for (const ago of daysAgo) {
          const sessions = 1 + Math.floor(rng.next() * 2);
          for (let s = 0; s < sessions; s++) {
            const requests = 1 + Math.floor(rng.next() * 3);
            for (let r = 0; r < requests; r++) {
              const res = await rank({
                userId: u,
                candidates,
                k: 3,
                // Segment keys: three activity levels, two platforms and users without one.
                user: { features: { [`activity_${["low", "mid", "high"][Number(u.slice(1)) % 3]}`]: 1 } },
                context:
                  s === 1 && r === 0
                    ? {}
                    : {
                        sessionId: `${u}-${ago}-${s}`,
                        ...(Number(u.slice(1)) % 3
                          ? { platform: Number(u.slice(1)) % 3 === 1 ? "ios" : "android" }
                          : {}),
                      },
              });
              await db.decision.updateMany({
                where: { id: res.decisionId },
                data: { ts: new Date(now - ago * DAY + s * 60_000 + r) },
              });
              for (const type of EVENT_TYPES) {
                if (rng.next() < 0.35)
                  events.push({
                    eventId: `e${eventNo++}`,
                    decisionId: res.decisionId,
                    userId: u,
                    itemId: "i1",
                    type,
                    value: type === "play" ? Math.round(rng.next() * 60) : undefined,
                    ts: new Date(now - ago * DAY + s * 60_000 + r + 500).toISOString(),
                  });
              }
            }
          }
        }
      }
      for (let i = 0; i < events.length; i += 1000) await ingestEvents({ events: events.slice(i, i + 1000) });
    };
    // Days on which only some users have data, so that the parts of a split report lack series rows that others have:
    // u1 alone three days ago, u5 and u50…u59 alone two days ago, then most users.
    await traffic([3], 1, ["u1"]);
    await traffic(
      [2],
      1,
      users.filter((u) => u.startsWith("u5")),
    );
    await traffic([1], 0.8);

    const definitions = await metricDefinitions([
      "valid_consumption",
      "duration",
      "interactions",
      "session_depth",
      ...custom.map((m) => m.key),
    ]);
    const armKeys = ["control", "treatment"];
    // A percentile cap needs every user, so a report with one is never split: the split runs without it.
    const splittable = definitions.filter((m) => m.cap !== "percentile");
    const pool = sqlPool();
    /**
     * The report split by users (connections taken: one per part) equals the one statement's, every field of it,
     * health and segments included.
     */
    const expectSameSplit = async (e: Parameters<typeof reportStatistics>[0], split: SplitOptions, parts: number) => {
      const one = await reportStatistics(e, splittable, armKeys, "like_rate");
      const connect = vi.spyOn(pool, "connect");
      try {
        const splitted = await reportStatistics(e, splittable, armKeys, "like_rate", split);
        expect(connect).toHaveBeenCalledTimes(parts);
        close(splitted, one, "split");
        return splitted;
      } finally {
        connect.mockRestore();
      }
    };
    const compare = async () => {
      const e = await db.experiment.findUniqueOrThrow({ where: { id: exp.id } });
      const sql = await reportStatistics(e, definitions, armKeys);
      const raw = await loadRaw(exp.id);
      expectSameStatistics(sql, reference(raw, exp.id, e.startedAt!, definitions, armKeys));
      // Three fixed ranges: [u0, u2) — u1 is the only user three days ago —, [u2, u4), [u4, …) — u5… two days ago.
      const split = await expectSameSplit(e, { bounds: ["u2", "u4"] }, 3);
      expectSameStatistics(split, reference(raw, exp.id, e.startedAt!, splittable, armKeys));
      // Four ranges from a sample of every rolled-up row (one connection more: the sample's query).
      if (await db.reportUserDay.count({ where: { experimentId: exp.id } }))
        await expectSameSplit(e, { parts: 4, aboveUserDays: 0, samplePercent: 100 }, 5);
      return sql;
    };

    const live = await compare();
    expect(live.users.control + live.users.treatment).toBeGreaterThan(30);
    expect(live.series.like_rate.length).toBe(3);

    const rolled = await rollupExperiment(exp.id, 0);
    expect(rolled.decisionDays).toBeGreaterThan(0);
    expect(rolled.feedbackRows).toBeGreaterThan(0);
    expect(rolled.preUsers).toBeGreaterThan(0);
    expect(await compare()).toEqual(live);

    // Late events of a rolled day and today's traffic: rollup + tail, then everything rolled again.
    const old = await db.decision.findMany({ where: { experimentId: exp.id }, take: 20, orderBy: { ts: "asc" } });
    await ingestEvents({
      events: old.map((d, i) => ({
        eventId: `late-${i}`,
        decisionId: d.id,
        userId: d.userId,
        type: i % 2 ? "like" : "play",
        value: 7,
        // Every third one an hour before its decision: before exposure when that is the user's first.
        ts: new Date(d.ts.getTime() + (i % 3 ? 1000 : -3_600_000)).toISOString(),
      })),
    });
    // A user whose decisions carry both arms (a logging bug), the first in the rollup, the other in
    // today's tail: left out of every statistic.
    const twoArms = old.find((d) => d.userId !== "u1")!;
    await db.decision.create({
      data: {
        userId: twoArms.userId,
        experimentId: exp.id,
        armKey: twoArms.armKey === "control" ? "treatment" : "control",
        candidateCount: 1,
        ts: new Date(),
      },
    });
    await traffic([0], 0.5);
    await compare();
    await rollupExperiment(exp.id, 0);
    await rollupExperiment(exp.id, 0);
    const final = await compare();
    expect(final.series.like_rate.length).toBe(4);

    // Events outside a one-day attribution window are left out and counted (the reference has no window): split and
    // one statement agree on them too, on the rollup and on a tail.
    await db.experiment.update({ where: { id: exp.id }, data: { attributionWindowDays: 1 } });
    await traffic([0], 0.3);
    await rollupExperiment(exp.id, 0);
    await traffic([0], 0.2);
    const e = await db.experiment.findUniqueOrThrow({ where: { id: exp.id } });
    const windowed = await expectSameSplit(e, { parts: 4, aboveUserDays: 0, samplePercent: 100 }, 5);
    expect(windowed.excluded.lateEvents).toBeGreaterThan(0);
    expect(windowed.excluded.preExposureEvents).toBeGreaterThan(0);
    expect(windowed.excluded.multiArmUsers).toBe(1);
    expect(windowed.withPre.control + windowed.withPre.treatment).toBeGreaterThan(0);
    // Reports at once: split ones queue for their turn (none holds a connection while it waits), a report with a
    // percentile cap stays one statement (one connection) whatever the options say.
    const forced = { parts: 4, aboveUserDays: 0, samplePercent: 100 };
    const [a, b, capped] = await Promise.all([
      reportStatistics(e, splittable, armKeys, "like_rate", forced),
      reportStatistics(e, splittable, armKeys, "like_rate", { bounds: ["u3"] }),
      reportStatistics(e, definitions, armKeys, "like_rate", forced),
    ]);
    close(a, windowed, "concurrent split");
    close(b, windowed, "concurrent split");
    const connect = vi.spyOn(pool, "connect");
    try {
      close(await reportStatistics(e, definitions, armKeys, "like_rate", forced), capped, "capped");
      expect(connect).toHaveBeenCalledTimes(1);
    } finally {
      connect.mockRestore();
    }
    expect(new Set(windowed.segments.map((s) => s.segment))).toEqual(
      new Set(["low", "mid", "high", "ios", "android", "unknown", "new", "returning"]),
    );
  });
});
