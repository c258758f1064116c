/**
 * `npm start`: the whole platform in one command. Validates the environment, starts the embedded
 * PostgreSQL (unless DATABASE_URL is set), applies migrations, seeds, builds the web app when its
 * sources changed, starts the web server and the workers, and prints where to go. Ctrl-C / SIGTERM
 * stops the web server, then the workers (finishing or releasing their jobs), then PostgreSQL.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ConfigError, loadEnv } from "@/lib/config/env";
import { disconnectDb } from "@/lib/db/client";
import { ensureUpcomingPartitions } from "@/lib/db/day-partitions";
import { buildIsStale } from "@/lib/platform/build-state";
import { prepareDatabase } from "@/lib/platform/prepare-database";
import { ensurePrivateDir } from "@/lib/platform/private-dir";
import { seedDemo } from "@/lib/seed/seed-demo";
import { seedPlatform } from "@/lib/seed/seed-platform";

const log = (msg: string) => console.log(`[fusionlab] ${msg}`);
const require = createRequire(import.meta.url);
const WEB_SCRIPT = path.join("scripts", "web.ts");
// The web processes' old generation churns (every rank request parses ~200 KB of JSON): letting it
// grow 4× between full collections halves their number, and with it the 10–40 ms pauses that set
// the p99 of /api/v1/rank (measured with --trace-gc under bench:serve). A 32 MB semi-space (V8's
// default is 16 MB) halves the scavenges, each of which copies the bodies of the requests still
// waiting for their decision commit: web CPU per rank request 2.07 against 2.22 ms (bench:serve on
// a loaded machine, three pairs run side by side). Same flags in `npm run web`.
const WEB_NODE_FLAGS = ["--heap-growing-percent=300", "--max-semi-space-size=32"];
// `npm run dev`: no production build; the web server runs Next.js in dev mode (pages reload on save)
// and every child runs under `tsx watch`, which restarts it when a file it imported changes.
const DEV = process.argv.includes("--dev");
const TSX_CLI = path.join(
  path.dirname(require.resolve("tsx/package.json")),
  (require("tsx/package.json") as { bin: string }).bin,
);

/** A secret from the environment, else one generated at the first start and kept in the data directory. */
function keptSecret(dataDir: string, name: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(48).toString("base64url") + "\n", { mode: 0o600 });
  return fs.readFileSync(file, "utf8").trim();
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the web server did not become healthy within ${timeoutMs / 1000}s`);
}

async function main() {
  let env;
  try {
    env = loadEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`fusionlab: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const dataDir = ensurePrivateDir(path.resolve(env.FUSIONLAB_DATA_DIR), { traversable: process.getuid?.() === 0 });

  const children = new Set<ChildProcess>();
  const resources: { stopPostgres?: () => Promise<void> } = {};
  let shuttingDown = false;

  async function shutdown(code: number, why: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${why}: shutting down`);
    // Web first (no new work comes in), then workers, then the database they all use.
    const web = [...children].filter((c) => c.spawnargs.includes(WEB_SCRIPT));
    const workers = [...children].filter((c) => !web.includes(c));
    for (const group of [web, workers]) {
      await Promise.all(
        group.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const killer = setTimeout(() => child.kill("SIGKILL"), 25_000);
              child.once("exit", () => {
                clearTimeout(killer);
                resolve();
              });
              child.kill("SIGTERM");
            }),
        ),
      );
    }
    await disconnectDb().catch(() => {});
    if (resources.stopPostgres) {
      log("stopping PostgreSQL");
      await resources.stopPostgres().catch((err) => console.error(err));
    }
    log("stopped");
    process.exit(code);
  }
  process.on("SIGINT", () => void shutdown(0, "SIGINT"));
  process.on("SIGTERM", () => void shutdown(0, "SIGTERM"));
  process.on("SIGHUP", () => void shutdown(0, "SIGHUP"));
  // If whoever started us (npm, a supervisor) disappears without a signal, we are reparented: stop too.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown(0, "parent process went away"), 1_000).unref();
  process.on("uncaughtException", (err) => {
    console.error(err);
    void shutdown(1, "fatal error");
  });

  const db = await prepareDatabase({ databaseUrl: env.DATABASE_URL, dataDir, log });
  resources.stopPostgres = db.embedded?.stop;
  if (shuttingDown) return;
  process.env.DATABASE_URL = db.databaseUrl;

  const partitions = await ensureUpcomingPartitions();
  if (partitions.length) log(`created ${partitions.length} daily partitions (${partitions[0]} … ${partitions.at(-1)})`);
  const seed = await seedPlatform(env, dataDir);
  if (env.FUSIONLAB_DEMO_SEED) await seedDemo();
  const publicHost = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
  const url = env.NEXTAUTH_URL ?? `http://${publicHost}:${env.PORT}`;

  if (!DEV && buildIsStale()) {
    log("building the web app (next build); this takes a minute the first time");
    const build = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (build.status !== 0) return shutdown(1, "next build failed");
  }
  if (shuttingDown) return;

  // Where processes on this machine reach the web server (a wildcard listen address is not dialable).
  const localUrl = `http://${env.HOST === "0.0.0.0" || env.HOST === "::" ? "127.0.0.1" : env.HOST}:${env.PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.databaseUrl,
    NEXTAUTH_SECRET: keptSecret(dataDir, "auth-secret", env.NEXTAUTH_SECRET),
    FUSIONLAB_WEBHOOK_SECRET: keptSecret(dataDir, "webhook-secret", env.FUSIONLAB_WEBHOOK_SECRET),
    NEXTAUTH_URL: url,
    FUSIONLAB_INTERNAL_URL: env.FUSIONLAB_INTERNAL_URL ?? localUrl,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: DEV ? "development" : "production",
  } as NodeJS.ProcessEnv;
  const startChild = (name: string, script: string, restart: boolean) => {
    // An IPC channel ties each child's life to ours: if this launcher dies, children see 'disconnect'.
    const args = DEV
      ? [TSX_CLI, "watch", "--clear-screen=false", script, "--dev"]
      : [...(script === WEB_SCRIPT ? WEB_NODE_FLAGS : []), "--import", "tsx", script];
    const child = spawn(process.execPath, args, { env: childEnv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.add(child);
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (shuttingDown) return;
      if (!restart) return void shutdown(1, `${name} exited (${signal ?? code})`);
      log(`${name} exited (${signal ?? code}); restarting in 2 s`);
      setTimeout(() => !shuttingDown && startChild(name, script, restart), 2_000);
    });
  };
  startChild("web server", WEB_SCRIPT, false);
  for (let i = 0; i < env.FUSIONLAB_WORKERS; i++) startChild(`worker ${i + 1}`, path.join("workers", "main.ts"), true);

  await waitForHealth(localUrl, 120_000);
  const lines = [
    "",
    `FusionLab is running at ${url}`,
    `  admin login:  ${seed.adminEmail} / ${seed.adminPassword ?? "(not shown)"}` +
      (seed.adminPasswordNote ? `   (${seed.adminPasswordNote})` : ""),
    `  API key:      ${seed.apiKey ?? "(not shown)"}${seed.apiKeyNote ? `   (${seed.apiKeyNote})` : ""}`,
    `  database:     ${db.embedded ? "embedded PostgreSQL" : "DATABASE_URL"}; workers: ${env.FUSIONLAB_WORKERS}`,
    "Press Ctrl-C to stop.",
    "",
  ];
  console.log(lines.join("\n"));
}

main().catch((err) => {
  console.error(`fusionlab: ${err instanceof Error ? err.message : String(err)}`);
  process.kill(process.pid, "SIGTERM");
});
