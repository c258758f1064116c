import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { ensureEventPartitions, ensureUpcomingEventPartitions, eventPartitionName, listEventPartitions } from "@/lib/events/event-partitions";
import { ingestEvents } from "@/lib/events/ingest-events";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_partitions");

const DAY = 86_400_000;
const today = new Date(Math.floor(Date.now() / DAY) * DAY);
const day = (k: number) => new Date(today.getTime() + k * DAY);

/** Which partition holds each stored event. */
async function placement(): Promise<Record<string, string>> {
  const rows = await db.$queryRaw<{ eventId: string; part: string }[]>`SELECT "eventId", tableoid::regclass::text AS part FROM "Event"`;
  return Object.fromEntries(rows.map((r) => [r.eventId, r.part.replaceAll('"', "")]));
}

describe("events partitioned by day", () => {
  it("keeps partitions from yesterday to a week ahead and routes events by their day", async () => {
    const created = await ensureUpcomingEventPartitions();
    expect(created).toEqual(Array.from({ length: 9 }, (_, k) => eventPartitionName(day(k - 1))));
    expect(await ensureUpcomingEventPartitions()).toEqual([]);

    const events = [
      { eventId: "today", userId: "u1", type: "play" as const, value: 5, ts: new Date(day(0).getTime() + 3_600_000).toISOString() },
      { eventId: "tomorrow", userId: "u1", type: "play" as const, ts: new Date(day(1).getTime() + 60_000).toISOString() },
      { eventId: "last-month", userId: "u1", type: "like" as const, ts: day(-30).toISOString() },
      { eventId: "next-month", userId: "u1", type: "like" as const, ts: day(30).toISOString() },
    ];
    expect(await ingestEvents({ events })).toEqual({ accepted: 4, duplicates: 0 });
    expect(await placement()).toEqual({
      today: eventPartitionName(day(0)),
      tomorrow: eventPartitionName(day(1)),
      "last-month": "Event_default",
      "next-month": "Event_default",
    });
  });

  it("counts an eventId once across partitions, even when a replay carries another timestamp", async () => {
    const replay = { eventId: "today", userId: "u1", type: "play" as const, value: 5, ts: day(-30).toISOString() };
    expect(await ingestEvents({ events: [replay, { ...replay, eventId: "fresh" }] })).toEqual({ accepted: 1, duplicates: 1 });
    expect(await db.event.count({ where: { eventId: "today" } })).toBe(1);
    expect(await db.eventKey.count()).toBe(await db.event.count());
  });

  it("moves a day's events out of the default partition when its partition is created, losing none", async () => {
    const before = await db.event.count();
    expect(await ensureEventPartitions(day(-30), 1)).toEqual([eventPartitionName(day(-30))]);
    const where = await placement();
    expect(where["last-month"]).toBe(eventPartitionName(day(-30)));
    expect(where.fresh).toBe(eventPartitionName(day(-30)));
    expect(where["next-month"]).toBe("Event_default");
    expect(await db.event.count()).toBe(before);
    expect(await listEventPartitions()).toContain(eventPartitionName(day(-30)));
  });

  it("takes concurrent ingestion while partitions are created, with nothing lost or doubled", async () => {
    const batch = (b: number) =>
      Array.from({ length: 200 }, (_, i) => ({ eventId: `c${b}-${i % 150}`, userId: `u${i}`, type: "play" as const, ts: day(10 + (i % 5)).toISOString() }));
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, b) => ingestEvents({ events: batch(b % 3) })),
      ensureEventPartitions(day(10), 5),
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
