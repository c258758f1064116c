/**
 * npm run bench:serve — serving throughput and latency, measured the way a ranking service sees it.
 * Starts the platform (`npm start`, --web-processes web processes, one worker) on a fresh embedded PostgreSQL,
 * trains a small Enhanced-State version through the train-policy job (quick preset: the network has
 * its full serving shape, only training is short; promotion "always", so that the arm serves the
 * trained actor even where the promotion gate would keep the fixed behaviour), creates a running experiment with it as
 * the treatment arm, then
 *   1. drives POST /api/v1/rank over loopback at a fixed arrival rate (open loop: requests are sent
 *      on schedule whether or not earlier ones returned) with 200 candidates each, first for
 *      --warmup-seconds (not measured: the web tier reaches its steady state), then for --seconds;
 *   2. sends events in batches of 1,000 from several concurrent clients for a while;
 *   3. checks that the database holds exactly the acknowledged decisions and events, and measures the
 *      decision log's bytes on disk per decision; reads the web tier's own counts from GET /metrics.
 * Before the timed phase the set-up's file writes (embedded database, training, policy files) are
 * flushed to disk (`sync`): otherwise the kernel writes them back ~30 s later, in the middle of the
 * timed phase, and every decision commit's fsync queues behind that writeback (seen as 30–50 ms
 * INSERTs on this VM's disk). Commits stay synchronous: the timed phase still pays its own fsyncs.
 * Prints one JSON line. Options: --rps 200 --seconds 20 --warmup-seconds 20 --candidates 200 --event-seconds 10
 * --treatment enhanced_state|user_state|none --web-processes 2 (FUSIONLAB_WEB_PROCESSES: one Node
 * process serves rank requests on one core, so the web tier gets the machine's cores; default 2)
 * --runtime onnx|tfjs (FUSIONLAB_SERVING_RUNTIME: what runs the RL actor; default onnx)
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { httpClient, percentile, simulatedRankBodies } from "@/test/support/load";
import { processTree, procStat, startBenchPlatform } from "@/test/support/platform";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "200" },
    seconds: { type: "string", default: "20" },
    "warmup-seconds": { type: "string", default: "20" },
    candidates: { type: "string", default: "200" },
    "event-seconds": { type: "string", default: "10" },
    treatment: { type: "string", default: "enhanced_state" },
    "web-processes": { type: "string", default: "2" },
    runtime: { type: "string", default: "onnx" },
  },
});
const rps = Number(values.rps);
const seconds = Number(values.seconds);
const warmupSeconds = Number(values["warmup-seconds"]);
const candidates = Number(values.candidates);
const eventSeconds = Number(values["event-seconds"]);
const KEY = "flk_bench_serve_key_000000000000000";

const webProcesses = values["web-processes"];
const bench = await startBenchPlatform({
  FUSIONLAB_API_KEY: KEY,
  FUSIONLAB_WORKERS: "1",
  FUSIONLAB_WEB_PROCESSES: webProcesses,
  FUSIONLAB_SERVING_RUNTIME: values.runtime,
});
const { platform, databaseUrl } = bench;

/**
 * CPU seconds used so far by each kind of process on the machine that matters here: the web
 * processes, the workers, PostgreSQL and this load generator (from /proc, in clock ticks of 10 ms).
 */
