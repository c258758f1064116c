import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate, MIGRATIONS_DIR, readMigrations } from "@/lib/db/migrate";
import { decodeShownItems } from "@/lib/serving/shown-items";
import { createScratchDatabase } from "@/lib/db/scratch-database";

const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
});

async function freshDb() {
  const db = await createScratchDatabase(inject("pgAdminUrl"), "fl_mig");
  drops.push(db.drop);
  return db.url;
}

describe("migration runner", () => {
  it("applies every migration once, even when several processes start at the same time", async () => {
    const url = await freshDb();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const all = readMigrations().map((m) => m.name);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(all.sort());
    const again = await migrate(url);
    expect(again).toEqual({ applied: [], alreadyApplied: all.length });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY ` +
        `migration_name`,
    );
    await c.end();
    expect(rows.map((r) => r.migration_name)).toEqual(all);
    expect(rows.every((r) => r.finished_at && r.applied_steps_count === 1)).toBe(true);
    expect(rows[0].checksum).toBe(readMigrations()[0].checksum);
  });

  it("refuses a migration edited after it was applied, and rolls back a failing one", async () => {
    const url = await freshDb();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-mig-"));
    fs.mkdirSync(path.join(dir, "001_a"));
    fs.writeFileSync(path.join(dir, "001_a", "migration.sql"), "CREATE TABLE a (id int);");
    await migrate(url, dir);
    fs.writeFileSync(path.join(dir, "001_a", "migration.sql"), "CREATE TABLE a (id bigint);");
    await expect(migrate(url, dir)).rejects.toThrow(/changed after it was applied/);
    fs.writeFileSync(path.join(dir, "001_a", "migration.sql"), "CREATE TABLE a (id int);");
    fs.mkdirSync(path.join(dir, "002_bad"));
    fs.writeFileSync(path.join(dir, "002_bad", "migration.sql"), "CREATE TABLE b (id int); SELECT * FROM nope;");
    await expect(migrate(url, dir)).rejects.toThrow(/002_bad failed/);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const b = await c.query(`SELECT to_regclass('public.b') AS t`);
    const rec = await c.query(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '002_bad'`);
    await c.end();
    expect(b.rows[0].t).toBeNull();
    expect(rec.rows[0].n).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("making dataset names unique keeps every dataset: later holders of a duplicate name get a suffix", async () => {
    const url = await freshDb();
    const all = readMigrations();
    const at = all.findIndex((m) => m.name.endsWith("_dataset_unique_name"));
    expect(at).toBeGreaterThan(0);
    // The database as it was before that migration, holding the same name three times.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-mig-"));
    for (const m of all.slice(0, at))
      fs.cpSync(path.join(MIGRATIONS_DIR, m.name), path.join(dir, m.name), { recursive: true });
    await migrate(url, dir);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    for (const [i, name] of ["logs", "logs", "other", "logs"].entries()) {
      await c.query(
        `INSERT INTO "Dataset" (id, name, origin, "createdAt") VALUES (gen_random_uuid(), $1, 'imported', now() + ` +
          `make_interval(secs => $2))`,
        [name, i],
      );
    }
    await migrate(url);
    const { rows } = await c.query(`SELECT name FROM "Dataset" ORDER BY "createdAt"`);
    await expect(
      c.query(`INSERT INTO "Dataset" (id, name, origin) VALUES (gen_random_uuid(), 'other', 'imported')`),
    ).rejects.toThrow(/Dataset_name_key/);
    await c.end();
    expect(rows.map((r) => r.name)).toEqual(["logs", "logs (2)", "other", "logs (3)"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("moves JSON decision items into the partitioned tables as the binary record", async () => {
    const url = await freshDb();
    // Up to the migration before the change, as a database of an older release would be.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-mig-"));
    const all = readMigrations().map((m) => m.name);
    const change = all.findIndex((n) => n.endsWith("_decisions_partitioned_compact"));
    for (const name of all.slice(0, change))
      fs.cpSync(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
    await migrate(url, dir);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const perItem = {
      shown: [
        { itemId: "i-1", score: 0.75, action: [1.5, 0.1, 3] },
        { itemId: "ü-2", score: 0.1, action: [2, 2, 0.3333333333] },
      ],
    };
    const perRequest = { action: [1, 2.5], shown: [{ itemId: "x", score: 3.25 }] };
    const empty = { action: [1, 2], shown: [] };
    const rows = [
      ["00000000-0000-4000-8000-0000000000a1", perItem],
      ["00000000-0000-4000-8000-0000000000a2", perRequest],
      ["00000000-0000-4000-8000-0000000000a3", empty],
    ] as const;
    for (const [id, items] of rows) {
      await c.query(
        `INSERT INTO "Decision" (id, ts, "userId", "candidateCount", items) VALUES ($1, '2026-11-01 10:00', 'u1', ` +
          `5, $2)`,
        [id, JSON.stringify(items)],
      );
    }
    await migrate(url);
    const decisions = await c.query(`SELECT id, ts, "candidateCount" FROM "Decision" ORDER BY id`);
    const stored = await c.query<{ decisionId: string; ts: Date; shown: Buffer }>(
      `SELECT "decisionId", ts, shown FROM "DecisionItems" ORDER BY "decisionId"`,
    );
    await c.end();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(decisions.rows.map((r) => [r.id, r.candidateCount])).toEqual(rows.map(([id]) => [id, 5]));
    expect(stored.rows.map((r) => [r.decisionId, r.ts.getTime()])).toEqual(
      decisions.rows.map((r) => [r.id, r.ts.getTime()]),
    );
    const [a, b, e] = stored.rows.map((r) => decodeShownItems(r.shown));
    expect(a).toEqual({
      itemIds: ["i-1", "ü-2"],
      scores: Float32Array.from([0.75, 0.1]),
      requestAction: null,
      itemActions: Float32Array.from([1.5, 0.1, 3, 2, 2, 0.3333333333]),
      actionDim: 3,
    });
    expect(b).toEqual({
      itemIds: ["x"],
      scores: Float32Array.from([3.25]),
      requestAction: Float32Array.from([1, 2.5]),
      itemActions: null,
      actionDim: 2,
    });
    expect(e).toEqual({
      itemIds: [],
      scores: new Float32Array(0),
      requestAction: Float32Array.from([1, 2]),
      itemActions: null,
      actionDim: 2,
    });
  });
});
