/**
 * Simulator benchmark. Prints ONE JSON line:
 *   requestsPerSecond  rollout throughput (wall clock), default scenario (100 candidates, top 5
 *                      shown), fixed policy, one process, nothing logged; rollout.requestsPerCpuSecond
 *                      is the same per CPU second of this process;
 *   dataset            time, size and peak RSS to generate and store a dataset of --requests
 *                      requests (default 1,000,000; fixed policy with per-request exploration);
 *   datasetSmall       the same at a tenth of the size — equal peak RSS shows memory is flat.
 * Each dataset run is a fresh child process so its peak RSS is its own.
 *
 *   npx tsx scripts/bench-simulator.ts [--requests N] [--keep <dir>]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateDataset } from "@/lib/dataset-format";
import { FixedFusionPolicy, World, parseScenario, rollout } from "@/lib/simulator";

interface DatasetRun {
  requests: number;
  sessions: number;
  seconds: number;
  bytes: number;
  peakRssMB: number;
}

async function child(requests: number, outDir: string): Promise<void> {
  const started = performance.now();
  const manifest = await generateDataset({
    scenario: {},
    seed: "bench",
    policy: new FixedFusionPolicy(),
    exploration: { perItem: false },
    sessions: requests,
    requestBudget: requests,
    outDir,
  });
  const run: DatasetRun = {
    requests: manifest.summary.requests,
    sessions: manifest.summary.sessions,
    seconds: +((performance.now() - started) / 1000).toFixed(2),
    bytes: manifest.shards.reduce((s, x) => s + x.bytes, manifest.users.bytes + manifest.items.bytes),
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  };
  console.log(JSON.stringify(run));
}

function runChild(requests: number, outDir: string): DatasetRun {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--child", String(requests), "--out", outDir],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`dataset child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string) as DatasetRun;
}

async function throughput(): Promise<{
  requestsPerSecond: number;
  requestsPerCpuSecond: number;
  requests: number;
  seconds: number;
}> {
  const world = new World(parseScenario({}), "bench");
  const policy = new FixedFusionPolicy();
  // Warm-up: let the JIT settle before timing.
  await rollout({ world, policy, sessions: 1e6, requestBudget: 50_000, seed: "warmup" });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const r = await rollout({ world, policy, sessions: 1e6, requestBudget: 300_000, seed: "timed" });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  // CPU seconds alongside wall seconds: on a shared machine the wall-clock rate also measures the neighbours.
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    requestsPerSecond: Math.round(r.requests / seconds),
    requestsPerCpuSecond: Math.round(r.requests / cpuSeconds),
    requests: r.requests,
    seconds: +seconds.toFixed(2),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "1000000" },
      keep: { type: "string" },
      child: { type: "string" },
      out: { type: "string" },
    },
  });
  if (values.child) return child(Number(values.child), values.out as string);
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 10)
    throw new Error(`--requests must be an integer ≥ 10, got ${values.requests}`);
  const t = await throughput();
  const root = values.keep ?? mkdtempSync(path.join(os.tmpdir(), "fusionlab-bench-"));
  try {
    const datasetSmall = runChild(Math.round(requests / 10), path.join(root, "small"));
    const dataset = runChild(requests, path.join(root, "large"));
    console.log(
      JSON.stringify({
        requestsPerSecond: t.requestsPerSecond,
        rollout: {
          requests: t.requests,
          seconds: t.seconds,
          requestsPerCpuSecond: t.requestsPerCpuSecond,
          candidates: 100,
          shown: 5,
          policy: "fixed",
        },
        dataset,
        datasetSmall,
        peakRssRatio: +(dataset.peakRssMB / datasetSmall.peakRssMB).toFixed(2),
        node: process.version,
        cpus: os.cpus().length,
      }),
    );
  } finally {
    if (!values.keep) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
