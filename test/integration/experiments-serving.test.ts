import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { decodeShownItems } from "@/lib/serving/shown-items";
import { db } from "@/lib/db/client";
import { startExperiment, stopExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { experimentAssignment } from "@/lib/experiments/experiment-assignment";
import { createLayer, listLayers } from "@/lib/experiments/layers";
import { updateExperiment } from "@/lib/experiments/update-experiment";
import { ingestEvents } from "@/lib/events/ingest-events";
import { rank } from "@/lib/serving/rank";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_exp");

const arms = [
  { key: "control", control: true, weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];

const candidates = (n: number) => rankCandidates(n);

describe("layers and experiments", () => {
  it("validates definitions with field-level errors and changes nothing on bad input", async () => {
    await createLayer(SYSTEM_ACTOR, { key: "fusion", name: "Fusion weights" });
    await expect(createLayer(SYSTEM_ACTOR, { key: "fusion", name: "again" })).rejects.toMatchObject({
      code: "conflict",
    });
    const bad = [
      {
        arms: [
          { key: "a", weight: 0.5 },
          { key: "b", weight: 0.5 },
        ],
      }, // no control
      {
        arms: [
          { key: "a", control: true, weight: 0.5 },
          { key: "a", weight: 0.5 },
        ],
      }, // duplicate keys
      { arms, layerBuckets: [[0, 20000]] },
      {
        arms,
        layerBuckets: [
          [0, 600],
          [500, 900],
        ],
      },
      {
        arms: [
          { key: "c", control: true, weight: 0.7 },
          { key: "t", weight: 0.7 },
        ],
      },
      { arms, coverage: 1.5 },
    ];
    for (const extra of bad) {
      await expect(
        createExperiment(SYSTEM_ACTOR, {
          key: "x",
          name: "X",
          layer: "fusion",
          primaryMetric: "valid_consumption",
          ...extra,
        }),
      ).rejects.toMatchObject({ code: "bad_request" });
    }
    await expect(
      createExperiment(SYSTEM_ACTOR, { key: "x", name: "X", layer: "nope", primaryMetric: "valid_consumption", arms }),
    ).rejects.toMatchObject({ code: "unprocessable" });
    await expect(
      createExperiment(SYSTEM_ACTOR, {
        key: "x",
        name: "X",
        layer: "fusion",
        primaryMetric: "valid_consumption",
        arms: [{ key: "c", control: true, policyVersionId: "00000000-0000-4000-8000-000000000000" }, { key: "t" }],
      }),
    ).rejects.toMatchObject({ code: "unprocessable" });
    expect(await db.experiment.count()).toBe(0);
  });

  it("keeps running experiments of a layer on disjoint buckets", async () => {
    const a = await createExperiment(SYSTEM_ACTOR, {
      key: "exp-a",
      name: "A",
      layer: "fusion",
      primaryMetric: "valid_consumption",
      layerBuckets: [[0, 5000]],
      arms,
    });
    expect(a.status).toBe("draft");
    expect(a.hashSeed).toBe("exp-a");
    const b = await createExperiment(SYSTEM_ACTOR, {
      key: "exp-b",
      name: "B",
      layer: "fusion",
      primaryMetric: "duration",
      layerBuckets: [[4000, 10000]],
      arms,
    });
    await startExperiment(SYSTEM_ACTOR, a.id);
    await expect(startExperiment(SYSTEM_ACTOR, b.id)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("exp-a"),
    });
    await updateExperiment(SYSTEM_ACTOR, b.id, { layerBuckets: [[5000, 10000]] });
    await startExperiment(SYSTEM_ACTOR, "exp-b"); // by key
    await expect(
      createExperiment(SYSTEM_ACTOR, { key: "exp-c", name: "C", layer: "fusion", primaryMetric: "duration", arms }),
    ).rejects.toMatchObject({ code: "conflict" });
    const [layer] = await listLayers();
    expect(layer.freeBucketCount).toBe(0);
    expect(layer.allocations.map((x) => x.experiment).sort()).toEqual(["exp-a", "exp-b"]);
    await expect(updateExperiment(SYSTEM_ACTOR, a.id, { arms })).rejects.toMatchObject({ code: "conflict" });
    await expect(updateExperiment(SYSTEM_ACTOR, a.id, { layerBuckets: [[0, 6000]] })).rejects.toMatchObject({
      code: "conflict",
    });
    const audit = await db.auditLog.findMany({ where: { entityId: b.id }, orderBy: { id: "asc" } });
    expect(audit.map((x) => x.action)).toEqual(["experiment.create", "experiment.update", "experiment.start"]);
    // Stopping records the decision; "ship" needs one of the experiment's arms.
    await expect(stopExperiment(SYSTEM_ACTOR, a.id, { decision: "ship" })).rejects.toMatchObject({
      code: "bad_request",
      issues: [{ path: "arm" }],
    });
    await expect(stopExperiment(SYSTEM_ACTOR, a.id, { decision: "ship", arm: "nope" })).rejects.toMatchObject({
      code: "bad_request",
      issues: [{ path: "arm" }],
    });
    await expect(stopExperiment(SYSTEM_ACTOR, a.id, { decision: "rerun", arm: arms[1].key })).rejects.toMatchObject({
      code: "bad_request",
      issues: [{ path: "arm" }],
    });
    expect((await db.experiment.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("running");
    const stopped = await stopExperiment(SYSTEM_ACTOR, a.id, {
      decision: "ship",
      arm: arms[1].key,
      note: "clear win on valid plays",
    });
    expect(stopped.decision).toEqual({ decision: "ship", arm: arms[1].key, note: "clear win on valid plays" });
    await stopExperiment(SYSTEM_ACTOR, b.id, { decision: "ship_nothing" });
    const stopAudit = await db.auditLog.findFirstOrThrow({ where: { entityId: a.id, action: "experiment.stop" } });
    expect(stopAudit.after).toMatchObject({
      status: "stopped",
      decision: "ship",
      decisionArm: arms[1].key,
      decisionNote: "clear win on valid plays",
    });
    await expect(stopExperiment(SYSTEM_ACTOR, a.id, { decision: "rerun" })).rejects.toMatchObject({ code: "conflict" });
  });

  it("ramping coverage 20% → 50% moves no user between arms (checked through the assignment path)", async () => {
    await createLayer(SYSTEM_ACTOR, { key: "ramp", name: "Ramp layer" });
    const e = await createExperiment(SYSTEM_ACTOR, {
      key: "ramp-exp",
      name: "Ramp",
      layer: "ramp",
      primaryMetric: "valid_consumption",
      coverage: 0.2,
      arms,
    });
    await startExperiment(SYSTEM_ACTOR, e.id);
    const users = Array.from({ length: 3000 }, (_, i) => `user-${i}`);
    const before = await Promise.all(users.map((u) => experimentAssignment(e.id, u)));
    await updateExperiment(SYSTEM_ACTOR, e.id, { coverage: 0.5 });
    const after = await Promise.all(users.map((u) => experimentAssignment(e.id, u)));
    let entered = 0;
    for (let i = 0; i < users.length; i++) {
      if (before[i].arm) expect(after[i].arm).toBe(before[i].arm);
      else if (after[i].arm) entered++;
    }
    const inBefore = before.filter((x) => x.arm).length / users.length;
    const inAfter = after.filter((x) => x.arm).length / users.length;
    expect(inBefore).toBeGreaterThan(0.16);
    expect(inBefore).toBeLessThan(0.24);
    expect(inAfter).toBeGreaterThan(0.46);
    expect(inAfter).toBeLessThan(0.54);
    expect(entered).toBeGreaterThan(0);
    const ramp = await db.auditLog.findFirstOrThrow({ where: { entityId: e.id, action: "experiment.ramp" } });
    expect((ramp.before as { coverage: number }).coverage).toBe(0.2);
    expect((ramp.after as { coverage: number }).coverage).toBe(0.5);
  });
});

describe("rank and events", () => {
  it(
    "ranks by fusion score, records the decision, and serves users outside experiments with the default " + "policy",
    async () => {
      const res = await rank({ userId: "user-1", candidates: candidates(50), k: 5, context: { sessionId: "s1" } });
      expect(res.items).toHaveLength(5);
      for (let i = 1; i < res.items.length; i++)
        expect(res.items[i - 1].score).toBeGreaterThanOrEqual(res.items[i].score);
      const d = await db.decision.findFirstOrThrow({ where: { id: res.decisionId } });
      expect(d.candidateCount).toBe(50);
      expect(d.sessionId).toBe("s1");
      const shown = decodeShownItems(
        (await db.decisionItems.findFirstOrThrow({ where: { decisionId: res.decisionId, ts: d.ts } })).shown,
      );
      expect(shown.itemIds).toEqual(res.items.map((i) => i.itemId));
      expect(Array.from(shown.scores)).toEqual(res.items.map((i) => Math.fround(i.score)));
      const assignment = await experimentAssignment("ramp-exp", "user-1");
      expect(res.arm).toBe(assignment.arm);
      expect(res.experiment).toBe(assignment.arm ? "ramp-exp" : null);
    },
  );

  it("refuses malformed and oversized requests with the offending field", async () => {
    await expect(rank({ userId: "u", candidates: [{ itemId: "a", scores: { pClick: 2 } }] })).rejects.toMatchObject({
      code: "bad_request",
      issues: expect.arrayContaining([expect.objectContaining({ path: "candidates.0.scores.pClick" })]),
    });
    await expect(rank({ userId: "u", candidates: candidates(2001) })).rejects.toMatchObject({
      code: "payload_too_large",
    });
    await expect(rank({ userId: "u", candidates: [...candidates(2), ...candidates(1)] })).rejects.toMatchObject({
      code: "bad_request",
    });
  });

  it("ingests events idempotently, joined to their decision", async () => {
    const r = await rank({ userId: "user-7", candidates: candidates(10), k: 3 });
    const events = r.items.map((it, i) => ({
      eventId: `ev-${i}`,
      decisionId: r.decisionId,
      userId: "user-7",
      itemId: it.itemId,
      type: "play" as const,
      value: 12 + i,
    }));
    expect(await ingestEvents({ events })).toEqual({ accepted: 3, duplicates: 0 });
    expect(
      await ingestEvents({
        events: [...events, { ...events[0], eventId: "ev-new" }, { ...events[0], eventId: "ev-new" }],
      }),
    ).toEqual({ accepted: 1, duplicates: 4 });
    const stored = await db.event.findMany({ where: { userId: "user-7" } });
    expect(stored).toHaveLength(4);
    expect(stored.every((e) => e.armKey === r.arm)).toBe(true);
    await expect(ingestEvents({ events: [{ eventId: "x", userId: "u", type: "teleport" }] })).rejects.toMatchObject({
      code: "bad_request",
    });
    await expect(
      ingestEvents({
        events: Array.from({ length: 1001 }, (_, i) => ({ eventId: `b${i}`, userId: "u", type: "like" })),
      }),
    ).rejects.toMatchObject({ code: "payload_too_large" });
    expect(await db.event.count()).toBe(4);
  });

  it(
    "keeps the first copy of a repeated eventId, bounds timestamps, and never attributes an event to another " +
      "user's decision",
    async () => {
      const r = await rank({ userId: "user-8", candidates: candidates(5), k: 2 });
      const first = { eventId: "dup-1", decisionId: r.decisionId, userId: "user-8", type: "play" as const, value: 5 };
      expect(await ingestEvents({ events: [first, { ...first, value: 99 }] })).toEqual({ accepted: 1, duplicates: 1 });
      expect((await db.event.findFirstOrThrow({ where: { eventId: "dup-1" } })).value).toBe(5);

      const before = await db.event.count();
      for (const ts of [
        "0001-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
        new Date(Date.now() - 400 * 86_400_000).toISOString(),
        new Date(Date.now() + 40 * 86_400_000).toISOString(),
      ]) {
        await expect(
          ingestEvents({ events: [{ eventId: `ts-${ts}`, userId: "user-8", type: "like", ts }] }),
        ).rejects.toMatchObject({ code: "bad_request", issues: [{ path: "events.0.ts" }] });
      }
      expect(await db.event.count()).toBe(before);
      const recent = new Date(Date.now() - 3 * 86_400_000).toISOString();
      expect(
        await ingestEvents({ events: [{ eventId: "ts-ok", userId: "user-8", type: "like", ts: recent }] }),
      ).toEqual({
        accepted: 1,
        duplicates: 0,
      });

      // user-9 cites user-8's decision: stored, but attributed to no decision, experiment or arm.
      expect(
        await ingestEvents({
          events: [{ eventId: "foreign", decisionId: r.decisionId, userId: "user-9", type: "like" }],
        }),
      ).toEqual({ accepted: 1, duplicates: 0 });
      const foreign = await db.event.findFirstOrThrow({ where: { eventId: "foreign" } });
      expect(foreign.decisionId).toBeNull();
      expect(foreign.experimentId).toBeNull();
      expect(foreign.armKey).toBeNull();
    },
  );
});
