import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort, startEmbeddedPostgres, withDatabase } from "@/lib/db/embedded-postgres";

/**
 * Runs the real `npm start` (launcher → embedded or given Postgres, migrations, seed, web, workers)
 * for end-to-end tests, and knows every process it spawned so a test can prove none outlives it.
 */
export interface RunningPlatform {
  url: string;
  port: number;
  /** GET /metrics (FUSIONLAB_METRICS_PORT, a free port unless the caller set one). */
  metricsUrl: string;
  proc: ChildProcess;
  output: () => string;
  /** Resolves with the exit code, or the signal name when npm re-raised the signal it forwarded. */
  waitForExit: (timeoutMs?: number) => Promise<number | string | null>;
  descendants: () => number[];
}

/**
 * Fields of /proc/<pid>/stat after the command name (index 1 = parent pid, 11/12 = user/system ticks); null once gone.
 */
export function procStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null; // process went away while we looked
  }
}

function childrenOf(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(procStat(Number(entry))?.[1]) === pid)
    .map(Number);
}

export function processTree(root: number): number[] {
  const all: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const c of childrenOf(pid)) {
      all.push(c);
      queue.push(c);
    }
  }
  return all;
}

/** Waits until none of `pids` runs any more; returns those still running at the deadline. */
export async function waitGone(pids: number[], timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return pids.filter(alive);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

export async function startPlatform(
  env: Record<string, string | undefined>,
  opts: { expectFailure?: boolean; timeoutMs?: number } = {},
): Promise<RunningPlatform> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const metricsPort = env.FUSIONLAB_METRICS_PORT ? Number(env.FUSIONLAB_METRICS_PORT) : await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    FUSIONLAB_METRICS_PORT: String(metricsPort),
    FUSIONLAB_WORKERS: "1",
    ...env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const proc = spawn("npm", ["start", "--silent"], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | string | null>((resolve) =>
    proc.on("exit", (code, signal) => resolve(code ?? signal)),
  );
  const platform: RunningPlatform = {
    url: `http://127.0.0.1:${port}`,
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    proc,
    output: () => out,
    waitForExit: (timeoutMs = 60_000) =>
      Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`platform did not exit within ${timeoutMs} ms:\n${out}`)), timeoutMs),
        ),
      ]),
    descendants: () => processTree(proc.pid!),
  };
  if (opts.expectFailure) return platform;
  const deadline = Date.now() + (opts.timeoutMs ?? 240_000);
  while (!out.includes("FusionLab is running at")) {
    if (proc.exitCode !== null) throw new Error(`npm start exited early (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return platform;
}

/** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
export function interruptGroup(platform: RunningPlatform): void {
  process.kill(-platform.proc.pid!, "SIGINT");
}

/** SIGTERM to `npm start`, then wait until every process it had started is gone. */
export async function stopPlatform(platform: RunningPlatform | undefined): Promise<void> {
  if (!platform) return;
  const tree = platform.descendants();
  platform.proc.kill("SIGTERM");
  await platform.waitForExit(60_000).catch(() => undefined);
  await waitGone(tree);
}

/**
 * For benchmarks: a throw-away embedded PostgreSQL with an empty `bench` database, and `npm start`
 * on it with its own data directory. stop() ends both and removes every file.
 */
export async function startBenchPlatform(env: Record<string, string | undefined>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fusionlab-bench-"));
  fs.chmodSync(dir, 0o755);
  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
  const admin = new pg.Client({ connectionString: pgServer.adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE bench");
  await admin.end();
  const databaseUrl = withDatabase(pgServer.adminUrl, "bench");
  const platform = await startPlatform({
    DATABASE_URL: databaseUrl,
    FUSIONLAB_DATA_DIR: path.join(dir, "data"),
    NEXTAUTH_URL: undefined,
    ...env,
  });
  return {
    platform,
    databaseUrl,
    async stop() {
      await stopPlatform(platform);
      await pgServer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
