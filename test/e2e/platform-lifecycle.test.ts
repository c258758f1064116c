import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  alive,
  interruptGroup,
  procStat,
  startPlatform,
  waitGone,
  type RunningPlatform,
} from "@/test/support/platform";

/**
 * The acceptance path of a fresh install: no DATABASE_URL → embedded PostgreSQL under the data dir.
 * (Uses its own data dir instead of .data/ so a developer's local data is never touched.)
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fusionlab-e2e-data-"));
fs.chmodSync(dataDir, 0o755);
const baseEnv = {
  DATABASE_URL: undefined,
  FUSIONLAB_DATA_DIR: dataDir,
  FUSIONLAB_ADMIN_EMAIL: undefined,
  FUSIONLAB_ADMIN_PASSWORD: undefined,
  FUSIONLAB_API_KEY: undefined,
  NEXTAUTH_SECRET: undefined,
  NEXTAUTH_URL: undefined,
};
let current: RunningPlatform | undefined;

afterAll(async () => {
  if (current && current.proc.exitCode === null && current.proc.signalCode === null) {
    try {
      process.kill(-current.proc.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function postgresOn(dir: string): number[] {
  const res = spawnSync("pgrep", ["-f", `postgres -D ${dir}`], { encoding: "utf8" });
  return res.stdout.split("\n").filter(Boolean).map(Number);
}

/** Live processes of the platform running scripts/web.ts. */
function webProcesses(platform: RunningPlatform): number[] {
  return platform.descendants().filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("web.ts") && alive(pid);
    } catch {
      return false;
    }
  });
}

async function signIn(url: string, email: string, password: string): Promise<boolean> {
  const csrfRes = await fetch(`${url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const cookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  return res.headers.getSetCookie().some((c) => c.startsWith("next-auth.session-token="));
}

describe("npm start on a machine with no database", () => {
  let adminPassword = "";
  let apiKey = "";

  it("comes up healthy on embedded PostgreSQL, serves sign-in, the demo admin signs in, bad keys get 401", async () => {
    current = await startPlatform(baseEnv);
    const out = current.output();
    adminPassword = out.match(/admin login:\s+admin@fusionlab\.local \/ (\S+)/)?.[1] ?? "";
    apiKey = out.match(/API key:\s+(flk_\S+)/)?.[1] ?? "";
    expect(adminPassword).toMatch(/^\S{12,}$/);
    expect(apiKey).toMatch(/^flk_/);
    expect(out).toContain("embedded PostgreSQL");
    // Nothing a newcomer would take for an error (the optional native TensorFlow package is absent here).
    expect(out).not.toMatch(/Module not found|Can't resolve|Error:/);

    const health = await fetch(`${current.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", db: "up" });
    const page = await fetch(`${current.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign in");
    expect(await signIn(current.url, "admin@fusionlab.local", adminPassword)).toBe(true);
    expect(await signIn(current.url, "admin@fusionlab.local", "wrong-password")).toBe(false);

    const bad = await fetch(`${current.url}/api/v1/experiments`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    const good = await fetch(`${current.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(good.status).toBe(200);
  });

  it("SIGTERM to npm start leaves no PostgreSQL, web or worker process behind", async () => {
    const platform = current!;
    const tree = platform.descendants();
    expect(postgresOn(path.join(dataDir, "postgres")).length).toBeGreaterThan(0);
    expect(tree.length).toBeGreaterThanOrEqual(4); // launcher, web, worker, postgres (+ its helpers)
    platform.proc.kill("SIGTERM");
    expect(await platform.waitForExit(60_000)).toBe(0);
    expect(await waitGone(tree)).toEqual([]);
    expect(postgresOn(path.join(dataDir, "postgres"))).toEqual([]);
  });

  it(
    "a second start reuses the data (same admin, same key), runs 2 web processes that replace a dead one, and " +
      "Ctrl-C stops it cleanly too",
    async () => {
      current = await startPlatform({ ...baseEnv, FUSIONLAB_WEB_PROCESSES: "2" });
      const out = current.output();
      expect(out).not.toContain("initialising a new PostgreSQL cluster");
      expect(out).toContain("shown at first start");
      expect(await signIn(current.url, "admin@fusionlab.local", adminPassword)).toBe(true);
      const good = await fetch(`${current.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(good.status).toBe(200);
      // The cluster primary and its two server processes.
      const servers = () => {
        const web = webProcesses(current!);
        return web.filter((pid) => web.includes(Number(procStat(pid)?.[1])));
      };
      expect(webProcesses(current)).toHaveLength(3);
      const [victim] = servers();
      process.kill(victim, "SIGKILL");
      const deadline = Date.now() + 60_000;
      while (!(servers().length === 2 && !servers().includes(victim)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect(servers()).toHaveLength(2);
      expect((await fetch(`${current.url}/api/health`)).status).toBe(200);
      const tree = current.descendants();
      interruptGroup(current);
      // npm itself gets the SIGINT too and may report it; what matters is that everything stops.
      expect([0, 130, "SIGINT"]).toContain(await current.waitForExit(60_000));
      expect(await waitGone(tree)).toEqual([]);
      expect(postgresOn(path.join(dataDir, "postgres"))).toEqual([]);
    },
  );

  it("bad configuration stops start-up with one line, not a stack trace", async () => {
    const platform = await startPlatform({ ...baseEnv, PORT: "abc" }, { expectFailure: true });
    expect(await platform.waitForExit(60_000)).toBe(1);
    const lines = platform
      .output()
      .trim()
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith(">"));
    expect(lines).toEqual([
      'fusionlab: invalid configuration: PORT must be a whole number from 1 to 65535 (got "abc")',
    ]);
  });
});
