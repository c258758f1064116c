import { afterAll, beforeAll, inject } from "vitest";
import { migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/lib/db/scratch-database";

/**
 * A fresh, migrated database for the calling test file. DATABASE_URL points at it before any module
 * reads the environment, so the shared Prisma client (lib/db/client.ts) uses it.
 */
export function setupTestDatabase(prefix = "fl_test"): { url: () => string; adminUrl: () => string } {
  let url = "";
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const scratch = await createScratchDatabase(inject("pgAdminUrl"), prefix);
    url = scratch.url;
    drop = scratch.drop;
    await migrate(url);
    process.env.DATABASE_URL = url;
  });
  afterAll(async () => {
    const { disconnectDb } = await import("@/lib/db/client");
    await disconnectDb();
    await drop?.();
  });
  return { url: () => url, adminUrl: () => inject("pgAdminUrl") };
}
