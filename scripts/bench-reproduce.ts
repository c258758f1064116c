/**
 * Reproduction benchmark (issues 4 and 11): in a scenario, trains fixed (CEM), user-state RL,
 * Enhanced-State RL and the per-item linear (CEM) baseline with several training seeds, evaluates
 * them with random and the oracle on common evaluation worlds, and pools the paired differences
 * over training seeds (intervals include training-seed variance; lib/evaluation/pooled-difference).
 * The full run repeats everything with the item-segment miscalibration switched off (ablation).
 *
 *   npm run bench:reproduce -- [--quick] [--scenario <file>] [--seed <prefix>] [--training-seeds N]
 *                              [--threads N] [--out <file>]
 *
 * `--seed` prefixes every training, gate and evaluation seed, so the whole comparison can be rerun
 * on other worlds. Each training seed runs in a worker thread (one per core by default). Prints
 * progress on stderr, markdown on stdout and, as the LAST stdout line, one JSON object; the same
 * JSON is written under bench/results/. Policies are evaluated after a save → load round trip
 * (the loaded version must score bit-identically).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { DEFAULT_ACTION_BOUNDS } from "@/lib/fusion/action";
import { scoreCandidates } from "@/lib/fusion/score";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import {
  collectLogs,
  criticItemRanking,
  loadPolicy,
  memoryLogSource,
  ModelPolicy,
  parseEnhancedStateConfig,
  parseFixedConfig,
  saveFixedPolicy,
  scoreRequest,
  trainProgressive,
  tuneFixedAction,
  tuneLinearItemPolicy,
  type CriticRanking,
  type FusionModel,
  type LoadedPolicy,
  type RankInput,
  type RoundSummary,
  type RlPolicyType,
  type SavedPolicy,
} from "@/lib/rl";
import {
  mtfGauc,
  pairedDifference,
  pooledDifference,
  rolloutValue,
  snips,
  VALUE_METRICS,
  type PairedDifference,
  type PooledEstimate,
  type RolloutValue,
  type SnipsResult,
  type ValueMetric,
} from "@/lib/evaluation";
import {
  FixedFusionPolicy,
  OraclePolicy,
  RandomPolicy,
  parseScenario,
  withExploration,
  World,
  type Policy,
  type PolicyDecision,
  type RequestObservation,
} from "@/lib/simulator";
import { tQuantile } from "@/lib/stats/student-t";
import { loadTf } from "@/lib/tf/backend";

const LEARNED = ["fixed", "user-state", "enhanced-state", "linear"] as const;
const POLICIES = ["random", ...LEARNED, "oracle"] as const;
const CALIBRATED = "fixed@calibrated-scores";
type PolicyName = (typeof POLICIES)[number];

interface Profile {
  trainingSeeds: number;
  cem: object;
  linear: object;
  progressive: object;
  userState: object;
  enhancedState: object;
  evalSeeds: number;
  sessionsPerSeed: number;
  heldOutSessions: number;
  criticRankingRequests: number;
  latencyCalls: number;
  ablation: boolean;
}

/** `--quick` is a smoke test (minutes); the full run is the reproduction (≤ 45 min on 2 cores). */
const PROFILES: Record<"quick" | "full", Profile> = {
  quick: {
    trainingSeeds: 2,
    cem: { iterations: 3, population: 8, sessionsPerCandidate: 120 },
    linear: { iterations: 3, population: 8, sessionsPerCandidate: 120, initStd: 0.1 },
    progressive: {
      rounds: 2,
      sessionsPerRound: 400,
      stepsPerRound: 150,
      checkpoints: 2,
      evalSessions: 200,
      gateWorlds: 2,
      progressEvery: 50,
    },
    userState: {},
    enhancedState: { batchSize: 64 },
    evalSeeds: 10,
    sessionsPerSeed: 100,
    heldOutSessions: 300,
    criticRankingRequests: 100,
    latencyCalls: 200,
    ablation: false,
  },
  full: {
    trainingSeeds: 3,
    cem: { iterations: 10, population: 16, sessionsPerCandidate: 400 },
    linear: { iterations: 10, population: 16, sessionsPerCandidate: 400, initStd: 0.1 },
    progressive: {
      rounds: 4,
      sessionsPerRound: 3000,
      stepsPerRound: 1200,
      checkpoints: 3,
      evalSessions: 1000,
      gateWorlds: 3,
      progressEvery: 200,
    },
    userState: {},
    enhancedState: { batchSize: 128 },
    evalSeeds: 10,
    sessionsPerSeed: 1500,
    heldOutSessions: 3000,
    criticRankingRequests: 1000,
    latencyCalls: 1000,
    ablation: true,
  },
};

