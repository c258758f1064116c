import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { rankBodies } from "@/test/support/load";
import { startPlatform, waitGone } from "@/test/support/platform";

const KEY = "flk_e2e_durability_key_00000000000";
let dropDb: (() => Promise<void>) | undefined;
afterAll(async () => {
  await dropDb?.();
});

describe("SIGTERM in the middle of load", () => {
  it("loses no acknowledged decision and no acknowledged event", async () => {
    const scratch = await createScratchDatabase(inject("pgAdminUrl"), "fl_e2e_durable");
    dropDb = scratch.drop;
    await migrate(scratch.url);
    const platform = await startPlatform({
      DATABASE_URL: scratch.url,
      FUSIONLAB_API_KEY: KEY,
      FUSIONLAB_WORKERS: "0",
      FUSIONLAB_DATA_DIR: ".data/e2e-durable",
      NEXTAUTH_URL: undefined,
    });
    const post = (p: string, body: string) =>
      fetch(`${platform.url}${p}`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body,
      });
    await post("/api/v1/layers", JSON.stringify({ key: "l", name: "L" }));
    const exp = (await (
      await post(
        "/api/v1/experiments",
        JSON.stringify({
          key: "d",
          name: "D",
          layer: "l",
          primaryMetric: "duration",
          arms: [{ key: "c", control: true }, { key: "t" }],
        }),
      )
    ).json()) as { id: string };
    await post(`/api/v1/experiments/${exp.id}/start`, "");

    const bodies = rankBodies(200, 100, "durability");
    const decisions: string[] = [];
    const ackedEvents: string[] = [];
    let stop = false;
    let n = 0;
    const rankLoop = async () => {
      while (!stop) {
        try {
          const res = await post("/api/v1/rank", bodies[n++ % bodies.length]);
          if (res.ok) decisions.push(((await res.json()) as { decisionId: string }).decisionId);
          else await res.arrayBuffer();
        } catch {
          await new Promise((r) => setTimeout(r, 20)); // server gone: keep trying until told to stop
        }
      }
    };
    let batch = 0;
    const eventLoop = async () => {
      while (!stop) {
        const b = batch++;
        const events = Array.from({ length: 200 }, (_, i) => ({
          eventId: `dur-${b}-${i}`,
          userId: `u${i}`,
          type: "play",
          value: 3,
          ...(decisions.length ? { decisionId: decisions[i % decisions.length] } : {}),
        }));
        try {
          const res = await post("/api/v1/events", JSON.stringify({ events }));
          if (res.ok) {
            const r = (await res.json()) as { accepted: number };
            expect(r.accepted).toBe(200);
            ackedEvents.push(...events.map((e) => e.eventId));
          } else await res.arrayBuffer();
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const loops = [rankLoop(), rankLoop(), rankLoop(), rankLoop(), eventLoop(), eventLoop()];
    await new Promise((r) => setTimeout(r, 4_000));
    const before = decisions.length;
    const tree = platform.descendants();
    platform.proc.kill("SIGTERM");
    await platform.waitForExit(60_000);
    stop = true;
    await Promise.all(loops);
    await waitGone(tree);
    expect(before).toBeGreaterThan(20);

    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    const storedDecisions = Number(
      (await db.query(`SELECT count(*) FROM "Decision" WHERE id = ANY($1::uuid[])`, [decisions])).rows[0].count,
    );
    const storedEvents = Number(
      (await db.query(`SELECT count(*) FROM "Event" WHERE "eventId" = ANY($1::text[])`, [ackedEvents])).rows[0].count,
    );
    await db.end();
    expect(storedDecisions).toBe(decisions.length);
    expect(storedEvents).toBe(ackedEvents.length);
  });
});
