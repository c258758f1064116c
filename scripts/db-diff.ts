/**
 * Writes a new migration from the difference between the schema of the last migration and
 * prisma/schema.prisma:   npm run db:diff -- <name>
 *
 * Prisma's WASM schema engine (the only one that runs offline) cannot introspect a live database
 * through the pg adapter, so each migration folder keeps the schema it was generated from
 * (schema.prisma next to migration.sql; `prisma migrate deploy` ignores it) and the diff runs
 * datamodel → datamodel. The engine still wants a reachable database: DATABASE_URL's server if set,
 * else a throw-away embedded PostgreSQL.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { passwordFile, startEmbeddedPostgres } from "@/lib/db/embedded-postgres";
import { MIGRATIONS_DIR, readMigrations } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/lib/db/scratch-database";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:diff -- <snake_case_name>");
  process.exit(2);
}

const last = readMigrations().at(-1);
const from = last
  ? ["--from-schema-datamodel", path.join(MIGRATIONS_DIR, last.name, "schema.prisma")]
  : ["--from-empty"];
const scratchDir = path.join(os.tmpdir(), `fusionlab-diff-${process.pid}`);
const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: scratchDir });
const scratch = await createScratchDatabase(embedded?.adminUrl ?? process.env.DATABASE_URL!, "fusionlab_diff");
try {
  const sql = execFileSync(
    "npx",
    ["prisma", "migrate", "diff", ...from, "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
    { env: { ...process.env, DATABASE_URL: scratch.url }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (!sql.trim() || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) {
    console.log("schema and migrations agree: nothing to write");
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), sql);
    fs.copyFileSync(path.join("prisma", "schema.prisma"), path.join(dir, "schema.prisma"));
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
  }
} finally {
  await scratch.drop();
  await embedded?.stop();
  if (embedded) {
    fs.rmSync(scratchDir, { recursive: true, force: true });
    fs.rmSync(passwordFile(scratchDir), { force: true });
  }
}