interface Args {
  quick: boolean;
  scenarioFile: string | null;
  seed: string;
  trainingSeeds: number | null;
  threads: number;
  /** Enhanced-State config fields over the profile's (method experiments, e.g. '{"unshownCandidates":10}'). */
  enhancedConfig: object;
  out: string | null;
}

const USAGE =
  "usage: bench-reproduce [--quick] [--scenario <file>] [--seed <prefix>] [--training-seeds N] [--threads N] " +
  "[--enhanced-config <json>] [--out <file>]";

/** One row of a Markdown table. */
const tableRow = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    scenarioFile: null,
    seed: "bench",
    trainingSeeds: null,
    threads: Math.max(1, os.availableParallelism()),
    enhancedConfig: {},
    out: null,
  };
  const value = (i: number) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${argv[i]} needs a value (${USAGE})`);
    return v;
  };
  const count = (i: number) => {
    const n = Number(value(i));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${argv[i]} needs a whole number ≥ 1`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--quick") args.quick = true;
    else if (argv[i] === "--scenario") args.scenarioFile = value(i++);
    else if (argv[i] === "--seed") args.seed = value(i++);
    else if (argv[i] === "--training-seeds") args.trainingSeeds = count(i++);
    else if (argv[i] === "--threads") args.threads = count(i++);
    else if (argv[i] === "--out") args.out = value(i++);
    else if (argv[i] === "--enhanced-config") args.enhancedConfig = enhancedOverrides(value(i++));
    else throw new Error(`unknown argument ${argv[i]} (${USAGE})`);
  }
  if (args.trainingSeeds === 1)
    throw new Error("--training-seeds must be ≥ 2: pooled intervals need training-seed variance");
  return args;
}

/** Parsed and checked up front, so that a typo fails before any training starts. */
function enhancedOverrides(json: string): object {
  const overrides = JSON.parse(json) as object;
  parseEnhancedStateConfig(overrides);
  return overrides;
}

