/**
 * npm run bench:online-offline — does the online experiment agree with the offline evaluation?
 * On a fresh platform (embedded PostgreSQL, two workers): tune a fixed policy as `default-fixed`
 * (the control), train an Enhanced-State version (the treatment), evaluate the treatment offline
 * (paired simulator rollouts vs the control), then run an experiment control vs treatment with the
 * simulate-traffic job through the real rank/events API, and compare the report's lift on valid
 * consumption with the offline relative difference. Prints one JSON line.
 * Options: --users 1500 --preset quick|standard --seeds 10
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startBenchPlatform } from "@/test/support/platform";

const { values } = parseArgs({ options: { users: { type: "string", default: "1500" }, preset: { type: "string", default: "quick" }, seeds: { type: "string", default: "10" } } });
const KEY = "flk_bench_online_offline_key_000000";
const bench = await startBenchPlatform({ FUSIONLAB_API_KEY: KEY, FUSIONLAB_WORKERS: "2" });
const { platform, databaseUrl } = bench;

async function api(method: string, p: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${platform.url}${p}`, { method, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function runJob(type: string, payload: unknown): Promise<Record<string, unknown>> {
  const job = await api("POST", "/api/v1/jobs", { type, payload });
  for (;;) {
    const j = await api("GET", `/api/v1/jobs/${job.id}`);
    if (j.state === "completed") return j.result as Record<string, unknown>;
    if (j.state === "failed" || j.state === "cancelled") throw new Error(`${type} ${j.state}: ${j.error}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const started = Date.now();
try {
  const preset = values.preset;
  const control = await runJob("train-policy", { policy: "default-fixed", type: "fixed", scenario: "default", preset });
  const treatment = await runJob("train-policy", { policy: "enhanced", type: "enhanced_state", scenario: "default", preset });
  await runJob("evaluate-policy", { policyVersionId: treatment.policyVersionId, scenario: "default", seeds: Number(values.seeds), sessionsPerSeed: 300 });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const evaluation = (await db.query(`SELECT evaluation FROM "PolicyVersion" WHERE id = $1`, [treatment.policyVersionId])).rows[0].evaluation as {
    vsBaseline: { validConsumption: { relative: { mean: number; ci: [number, number] }; significant: boolean } };
  };
  await db.end();

  await api("POST", "/api/v1/layers", { key: "onoff", name: "Online vs offline" });
  const exp = await api("POST", "/api/v1/experiments", {
    key: "onoff",
    name: "Enhanced-State vs tuned fixed",
    layer: "onoff",
    primaryMetric: "valid_consumption",
    arms: [{ key: "control", control: true, weight: 0.5, policyVersionId: control.policyVersionId }, { key: "enhanced", weight: 0.5, policyVersionId: treatment.policyVersionId }],
  });
  await api("POST", `/api/v1/experiments/${exp.id}/start`);
  const traffic = await runJob("simulate-traffic", { experiment: "onoff", scenario: "default", users: Number(values.users), sessionsPerUser: 1, prePeriodDays: 7, concurrency: 16 });
  const report = (await api("GET", `/api/v1/experiments/${exp.id}/report`)) as unknown as {
    srm: { ok: boolean };
    arms: { key: string; users: number; metrics: { valid_consumption: { lift: number | null; ci: [number, number] | null; cuped: { lift: number; ci: [number, number] } | null } } }[];
  };
  const online = report.arms.find((a) => a.key === "enhanced")!.metrics.valid_consumption;
  const offline = evaluation.vsBaseline.validConsumption.relative;
  const onlineCi = online.cuped?.ci ?? online.ci!;
  const result = {
    bench: "online-offline",
    preset,
    users: Number(values.users),
    rankRequests: traffic.requests,
    offlineRelativeLift: offline,
    onlineLift: { lift: online.lift, ci: online.ci, cuped: online.cuped && { lift: online.cuped.lift, ci: online.cuped.ci } },
    srmOk: report.srm.ok,
    // The two estimates agree when the offline point estimate lies in the online 95% CI (CUPED when available).
    agree: offline.mean >= onlineCi[0] && offline.mean <= onlineCi[1],
    minutes: Math.round((Date.now() - started) / 6000) / 10,
  };
  fs.mkdirSync("bench/results", { recursive: true });
  fs.writeFileSync(path.join("bench", "results", "online-offline.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result));
} finally {
  await bench.stop();
}
