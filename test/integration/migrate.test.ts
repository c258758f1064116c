import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { migrate, readMigrations } from "@/lib/db/migrate";
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
    const { rows } = await c.query(`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`);
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
});