const log = (msg: string) =>
  process.stderr.write(`[bench-reproduce ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const timer = () => {
  const start = performance.now();
  return () => (performance.now() - start) / 1000;
};

/** Checks that a loaded version scores exactly like the trained model on simulator requests. */
async function checkIdentical(world: World, trained: Policy, loaded: Policy): Promise<boolean> {
  const rng = Rng.derive("bench", "identity");
  const n = world.scenario.session.candidates;
  for (let i = 0; i < 20; i++) {
    const request = sampleRequest(world, rng, n);
    const [a, b] = [await scoreRequest(trained, request), await scoreRequest(loaded, request)];
    if (a.scores.some((s, j) => !Object.is(s, b.scores[j])) || a.actions.some((x, j) => !Object.is(x, b.actions[j])))
      return false;
  }
  return true;
}

/** A rank request for a random user with n random candidates, with the world's features and MTL predictions. */
function sampleRequest(world: World, rng: Rng, n: number): RankInput {
  const u = world.sampleSessionUser(rng);
  const { layout } = world;
  const dUs = layout.userStatic.length;
  const dI = layout.item.length;
  const userFeatures = new Float32Array(dUs + layout.userSession.length);
  userFeatures.set(world.userStaticFeatures.subarray(u * dUs, (u + 1) * dUs));
  const predictions = new Float32Array(n * NUM_TASKS);
  const itemFeatures = new Float32Array(n * dI);
  for (let c = 0; c < n; c++) {
    const j = world.sampleCandidate(u, rng);
    world.predictedScores(u, j, predictions, c * NUM_TASKS);
    itemFeatures.set(world.itemFeatures.subarray(j * dI, (j + 1) * dI), c * dI);
  }
  return {
    numCandidates: n,
    userFeatures,
    context: new Float32Array(layout.context.length),
    predictions,
    itemFeatures,
  };
}

/** p50/p99 wall time of one actor call over `n` candidates (one request), ms. */
function actorLatency(
  world: World,
  model: FusionModel,
  n: number,
  calls: number,
): { candidates: number; p50Ms: number; p99Ms: number; calls: number } {
  const rng = Rng.derive("bench", "latency");
  const requests = Array.from({ length: 16 }, () => sampleRequest(world, rng, n));
  const out = [new Float64Array(n * 14)];
  for (let i = 0; i < 300; i++) model.writeActions([requests[i % requests.length]], out);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    model.writeActions([requests[i % requests.length]], out);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { candidates: n, p50Ms: q(0.5), p99Ms: q(0.99), calls };
}

/**
 * REFERENCE ONLY (reads hidden state, like the oracle): the tuned fixed action applied to the
 * predictions the MTL layer would output without item-segment miscalibration (a twin world with
 * the same seed, where only the segment biases differ). Its gain over `fixed` is the most that
 * correcting the miscalibration per item — the reason per-item actions can help — is worth here.
 */
class CalibratedScoresFixedPolicy implements Policy {
  readonly name = "fixed@calibrated-scores";
  readonly actionMode = "none" as const;
  private readonly twin: World;
  private readonly buffer = new Float32Array(NUM_TASKS);

  constructor(
    world: World,
    private readonly action: Float64Array,
  ) {
    this.twin = new World(
      { ...world.scenario, prediction: { ...world.scenario.prediction, miscalibration: false } },
      world.seed,
    );
  }

  act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): void {
    batch.forEach((obs, i) => {
      for (let c = 0; c < obs.numCandidates; c++) {
        this.twin.predictedScores(obs.userId, obs.candidateIds[c], this.buffer, 0);
        decisions[i].scores[c] = scoreCandidates(this.buffer, 1, this.action)[0];
      }
    });
  }
}

/** One training seed of one variant: what a worker thread is given. */
interface SeedJob {
  label: string;
  scenario: unknown;
  profile: Profile;
  prefix: string;
  seed: number;
  /** Seed 0 also evaluates what does not depend on training (random, oracle) and the offline metrics. */
  primary: boolean;
}

interface TrainingSummary {
  improved: boolean;
  promotedRound: number | null;
  rounds: { round: number; promoted: boolean; difference: number; ci: [number, number]; reason: string }[];
  seconds: number;
}

interface SeedResult {
  seed: number;
  value: RolloutValue;
  gauc: Partial<Record<PolicyName, number>>;
  snips: Partial<Record<PolicyName, SnipsResult>>;
  training: Record<RlPolicyType, TrainingSummary>;
  fixedAction: number[];
  linearTheta: number[];
  loadMs: Record<"fixed" | RlPolicyType, number>;
  identicalAfterLoad: Record<RlPolicyType, boolean>;
  enhancedSaved: SavedPolicy;
  /** The trained Enhanced-State critics' item ranking (seed 0), promoted or not. */
  criticRanking: CriticRanking | null;
  seconds: Record<string, number>;
}

const roundSummary = (r: RoundSummary) => ({
  round: r.round,
  promoted: r.promoted,
  difference: r.gate.objective.difference,
  ci: r.gate.objective.ci,
  reason: r.gate.reason,
});

async function runSeed(job: SeedJob): Promise<SeedResult> {
  const { tf } = await loadTf(() => {});
  const { profile, prefix, seed } = job;
  const tag = `${job.label} seed ${seed}`;
  const trainingSeed = `${prefix}:${seed}`;
  const scenario = parseScenario(job.scenario);
  const world = new World(scenario, `${prefix}:train:${seed}`);
  const seconds: Record<string, number> = {};
  let t = timer();
  // The fixed baseline improves on the centre of the action box (what a team starts from).
  const centre = new FixedFusionPolicy(DEFAULT_ACTION_BOUNDS.centre, "centre");
  const tuned = await tuneFixedAction({
    world,
    config: parseFixedConfig({ ...profile.cem, seed: trainingSeed }),
    behaviour: centre,
    onProgress: (p) => log(`${tag}: CEM ${p.iteration}/${p.iterations} best ${p.best.toFixed(2)}`),
  });
  seconds.fixed = t();
  const fixedSaved = saveFixedPolicy(tuned.action, DEFAULT_ACTION_BOUNDS);
  const fixedPolicy = new FixedFusionPolicy(tuned.action);

  const training = {} as Record<RlPolicyType, TrainingSummary>;
  const trainedSaved = {} as Record<RlPolicyType, SavedPolicy>;
  const trainedModels = {} as Record<RlPolicyType, FusionModel | null>;
  const finalSaved = {} as Record<RlPolicyType, SavedPolicy>;
  for (const type of ["user-state", "enhanced-state"] as const) {
    t = timer();
    const result = await trainProgressive({
      tf,
      type,
      world,
      behaviour: fixedSaved,
      config: { ...profile.progressive, seed: trainingSeed },
      agentConfig: { ...(type === "user-state" ? profile.userState : profile.enhancedState), seed: trainingSeed },
      onProgress: (p) => {
        if (p.phase === "evaluate") {
          const o = p.gate.objective;
          log(
            `${tag}: ${type} round ${p.round} step ${p.step}: ` +
              `reward ${o.difference.toFixed(3)} [${o.ci[0].toFixed(3)}, ${o.ci[1].toFixed(3)}] — ${p.gate.reason}` +
              (p.promoted ? " → promotable" : ""),
          );
        } else if (p.phase === "collect")
          log(`${tag}: ${type} round ${p.round}: collected ${p.requests} requests with ${p.behaviour}`);
      },
    });
    seconds[type] = t();
    training[type] = {
      improved: result.improved,
      promotedRound: result.promotedRound,
      rounds: result.rounds.map(roundSummary),
      seconds: seconds[type],
    };
    trainedSaved[type] = result.saved;
    trainedModels[type] = result.model;
    finalSaved[type] = result.final;
  }

  t = timer();
  const linear = await tuneLinearItemPolicy({
    world,
    base: tuned.normalised,
    config: parseFixedConfig({ ...profile.linear, seed: trainingSeed }),
    behaviour: fixedPolicy,
    onProgress: (p) => log(`${tag}: linear CEM ${p.iteration}/${p.iterations} best ${p.best.toFixed(2)}`),
  });
  seconds.linear = t();

  // Evaluate what a serving process would load: save → JSON text → load.
  const roundTrip = (saved: SavedPolicy, name: string) => loadPolicy(tf, JSON.stringify(saved), name);
  const loaded = { fixed: roundTrip(fixedSaved, "fixed") } as Record<"fixed" | RlPolicyType, LoadedPolicy>;
  const identicalAfterLoad = {} as Record<RlPolicyType, boolean>;
  for (const type of ["user-state", "enhanced-state"] as const) {
    loaded[type] = roundTrip(trainedSaved[type], type);
    const model = trainedModels[type];
    // An unimproved run's version is its behaviour's own document: nothing to compare.
    identicalAfterLoad[type] = model ? await checkIdentical(world, new ModelPolicy(model), loaded[type].policy) : true;
    if (!identicalAfterLoad[type]) throw new Error(`${type}: the loaded version does not score like the trained one`);
    model?.dispose();
  }
  const factories: Record<string, (w: World) => Policy> = {
    fixed: () => loaded.fixed.policy,
    "user-state": () => loaded["user-state"].policy,
    "enhanced-state": () => loaded["enhanced-state"].policy,
    linear: () => linear.policy(),
    ...(job.primary
      ? {
          random: () => new RandomPolicy(),
          oracle: (w: World) => new OraclePolicy(w),
          ...(scenario.prediction.miscalibration
            ? { [CALIBRATED]: (w: World) => new CalibratedScoresFixedPolicy(w, tuned.action) }
            : {}),
        }
      : {}),
  };
  t = timer();
  const value = await rolloutValue({
    scenario,
    seeds: Array.from({ length: profile.evalSeeds }, (_, i) => `${prefix}:eval:${i}`),
    sessionsPerSeed: profile.sessionsPerSeed,
    policies: factories,
  });
  seconds.rolloutValue = t();
  log(`${tag}: evaluated (${seconds.rolloutValue.toFixed(0)} s)`);

  const gauc: Partial<Record<PolicyName, number>> = {};
  const snipsResults: Partial<Record<PolicyName, SnipsResult>> = {};
  if (job.primary) {
    t = timer();
    const heldOut = new World(scenario, `${prefix}:held-out`);
    const { schema, logs } = await collectLogs({
      world: heldOut,
      policy: withExploration(loaded.fixed.policy),
      sessions: profile.heldOutSessions,
      seed: `${prefix}:held-out`,
    });
    const source = memoryLogSource(schema, logs);
    for (const name of POLICIES) {
      const policy = factories[name](heldOut);
      gauc[name] = (await mtfGauc(policy, source)).gauc;
      snipsResults[name] = await snips(policy, source);
    }
    seconds.offline = t();
  }
  const criticRanking = job.primary
    ? await criticItemRanking({
        tf,
        saved: finalSaved["enhanced-state"],
        world: new World(scenario, `${prefix}:critic-ranking`),
        behaviour: fixedPolicy,
        requests: profile.criticRankingRequests,
        seed: `${prefix}:critic-ranking`,
      })
    : null;
  if (criticRanking) log(`${tag}: critic item ranking NDCG@${criticRanking.k}: ${JSON.stringify(criticRanking.ndcg)}`);
  return {
    seed,
    value,
    gauc,
    snips: snipsResults,
    training,
    fixedAction: Array.from(tuned.action),
    linearTheta: Array.from(linear.theta),
    loadMs: {
      fixed: loaded.fixed.loadMs,
      "user-state": loaded["user-state"].loadMs,
      "enhanced-state": loaded["enhanced-state"].loadMs,
    },
    identicalAfterLoad,
    enhancedSaved: trainedSaved["enhanced-state"],
    criticRanking,
    seconds,
  };
}

/** Runs the jobs in worker threads, at most `threads` at a time; results in job order. */
function runInWorkers(jobs: SeedJob[], threads: number): Promise<SeedResult[]> {
  const results = new Array<SeedResult>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await new Promise<SeedResult>((resolve, reject) => {
        // A worker does not inherit the main thread's tsx loader hooks: it registers tsx itself.
        const boot =
          `import("tsx/esm/api").then((api) => ` +
          `api.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`;
        const worker = new Worker(boot, { eval: true, workerData: jobs[i] });
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once(
          "exit",
          (code) => code !== 0 && reject(new Error(`seed ${jobs[i].seed} worker exited with ${code}`)),
        );
      });
    }
  };
  return Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, lane)).then(() => results);
}

const PAIRS: [string, string][] = [
  ["fixed", "random"],
  ["user-state", "fixed"],
  ["enhanced-state", "user-state"],
  ["enhanced-state", "fixed"],
  ["linear", "fixed"],
  ["enhanced-state", "linear"],
  ["oracle", "enhanced-state"],
];
const METRICS = ["validConsumption", "durationSeconds", "reward"] as const;

interface PooledDifference {
  treatment: string;
  baseline: string;
  metric: ValueMetric;
  mean: number;
  ci: [number, number];
  relative: number;
  relativeCi: [number, number];
  significant: boolean;
  df: number;
  /** Standard error and Satterthwaite df of the relative difference (for comparing variants). */
  relativeSe: number;
  relativeDf: number;
}

const perSeedEntry = (d: PairedDifference) => ({
  treatment: d.treatment,
  baseline: d.baseline,
  metric: d.metric,
  mean: d.difference.mean,
  ci: d.difference.ci,
  relative: d.relative.mean,
  relativeCi: d.relative.ci,
  significant: d.significant,
});

interface VariantResult {
  scenario: string;
  seeds: SeedResult[];
  /** Random, oracle and the reference, evaluated once (seed 0's job), shared by every seed's value. */
  values: RolloutValue[];
  pooledValues: Record<string, Record<ValueMetric, PooledEstimate>>;
  pooled: PooledDifference[];
  perSeed: { seed: number; pairedDifferences: ReturnType<typeof perSeedEntry>[] }[];
}

/** Pools one variant's seed results (seed 0 first) into per-seed and pooled paired differences. */
function summariseVariant(scenarioInput: unknown, seeds: SeedResult[]): VariantResult {
  const shared = Object.fromEntries(
    Object.entries(seeds[0].value.policies).filter(([name]) => !(LEARNED as readonly string[]).includes(name)),
  );
  const values = seeds.map((s) => ({ ...s.value, policies: { ...s.value.policies, ...shared } }));
  const cells = (name: string, m: ValueMetric) => values.map((v) => v.policies[name].perSeed[m]);
  const diffCells = (a: string, b: string, m: ValueMetric, relative: boolean) =>
    values.map((v) =>
      v.policies[a].perSeed[m].map(
        (x, w) => (x - v.policies[b].perSeed[m][w]) / (relative ? v.policies[b].perSeed[m][w] : 1),
      ),
    );
  const pooled: PooledDifference[] = [];
  for (const [a, b] of PAIRS) {
    for (const metric of METRICS) {
      const abs = pooledDifference(diffCells(a, b, metric, false));
      const rel = pooledDifference(diffCells(a, b, metric, true));
      pooled.push({
        treatment: a,
        baseline: b,
        metric,
        mean: abs.mean,
        ci: abs.ci,
        relative: rel.mean,
        relativeCi: rel.ci,
        significant: abs.ci[0] > 0 || abs.ci[1] < 0,
        df: abs.df,
        relativeSe: rel.se,
        relativeDf: rel.df,
      });
    }
  }
  const pairs = values[0].policies[CALIBRATED] ? [...PAIRS, [CALIBRATED, "fixed"] as [string, string]] : PAIRS;
  const perSeed = values.map((v, s) => ({
    seed: s,
    pairedDifferences: pairs
      .filter(([a]) => a !== CALIBRATED || s === 0)
      .flatMap(([a, b]) => METRICS.map((m) => perSeedEntry(pairedDifference(v, a, b, m)))),
  }));
  const pooledValues = Object.fromEntries(
    [...POLICIES, ...(values[0].policies[CALIBRATED] ? [CALIBRATED] : [])].map((p) => [
      p,
      Object.fromEntries(VALUE_METRICS.map((m) => [m, pooledDifference(cells(p, m))])),
    ]),
  ) as Record<string, Record<ValueMetric, PooledEstimate>>;
  return { scenario: parseScenario(scenarioInput).name, seeds, values, pooledValues, pooled, perSeed };
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const ci = (c: readonly [number, number], d = 2) => `[${fmt(c[0], d)}, ${fmt(c[1], d)}]`;
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%`;
const find = (v: VariantResult, a: string, b: string, m: ValueMetric) =>
  v.pooled.find((d) => d.treatment === a && d.baseline === b && d.metric === m)!;

function markdown(label: string, v: VariantResult): string {
  const names = Object.keys(v.pooledValues);
  const primary = v.seeds[0];
  const rows = names.map((p) => {
    const e = v.pooledValues[p];
    const s = primary.snips[p as PolicyName];
    const g = primary.gauc[p as PolicyName];
    const snips =
      s === undefined ? "" : s.applicable ? `${fmt(s.reward.mean)} (ESS ${fmt(s.effectiveSampleSize, 0)})` : "n/a";
    return tableRow([
      p,
      `${fmt(e.validConsumption.mean)} ${ci(e.validConsumption.ci)}`,
      `${fmt(e.durationSeconds.mean, 0)} ${ci(e.durationSeconds.ci, 0)}`,
      fmt(e.interactions.mean),
      fmt(e.depth.mean),
      fmt(e.reward.mean),
      g === undefined ? "" : fmt(g, 4),
      snips,
    ]);
  });
  const diffs = v.pooled.map((d) =>
    tableRow([
      `${d.treatment} − ${d.baseline}`,
      d.metric,
      `${fmt(d.mean)} ${ci(d.ci)}`,
      `${pct(d.relative)} [${pct(d.relativeCi[0])}, ${pct(d.relativeCi[1])}]`,
      d.significant ? "yes" : "no",
    ]),
  );
  const perSeed = v.perSeed.map((s) => {
    const get = (a: string, b: string, m: ValueMetric) =>
      s.pairedDifferences.find((d) => d.treatment === a && d.baseline === b && d.metric === m)!;
    const cell = (a: string, b: string, m: ValueMetric) => {
      const d = get(a, b, m);
      return `${pct(d.relative)} [${pct(d.relativeCi[0])}, ${pct(d.relativeCi[1])}]`;
    };
    const t = v.seeds[s.seed].training;
    return tableRow([
      String(s.seed),
      cell("enhanced-state", "fixed", "validConsumption"),
      cell("enhanced-state", "fixed", "durationSeconds"),
      cell("enhanced-state", "user-state", "validConsumption"),
      cell("linear", "fixed", "reward"),
      cell("enhanced-state", "linear", "reward"),
      `${t["user-state"].promotedRound ?? "none"} / ${t["enhanced-state"].promotedRound ?? "none"}`,
    ]);
  });
  return [
    `### ${label} (scenario ` +
      `"${v.scenario}", ${v.seeds.length} training ` +
      `seeds; ${v.values[0].seeds.length} evaluation worlds ` +
      `× ${v.values[0].sessionsPerSeed} sessions; 95% CI with training-seed variance)`,
    "",
    "| policy | valid consumption / session | duration s / session | interactions | depth | reward | MTF-GAUC " +
      "(seed 0) | SNIPS list reward / request (seed 0) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "| pooled paired difference | metric | difference | relative | 95% CI excludes 0 |",
    "|---|---|---|---|---|",
    ...diffs,
    "",
    ...(primary.criticRanking
      ? [
          `Critic item ranking (seed ` +
            `0, ${primary.criticRanking.requests} requests, ` +
            `NDCG@${primary.criticRanking.k} against the true item value): ` +
            `critics ${fmt(primary.criticRanking.ndcg.critic, 3)}, behaviour ` +
            `formula ${fmt(primary.criticRanking.ndcg.behaviourFormula, 3)}, ` +
            `Enhanced-State's own scores ${fmt(primary.criticRanking.ndcg.policyFormula, 3)}, ` +
            `random ${fmt(primary.criticRanking.ndcg.random, 3)}.`,
          "",
        ]
      : []),
    "| training seed | enhanced − fixed, valid consumption | enhanced − fixed, duration | enhanced − user-state, " +
      "valid consumption | linear − fixed, reward | enhanced − linear, reward | promoted round (user-state / " +
      "enhanced) |",
    "|---|---|---|---|---|---|---|",
    ...perSeed,
  ].join("\n");
}

/** The pass/fail checks, computed (never asserted by hand). */
function acceptance(main: VariantResult, ablation: VariantResult | null) {
  const vc = (a: string, b: string) => find(main, a, b, "validConsumption");
  const everySeed = main.perSeed.every((s) => {
    const d = s.pairedDifferences.find(
      (x) => x.treatment === "enhanced-state" && x.baseline === "fixed" && x.metric === "validConsumption",
    )!;
    return d.mean > 0;
  });
  const esFixed = vc("enhanced-state", "fixed");
  const esUser = vc("enhanced-state", "user-state");
  const duration = find(main, "enhanced-state", "fixed", "durationSeconds");
  const vsLinear = find(main, "enhanced-state", "linear", "reward");
  return {
    enhancedBeatsFixedEverySeed: everySeed,
    enhancedVsFixedValidConsumption: {
      relative: esFixed.relative,
      relativeCi: esFixed.relativeCi,
      target: 0.028,
      holds: esFixed.relative >= 0.028 && esFixed.relativeCi[0] > 0,
    },
    enhancedVsUserStateValidConsumption: {
      relative: esUser.relative,
      relativeCi: esUser.relativeCi,
      target: 0.02,
      holds: esUser.relative >= 0.02 && esUser.relativeCi[0] > 0,
    },
    enhancedVsFixedDurationNotSignificantlyNegative: duration.ci[1] >= 0,
    enhancedRewardAtLeastLinear: { difference: vsLinear.mean, ci: vsLinear.ci, holds: vsLinear.mean >= 0 },
    ablationGap: ablation && gapDifference(main, ablation),
  };
}

/** (enhanced − user-state) with miscalibration on minus the same gap with it off: independent runs, Welch. */
function gapDifference(main: VariantResult, ablation: VariantResult) {
  const gap = (v: VariantResult) => find(v, "enhanced-state", "user-state", "validConsumption");
  const [on, off] = [gap(main), gap(ablation)];
  const [a, b] = [on.relativeSe ** 2, off.relativeSe ** 2];
  const df = (a + b) ** 2 / (a ** 2 / on.relativeDf + b ** 2 / off.relativeDf);
  const diff = on.relative - off.relative;
  const half = tQuantile(0.975, df) * Math.sqrt(a + b);
  return {
    withMiscalibration: on.relative,
    withoutMiscalibration: off.relative,
    difference: diff,
    ci: [diff - half, diff + half] as [number, number],
    smallerWithoutMiscalibration: diff - half > 0,
  };
}

function summary(v: VariantResult) {
  return {
    policies: Object.entries(v.pooledValues).map(([policy, e]) => ({
      policy,
      validConsumption: { mean: e.validConsumption.mean, ci: e.validConsumption.ci },
      duration: { mean: e.durationSeconds.mean, ci: e.durationSeconds.ci },
      interactions: { mean: e.interactions.mean, ci: e.interactions.ci },
      depth: { mean: e.depth.mean, ci: e.depth.ci },
      reward: { mean: e.reward.mean, ci: e.reward.ci },
      gauc: v.seeds[0].gauc[policy as PolicyName] ?? null,
      snips: v.seeds[0].snips[policy as PolicyName] ?? null,
    })),
    pairedDifferences: v.pooled,
    trainingSeeds: v.perSeed.map((s) => ({ seed: s.seed, pairedDifferences: s.pairedDifferences })),
    criticItemRanking: v.seeds[0].criticRanking,
    orderingHolds: POLICIES.map((p) => v.pooledValues[p].validConsumption.mean).every(
      (x, i, xs) => i === 0 || x > xs[i - 1],
    ),
    training: v.seeds.map((s) => ({
      seed: s.seed,
      ...s.training,
      fixedAction: s.fixedAction,
      linearTheta: s.linearTheta,
      loadMs: s.loadMs,
      identicalAfterLoad: s.identicalAfterLoad,
      seconds: s.seconds,
    })),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? "quick" : "full";
  const profile = { ...PROFILES[mode], enhancedState: { ...PROFILES[mode].enhancedState, ...args.enhancedConfig } };
  const total = timer();
  const { tf, backend } = await loadTf((m) => log(m));
  const scenarioInput: unknown = args.scenarioFile ? JSON.parse(readFileSync(args.scenarioFile, "utf8")) : {};
  const scenario = parseScenario(scenarioInput);
  // Every variant's training seeds go to one pool of worker threads, so no core idles between variants.
  const variants: [string, unknown][] = [["main", scenarioInput]];
  if (profile.ablation) {
    const off = {
      ...(scenarioInput as object),
      prediction: { ...((scenarioInput as { prediction?: object }).prediction ?? {}), miscalibration: false },
    };
    variants.push(["ablation (miscalibration off)", off]);
  }
  const count = args.trainingSeeds ?? profile.trainingSeeds;
  const jobs = variants.flatMap(([label, input]) =>
    Array.from({ length: count }, (_, seed) => ({
      label,
      scenario: input,
      profile,
      prefix: args.seed,
      seed,
      primary: seed === 0,
    })),
  );
  log(
    `${variants.length} variant(s) × ${count} training seeds in ${Math.min(args.threads, jobs.length)} worker threads`,
  );
  const results = await runInWorkers(jobs, args.threads);
  const [main, ablation] = variants.map(([, input], i) =>
    summariseVariant(input, results.slice(i * count, (i + 1) * count)),
  );
  const enhanced = loadPolicy(tf, main.seeds[0].enhancedSaved).model;
  const latency = enhanced
    ? actorLatency(new World(scenario, "bench:latency"), enhanced, 500, profile.latencyCalls)
    : null;
  if (latency)
    log(`enhanced-state actor, 500 candidates: p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms`);
  const command = [
    "npm run bench:reproduce --",
    args.quick ? " --quick" : "",
    args.scenarioFile ? ` --scenario ${args.scenarioFile}` : "",
    ` --seed ${args.seed}`,
    args.trainingSeeds ? ` --training-seeds ${args.trainingSeeds}` : "",
    Object.keys(args.enhancedConfig).length ? ` --enhanced-config '${JSON.stringify(args.enhancedConfig)}'` : "",
  ].join("");
  const result = {
    ...summary(main),
    mode,
    scenario: args.scenarioFile ?? "default",
    seedPrefix: args.seed,
    backend,
    threads: args.threads,
    actorLatency: latency,
    acceptance: acceptance(main, ablation ?? null),
    ablation: ablation ? { miscalibration: false, ...summary(ablation) } : null,
    totalSeconds: total(),
    command,
  };
  console.log(markdown("Main comparison", main));
  if (ablation) console.log(`\n${markdown("Ablation: item-segment miscalibration off", ablation)}`);
  if (latency)
    console.log(
      `\nEnhanced-State actor (seed 0), 500 candidates, one request per call: ` +
        `p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms (${backend})`,
    );
  console.log(`Total ${result.totalSeconds.toFixed(0)} s.`);
  const out =
    args.out ??
    path.join(
      "bench",
      "results",
      `reproduce-${mode}` +
        (args.scenarioFile ? `-${path.basename(args.scenarioFile, ".json")}` : "") +
        (args.seed === "bench" ? "" : `-seed-${args.seed}`) +
        ".json",
    );
  mkdirSync(path.dirname(out), { recursive: true });
  const json = JSON.stringify(result);
  writeFileSync(out, `${json}\n`);
  console.log(json);
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  runSeed(workerData as SeedJob).then(
    (r) => parentPort!.postMessage(r),
    (err: unknown) => {
      throw err;
    },
  );
}
