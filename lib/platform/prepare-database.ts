import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, withDatabase, type EmbeddedPostgresHandle } from "@/lib/db/embedded-postgres";
import { migrate } from "@/lib/db/migrate";

const EMBEDDED_DB = "fusionlab";

/**
 * The database FusionLab runs on: DATABASE_URL when given, else the embedded cluster under
 * `<dataDir>/postgres` (database `fusionlab`). Migrations are applied either way.
 */
export async function prepareDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log: (msg: string) => void;
}): Promise<{ databaseUrl: string; embedded?: EmbeddedPostgresHandle }> {
  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(opts.dataDir, "postgres"),
      port: 54329,
      log: opts.log,
    });
    const admin = new pg.Client({ connectionString: embedded.adminUrl });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [EMBEDDED_DB]);
      if (!rowCount) await admin.query(`CREATE DATABASE "${EMBEDDED_DB}"`);
    } finally {
      await admin.end();
    }
    databaseUrl = withDatabase(embedded.adminUrl, EMBEDDED_DB);
    opts.log(`embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${path.join(opts.dataDir, "postgres")})`);
  }
  try {
    const result = await migrate(databaseUrl);
    opts.log(
      result.applied.length
        ? `applied migrations: ${result.applied.join(", ")}`
        : `database schema up to date (${result.alreadyApplied} migrations)`,
    );
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return { databaseUrl, embedded };
}