function cpuSeconds(): Record<string, number> {
  const out: Record<string, number> = { web: 0, workers: 0, postgres: 0, loadGenerator: 0, launcher: 0 };
  for (const pid of [process.pid, ...processTree(process.pid)]) {
    const fields = procStat(pid);
    if (!fields) continue;
    let cmd = "";
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const kind =
      pid === process.pid
        ? "loadGenerator"
        : cmd.includes("web.ts")
          ? "web"
          : cmd.includes("workers/main.ts")
            ? "workers"
            : cmd.includes("postgres")
              ? "postgres"
              : "launcher";
    out[kind] += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return out;
}

async function api(method: string, p: string, body?: unknown) {
  const res = await fetch(`${platform.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

try {
  await api("POST", "/api/v1/layers", { key: "bench", name: "Bench" });
  let policyVersionId: string | undefined;
  if (values.treatment !== "none") {
    const job = await api("POST", "/api/v1/jobs", {
      type: "train-policy",
      payload: {
        policy: "bench",
        type: values.treatment,
        scenario: "default",
        preset: "quick",
        trainingConfig: { promotion: "always" },
      },
    });
    for (;;) {
      const j = await api("GET", `/api/v1/jobs/${job.id}`);
      if (j.state === "completed") {
        policyVersionId = (j.result as { policyVersionId: string }).policyVersionId;
        break;
      }
      if (j.state === "failed" || j.state === "cancelled") throw new Error(`training failed: ${j.error}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const treatment = policyVersionId
    ? { key: "treatment", weight: 0.5, policyVersionId }
    : { key: "treatment", weight: 0.5 };
  const exp = await api("POST", "/api/v1/experiments", {
    key: "bench",
    name: "Bench",
    layer: "bench",
    primaryMetric: "valid_consumption",
    arms: [{ key: "control", control: true, weight: 0.5 }, treatment],
  });
  // Serving speed is measured here; the treatment's offline quality does not matter (launch gate overridden).
  await api("POST", `/api/v1/experiments/${exp.id}/start`, {
    override: { reason: "bench:serve measures serving latency, not the treatment's quality" },
  });

  const bodies = simulatedRankBodies(500, candidates).map((b) => Buffer.from(b));
  const post = httpClient(platform.url, { authorization: `Bearer ${KEY}` });
  /**
   * POST /api/v1/rank open loop: `count` requests at `rps`, sent on schedule whether or not earlier
   * ones returned. Latency is taken from the scheduled send time, so a stalled client cannot hide
   * queueing.
   */
  const openLoop = async (count: number, first: number) => {
    const latencies: number[] = [];
    const decisionIds: string[] = [];
    let errors = 0;
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rps;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        post("/api/v1/rank", bodies[(first + i) % bodies.length]).then(
          (res) => {
            latencies.push(performance.now() - due);
            if (res.status === 200) decisionIds.push((JSON.parse(res.body) as { decisionId: string }).decisionId);
            else errors++;
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await Promise.all(inflight);
    return { latencies, decisionIds, errors, seconds: (performance.now() - t0) / 1000 };
  };
  // Warm-up, first over several connections so that every web process gets its share, then open
  // loop at the measured rate until the web tier is in its steady state: JIT tiers and heap sizes
  // settle over the first ~20 s at 200 req/s (web CPU per request, 5 s windows after the short
  // warm-up alone: 1.69, 1.46, 1.56, then 0.97–1.48), and a serving process runs for hours.
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; i < 40; i++) await post("/api/v1/rank", bodies[(c * 40 + i) % bodies.length]);
    }),
  );
  const warmup = await openLoop(Math.round(rps * warmupSeconds), 0);

  execFileSync("sync");

  const total = rps * seconds;
  const cpu0 = cpuSeconds();
  // The web tier's CPU per request in 5 s windows of the timed phase: a steady state shows as flat.
  const windows: number[] = [];
  let windowStart = cpu0.web;
  const sampler = setInterval(() => {
    const web = cpuSeconds().web;
    windows.push(Math.round(((web - windowStart) * 1000 * 100) / (rps * 5)) / 100);
    windowStart = web;
  }, 5000);
  const { latencies, decisionIds, errors, seconds: elapsed } = await openLoop(total, warmup.latencies.length);
  clearInterval(sampler);
  const achievedRps = total / elapsed;
  const cpu1 = cpuSeconds();
  const lastWindow = total - windows.length * rps * 5;
  if (lastWindow > 0) windows.push(Math.round(((cpu1.web - windowStart) * 1000 * 100) / lastWindow) / 100);
  // Milliseconds of CPU per rank request, by kind of process (2 cores give 10 ms per request at 200/s).
  const cpuMsPerRequest = Object.fromEntries(
    Object.keys(cpu1).map((k) => [k, Math.round(((cpu1[k] - cpu0[k]) * 1000 * 100) / total) / 100]),
  );
  latencies.sort((a, b) => a - b);

  // Events: 4 concurrent senders, batches of 1,000, unique ids, for eventSeconds.
  let acknowledged = 0;
  let eventErrors = 0;
  let batchNo = 0;
  const e0 = performance.now();
  const sender = async () => {
    while (performance.now() - e0 < eventSeconds * 1000) {
      const b = batchNo++;
      const events = Array.from({ length: 1000 }, (_, i) => ({
        eventId: `bench-${b}-${i}`,
        decisionId: decisionIds[(b * 1000 + i) % decisionIds.length],
        userId: `u${i}`,
        itemId: `item-${i}`,
        type: i % 3 === 0 ? "valid_play" : "play",
        value: 12,
      }));
      const res = await post("/api/v1/events", JSON.stringify({ events }));
      // Parse first, then add: `x += await …` would add to a stale x read before the await.
      if (res.status === 200) acknowledged += (JSON.parse(res.body) as { accepted: number }).accepted;
      else eventErrors++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, sender));
  const eventsPerSecond = acknowledged / ((performance.now() - e0) / 1000);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const storedDecisions = Number(
    (await db.query(`SELECT count(*) FROM "Decision" WHERE id = ANY($1::uuid[])`, [decisionIds])).rows[0].count,
  );
  const storedEvents = Number(
    (await db.query(`SELECT count(*) FROM "Event" WHERE "eventId" LIKE 'bench-%'`)).rows[0].count,
  );
  // The decision log on disk (all partitions: heap, TOAST and indexes of Decision and DecisionItems)
  // per decision, and the encoded shown items alone.
  await db.query(`VACUUM ANALYZE "Decision", "DecisionItems"`);
  const size = (
    await db.query<{ decisions: string; bytes: string; shown: string }>(`
    SELECT (SELECT count(*) FROM "Decision") AS decisions,
           (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('"Decision"'))
             + (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('"DecisionItems"')) AS bytes,
           (SELECT avg(octet_length(shown)) FROM "DecisionItems") AS shown`)
  ).rows[0];
  await db.end();
  // What the web tier itself counted (GET /metrics, summed over its processes): every decision
  // written, in how many group commits.
  const metrics = await (await fetch(platform.metricsUrl, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1] ?? NaN);

  const result = {
    bench: "serve",
    candidates,
    targetRps: rps,
    rps: Math.round(achievedRps * 10) / 10,
    requests: total,
    p50Ms: Math.round(percentile(latencies, 0.5) * 100) / 100,
    p99Ms: Math.round(percentile(latencies, 0.99) * 100) / 100,
    maxMs: Math.round(latencies[latencies.length - 1] * 100) / 100,
    errors,
    cpuMsPerRequest,
    webCpuMsPerRequestBy5s: windows,
    warmupSeconds,
    warmupErrors: warmup.errors,
    decisionsAcknowledged: decisionIds.length,
    decisionsStored: storedDecisions,
    eventsPerSecond: Math.round(eventsPerSecond),
    eventsAcknowledged: acknowledged,
    eventsStored: storedEvents,
    eventErrors,
    bytesPerDecision: Math.round(Number(size.bytes) / Number(size.decisions)),
    shownItemsBytesPerDecision: Math.round(Number(size.shown)),
    metricsDecisionsWritten: sample("fusionlab_decisions_written_total"),
    meanDecisionBatch:
      Math.round((sample("fusionlab_decision_batch_size_sum") / sample("fusionlab_decision_batch_size_count")) * 100) /
      100,
    treatment: values.treatment,
    runtime: values.runtime,
    policyVersion: policyVersionId ?? null,
    webProcesses: Number(webProcesses),
    cpus: os.cpus().length,
  };
  fs.mkdirSync("bench/results", { recursive: true });
  fs.writeFileSync(path.join("bench", "results", "serve.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result));
} finally {
  await bench.stop();
}
