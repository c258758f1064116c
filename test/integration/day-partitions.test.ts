import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import {
  ensurePartitions,
  ensureUpcomingPartitions,
  listPartitions,
  partitionName,
  PARTITIONED_TABLES,
} from "@/lib/db/day-partitions";
import { ingestEvents } from "@/lib/events/ingest-events";
import { pruneDecisionItems } from "@/lib/serving/prune-decision-items";
import { decodeShownItems, encodeShownItems } from "@/lib/serving/shown-items";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_partitions");

const DAY = 86_400_000;
const today = new Date(Math.floor(Date.now() / DAY) * DAY);
const day = (k: number) => new Date(today.getTime() + k * DAY);

/** Which partition holds each stored event. */
async function placement(): Promise<Record<string, string>> {
  const rows = await db.$queryRaw<
    { eventId: string; part: string }[]
  >`SELECT "eventId", tableoid::regclass::text AS part FROM "Event"`;
  return Object.fromEntries(rows.map((r) => [r.eventId, r.part.replaceAll('"', "")]));
}

describe("events partitioned by day", () => {
  it("keeps partitions from yesterday to a week ahead and routes events by their day", async () => {
    const created = await ensureUpcomingPartitions();
    expect(created).toEqual(
      PARTITIONED_TABLES.flatMap((t) => Array.from({ length: 9 }, (_, k) => partitionName(t, day(k - 1)))),
    );
    expect(await ensureUpcomingPartitions()).toEqual([]);

    const events = [
      {
        eventId: "today",
        userId: "u1",
        type: "play" as const,
        value: 5,
        ts: new Date(day(0).getTime() + 3_600_000).toISOString(),
      },
      {
        eventId: "tomorrow",
        userId: "u1",
        type: "play" as const,
        ts: new Date(day(1).getTime() + 60_000).toISOString(),
      },
      { eventId: "last-month", userId: "u1", type: "like" as const, ts: day(-30).toISOString() },
      { eventId: "next-month", userId: "u1", type: "like" as const, ts: day(30).toISOString() },
    ];
    expect(await ingestEvents({ events })).toEqual({ accepted: 4, duplicates: 0 });
    expect(await placement()).toEqual({
      today: partitionName("Event", day(0)),
      tomorrow: partitionName("Event", day(1)),
      "last-month": "Event_default",
      "next-month": "Event_default",
    });
  });

  it("counts an eventId once across partitions, even when a replay carries another timestamp", async () => {
    const replay = { eventId: "today", userId: "u1", type: "play" as const, value: 5, ts: day(-30).toISOString() };
    expect(await ingestEvents({ events: [replay, { ...replay, eventId: "fresh" }] })).toEqual({
      accepted: 1,
      duplicates: 1,
    });
    expect(await db.event.count({ where: { eventId: "today" } })).toBe(1);
    expect(await db.eventKey.count()).toBe(await db.event.count());
  });

  it("moves a day's events out of the default partition when its partition is created, losing none", async () => {
    const before = await db.event.count();
    expect(await ensurePartitions("Event", day(-30), 1)).toEqual([partitionName("Event", day(-30))]);
    const where = await placement();
    expect(where["last-month"]).toBe(partitionName("Event", day(-30)));
    expect(where.fresh).toBe(partitionName("Event", day(-30)));
    expect(where["next-month"]).toBe("Event_default");
    expect(await db.event.count()).toBe(before);
    expect(await listPartitions("Event")).toContain(partitionName("Event", day(-30)));
  });

  it("takes concurrent ingestion while partitions are created, with nothing lost or doubled", async () => {
    const batch = (b: number) =>
      Array.from({ length: 200 }, (_, i) => ({
        eventId: `c${b}-${i % 150}`,
        userId: `u${i}`,
        type: "play" as const,
        ts: day(10 + (i % 5)).toISOString(),
      }));
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, b) => ingestEvents({ events: batch(b % 3) })),
      ensurePartitions("Event", day(10), 5),
    ]);
    const counts = results.slice(0, 6) as { accepted: number; duplicates: number }[];
    // Three distinct batches of 150 ids, each sent twice (200 events with 50 repeats each time).
    expect(counts.reduce((s, c) => s + c.accepted, 0)).toBe(450);
    expect(counts.reduce((s, c) => s + c.accepted + c.duplicates, 0)).toBe(1200);
    expect(await db.event.count({ where: { eventId: { startsWith: "c" } } })).toBe(450);
    const where = await placement();
    expect(Object.entries(where).filter(([id, part]) => id.startsWith("c") && part === "Event_default")).toEqual([]);
  });
});

describe("decisions partitioned by day, shown items kept for the retention", () => {
  const shown = (id: string) =>
    encodeShownItems({
      itemIds: [`${id}-a`, `${id}-b`],
      scores: [0.5, 0.25],
      requestAction: [1, 2],
      itemActions: null,
      actionDim: 2,
    });
  async function decide(id: string, ts: Date) {
    await db.$executeRaw`INSERT INTO "Decision" (id, ts, "userId", "candidateCount")
      VALUES (${id}::uuid, ${ts.toISOString()}::timestamptz AT TIME ZONE 'UTC', 'u1', 2)`;
    await db.$executeRaw`INSERT INTO "DecisionItems" ("decisionId", ts, shown)
      VALUES (${id}::uuid, ${ts.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${shown(id)})`;
  }
  const ids = {
    old: "00000000-0000-4000-8000-000000000001",
    oldDefault: "00000000-0000-4000-8000-000000000002",
    recent: "00000000-0000-4000-8000-000000000003",
    today: "00000000-0000-4000-8000-000000000004",
  };

  it("drops the items of days past the retention, partitioned or not, and keeps every decision row", async () => {
    expect(await ensurePartitions("DecisionItems", day(-40), 1)).toEqual([partitionName("DecisionItems", day(-40))]);
    await decide(ids.old, new Date(day(-40).getTime() + 3_600_000));
    await decide(ids.oldDefault, new Date(day(-35).getTime() + 3_600_000));
    await decide(ids.recent, new Date(day(-29).getTime() + 60_000));
    await decide(ids.today, new Date(Date.now() - 1000));
    const parts = await db.$queryRaw<
      { id: string; part: string }[]
    >`SELECT id::text, tableoid::regclass::text AS part FROM "Decision"`;
    expect(Object.fromEntries(parts.map((p) => [p.id, p.part.replaceAll('"', "")]))).toMatchObject({
      [ids.old]: "Decision_default",
      [ids.today]: partitionName("Decision", day(0)),
    });

    expect(await pruneDecisionItems(30)).toEqual({
      droppedPartitions: [partitionName("DecisionItems", day(-40))],
      deletedRows: 1,
    });
    const left = await db.decisionItems.findMany({
      select: { decisionId: true, shown: true },
      orderBy: { decisionId: "asc" },
    });
    expect(left.map((r) => r.decisionId)).toEqual([ids.recent, ids.today]);
    expect(decodeShownItems(left[0].shown).itemIds).toEqual([`${ids.recent}-a`, `${ids.recent}-b`]);
    expect(await db.decision.count()).toBe(4);
    expect(await listPartitions("DecisionItems")).not.toContain(partitionName("DecisionItems", day(-40)));
    // Idempotent: a second run finds nothing more to drop.
    expect(await pruneDecisionItems(30)).toEqual({ droppedPartitions: [], deletedRows: 0 });
  });
});
