import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { hashApiKey } from "@/lib/api-keys/key-material";
import { ALL_SCOPES } from "@/lib/api-keys/scopes";
import type { Env } from "@/lib/config/env";
import { db } from "@/lib/db/client";

export const DEFAULT_ADMIN_EMAIL = "admin@fusionlab.local";

export interface SeedReport {
  adminEmail: string;
  /** Set only when the password was generated now: the one time it is printed. */
  adminPassword?: string;
  adminPasswordNote?: string;
  apiKey?: string;
  apiKeyNote?: string;
}

/**
 * Idempotent start-up seed: an administrator and an API key for automation. Runs on every start;
 * changes nothing that is already as asked.
 */
export async function seedPlatform(env: Env, dataDir: string): Promise<SeedReport> {
  const report: SeedReport = { adminEmail: env.FUSIONLAB_ADMIN_EMAIL?.toLowerCase() ?? DEFAULT_ADMIN_EMAIL };
  const existing = await db.user.findUnique({ where: { email: report.adminEmail } });
  if (env.FUSIONLAB_ADMIN_PASSWORD) {
    report.adminPasswordNote = "from FUSIONLAB_ADMIN_PASSWORD";
    if (!existing) {
      await db.user.create({
        data: {
          email: report.adminEmail,
          name: "Administrator",
          role: "admin",
          passwordHash: await hashPassword(env.FUSIONLAB_ADMIN_PASSWORD),
        },
      });
    } else if (
      existing.role !== "admin" ||
      !(await verifyPassword(env.FUSIONLAB_ADMIN_PASSWORD, existing.passwordHash))
    ) {
      await db.user.update({
        where: { id: existing.id },
        data: { role: "admin", disabledAt: null, passwordHash: await hashPassword(env.FUSIONLAB_ADMIN_PASSWORD) },
      });
    }
  } else if (!existing) {
    const password = randomBytes(12).toString("base64url");
    await db.user.create({
      data: {
        email: report.adminEmail,
        name: "Administrator",
        role: "admin",
        passwordHash: await hashPassword(password),
      },
    });
    report.adminPassword = password;
    report.adminPasswordNote = "generated now and shown only this once";
  } else {
    report.adminPasswordNote = "shown at first start; set FUSIONLAB_ADMIN_PASSWORD to reset it";
  }

  if (env.FUSIONLAB_API_KEY) {
    const row = await db.apiKey.findUnique({ where: { hash: hashApiKey(env.FUSIONLAB_API_KEY) } });
    if (!row)
      await createApiKey(
        SYSTEM_ACTOR,
        { name: "bootstrap (FUSIONLAB_API_KEY)", scopes: ALL_SCOPES },
        env.FUSIONLAB_API_KEY,
      );
    // A revoked bootstrap key stays revoked: an admin's revocation outranks the environment.
    report.apiKeyNote = row?.revokedAt
      ? "FUSIONLAB_API_KEY was revoked by an admin and stays revoked"
      : "from FUSIONLAB_API_KEY";
  } else {
    // A demo key kept next to the local database, so every local start can print a working key.
    const file = path.join(dataDir, "demo-api-key");
    const key = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : undefined;
    const row = key ? await db.apiKey.findUnique({ where: { hash: hashApiKey(key) } }) : null;
    if (key && row && !row.revokedAt) report.apiKeyNote = `shown at first start; kept in ${file}`;
    else if (key && row?.revokedAt) report.apiKeyNote = "the demo key was revoked; create a key on the API keys page";
    else {
      const created = await createApiKey(SYSTEM_ACTOR, { name: "demo", scopes: ALL_SCOPES });
      fs.writeFileSync(file, created.key + "\n", { mode: 0o600 });
      report.apiKey = created.key;
    }
  }
  return report;
}
