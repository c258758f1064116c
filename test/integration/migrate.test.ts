import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR, migrate, readMigrations } from "@/lib/db/migrate";
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

  it("making dataset names unique keeps every dataset: later holders of a duplicate name get a suffix", async () => {
    const url = await freshDb();
    const all = readMigrations();
    const at = all.findIndex((m) => m.name.endsWith("_dataset_unique_name"));
    expect(at).toBeGreaterThan(0);
    // The database as it was before that migration, holding the same name three times.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fl-mig-"));
    for (const m of all.slice(0, at)) fs.cpSync(path.join(MIGRATIONS_DIR, m.name), path.join(dir, m.name), { recursive: true });
    await migrate(url, dir);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    for (const [i, name] of ["logs", "logs", "other", "logs"].entries()) {
      await c.query(`INSERT INTO "Dataset" (id, name, origin, "createdAt") VALUES (gen_random_uuid(), $1, 'imported', now() + make_interval(secs => $2))`, [name, i]);
    }
    await migrate(url);
    const { rows } = await c.query(`SELECT name FROM "Dataset" ORDER BY "createdAt"`);
    await expect(c.query(`INSERT INTO "Dataset" (id, name, origin) VALUES (gen_random_uuid(), 'other', 'imported')`)).rejects.toThrow(/Dataset_name_key/);
    await c.end();
    expect(rows.map((r) => r.name)).toEqual(["logs", "logs (2)", "other", "logs (3)"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
