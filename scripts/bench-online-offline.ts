/**
 * npm run bench:online-offline — does the online experiment agree with the offline evaluation?
 * On a fresh platform (embedded PostgreSQL, two workers): tune a fixed policy as `default-fixed`
 * (the control), train an Enhanced-State version (the treatment), evaluate the treatment offline
 * (paired simulator rollouts vs the control over 10 worlds: the RL issue's comparison), then run
 * `--runs` experiments control vs treatment, each with the simulate-traffic job through the real
 * rank/events API on its own world (traffic seed 1, 2, …), and compare each report's lift on valid
 * consumption with the offline relative difference.
 *
 * One run's online CI covers its own world's lift 95% of the time; it covers the 10-world offline
 * mean a little less often, since worlds differ. So the bench also evaluates the treatment offline
 * on exactly the worlds the experiments ran in (same seed and size, many sessions) — a miss there
 * would mean the online path measures something other than the simulator — and pools the runs
 * (inverse-variance) into one online estimate of the average-world lift. Prints one JSON line.
 * Options: --users 1500 --runs 4 --preset quick|standard --seeds 10
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startBenchPlatform } from "@/test/support/platform";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1500" },
    runs: { type: "string", default: "4" },
    preset: { type: "string", default: "quick" },
    seeds: { type: "string", default: "10" },
  },
});
const KEY = "flk_bench_online_offline_key_000000";
const bench = await startBenchPlatform({ FUSIONLAB_API_KEY: KEY, FUSIONLAB_WORKERS: "2" });
const { platform, databaseUrl } = bench;

async function api(method: string, p: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${platform.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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

interface Interval {
  mean: number;
  ci: [number, number];
}
interface Relative extends Interval {
  perSeed: number[];
}
interface ArmLift {
  lift: number | null;
  ci: [number, number] | null;
  cuped: { lift: number; ci: [number, number] } | null;
}
/** The report's lift with its CI: CUPED when the report has it (the narrower interval of the same lift). */
const headline = (l: ArmLift): Interval =>
  l.cuped ? { mean: l.cuped.lift, ci: l.cuped.ci } : { mean: l.lift!, ci: l.ci! };
const covers = (ci: [number, number], x: number) => x >= ci[0] && x <= ci[1];

/** Inverse-variance pooling of independent estimates, each given with a normal 95% CI. */
function pool(estimates: Interval[]): Interval {
  let w = 0;
  let wx = 0;
  for (const e of estimates) {
    const se = (e.ci[1] - e.ci[0]) / (2 * 1.959964);
    w += 1 / se ** 2;
    wx += e.mean / se ** 2;
  }
  const mean = wx / w;
  const half = 1.959964 / Math.sqrt(w);
  return { mean, ci: [mean - half, mean + half] };
}

const started = Date.now();
try {
  const preset = values.preset;
  const users = Number(values.users);
  const runs = Number(values.runs);
  const control = await runJob("train-policy", { policy: "default-fixed", type: "fixed", scenario: "default", preset });
  const treatment = await runJob("train-policy", {
    policy: "enhanced",
    type: "enhanced_state",
    scenario: "default",
    preset,
  });
  await runJob("evaluate-policy", {
    policyVersionId: treatment.policyVersionId,
    scenario: "default",
    seeds: Number(values.seeds),
    sessionsPerSeed: 300,
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const evaluation = (
    await db.query(`SELECT evaluation FROM "PolicyVersion" WHERE id = $1`, [treatment.policyVersionId])
  ).rows[0].evaluation as {
    vsBaseline: { validConsumption: { relative: Relative } };
  };
  await db.end();
  const offline = evaluation.vsBaseline.validConsumption.relative;

  const online: { seed: number; users: number; rankRequests: unknown; lift: ArmLift; srmOk: boolean }[] = [];
  // One layer; each experiment runs alone in it (a running one would take every user of the layer).
  await api("POST", "/api/v1/layers", { key: "onoff", name: "Online vs offline" });
  for (let seed = 1; seed <= runs; seed++) {
    const key = `onoff-${seed}`;
    const exp = await api("POST", "/api/v1/experiments", {
      key,
      name: `Enhanced-State vs tuned fixed, world ${seed}`,
      layer: "onoff",
      primaryMetric: "valid_consumption",
      arms: [
        { key: "control", control: true, weight: 0.5, policyVersionId: control.policyVersionId },
        { key: "enhanced", weight: 0.5, policyVersionId: treatment.policyVersionId },
      ],
    });
    // The bench measures the online lift whatever the offline one is, so it starts past the launch gate.
    await api("POST", `/api/v1/experiments/${exp.id}/start`, {
      override: { reason: "bench:online-offline compares online with offline lifts, whatever their sign" },
    });
    const traffic = await runJob("simulate-traffic", {
      experiment: key,
      scenario: "default",
      seed,
      users,
      sessionsPerUser: 1,
      prePeriodDays: 7,
      concurrency: 16,
    });
    await api("POST", `/api/v1/experiments/${exp.id}/stop`, {
      decision: "rerun",
      note: "benchmark world; the bench compares offline and online lifts",
    });
    const report = (await api("GET", `/api/v1/experiments/${exp.id}/report`)) as unknown as {
      srm: { ok: boolean };
      arms: { key: string; users: number; metrics: { valid_consumption: ArmLift } }[];
    };
    const arm = report.arms.find((a) => a.key === "enhanced")!;
    online.push({
      seed,
      users: arm.users,
      rankRequests: traffic.requests,
      lift: arm.metrics.valid_consumption,
      srmOk: report.srm.ok,
    });
    console.error(`[bench] world ${seed}: ${JSON.stringify(online.at(-1))}`);
  }

  // The same worlds offline: world seed k with `users` users is the world traffic seed k played in
  // (evaluate-policy takes at least 2 seeds).
  const sameWorlds = (await runJob("evaluate-policy", {
    policyVersionId: treatment.policyVersionId,
    scenario: "default",
    seeds: Math.max(2, runs),
    sessionsPerSeed: 4 * users,
    users,
  })) as {
    vsBaseline: { relative: Relative };
  };
  const perRun = online.map(({ lift, ...r }, i) => {
    const est = headline(lift);
    const sameWorld = sameWorlds.vsBaseline.relative.perSeed[i];
    return {
      ...r,
      lift: { lift: lift.lift, ci: lift.ci, cuped: lift.cuped && { lift: lift.cuped.lift, ci: lift.cuped.ci } },
      offlineSameWorld: sameWorld,
      coversOffline: covers(est.ci, offline.mean),
      coversSameWorld: covers(est.ci, sameWorld),
    };
  });
  const pooled = pool(online.map((r) => headline(r.lift)));
  const result = {
    bench: "online-offline",
    preset,
    users,
    runs: perRun,
    offlineRelativeLift: offline,
    pooledOnlineLift: pooled,
    // The pooled online lift (average over the experiments' worlds) agrees with the offline comparison
    // when the offline point estimate lies in its 95% CI.
    agree: covers(pooled.ci, offline.mean),
    runsCoveringOffline: perRun.filter((r) => r.coversOffline).length,
    runsCoveringSameWorld: perRun.filter((r) => r.coversSameWorld).length,
    minutes: Math.round((Date.now() - started) / 6000) / 10,
  };
  fs.mkdirSync("bench/results", { recursive: true });
  fs.writeFileSync(path.join("bench", "results", "online-offline.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result));
} finally {
  await bench.stop();
}
