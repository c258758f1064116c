import type { Browser } from "playwright-core";
import { disconnectDb } from "@/lib/db/client";
import { migrate } from "@/lib/db/migrate";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { launchBrowser } from "@/test/support/browser";
import { startPlatform, stopPlatform, type RunningPlatform } from "@/test/support/platform";

/**
 * What the browser suites share: a migrated scratch database (DATABASE_URL points at it, so
 * `prepare` can seed users or keys through lib/ before start), `npm start` on it with an admin, and
 * Chromium. stop() ends all three.
 */
export async function startBrowserPlatform(opts: {
  pgAdminUrl: string;
  dbPrefix: string;
  admin: { email: string; password: string };
  env?: Record<string, string | undefined>;
  prepare?: () => Promise<unknown>;
}): Promise<{ platform: RunningPlatform; browser: Browser; stop: () => Promise<void> }> {
  const scratch = await createScratchDatabase(opts.pgAdminUrl, opts.dbPrefix);
  await migrate(scratch.url);
  process.env.DATABASE_URL = scratch.url;
  await opts.prepare?.();
  const platform = await startPlatform({
    DATABASE_URL: scratch.url,
    FUSIONLAB_ADMIN_EMAIL: opts.admin.email,
    FUSIONLAB_ADMIN_PASSWORD: opts.admin.password,
    NEXTAUTH_URL: undefined,
    ...opts.env,
  });
  const browser = await launchBrowser();
  return {
    platform,
    browser,
    async stop() {
      await browser.close();
      await stopPlatform(platform);
      await disconnectDb();
      await scratch.drop();
    },
  };
}
