import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

// engine "js": the CLI's schema engine runs as WASM through the pg driver adapter, so generate and
// `migrate diff` work offline. Migrations are applied by lib/db/migrate.ts (see README).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is needed for commands that talk to a database");
    return new PrismaPg({ connectionString: url });
  },
});
