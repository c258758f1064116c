/**
 * Reproduction benchmark (issue 4): trains and evaluates random, fixed (CEM-tuned), user-state RL,
 * Enhanced-State RL and oracle in a scenario, then the same comparison with the item-segment
 * miscalibration of the MTL layer switched off (full run only).
 *
 *   npx tsx scripts/bench-reproduce.ts [--quick] [--scenario <file>] [--out <file>]
 *
 * Prints progress on stderr, a markdown table on stdout and, as the LAST stdout line, one JSON
 * object; the same JSON is written under bench/results/. Policies are evaluated after a save →
 * load round trip of their versions (the loaded version must score bit-identically).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_ACTION_BOUNDS } from "@/lib/fusion/action";
import { scoreCandidates } from "@/lib/fusion/score";
import { NUM_TASKS } from "@/lib/fusion/tasks";
import { Rng } from "@/lib/random/rng";
import {
  collectLogs,
  loadPolicy,
  memoryLogSource,
  ModelPolicy,
  saveFixedPolicy,
  scoreRequest,
  trainProgressive,
  tuneFixedAction,
  parseFixedConfig,
  type FusionModel,
  type LoadedPolicy,
  type ProgressiveResult,
  type RankInput,
  type RlPolicyType,
  type SavedPolicy,
  type Tf,
} from "@/lib/rl";
import { mtfGauc, pairedDifference, rolloutValue, snips, type PairedDifference, type RolloutValue, type SnipsResult } from "@/lib/evaluation";
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
  type Scenario,
} from "@/lib/simulator";
import { loadTf } from "@/lib/tf/backend";

const POLICIES = ["random", "fixed", "user-state", "enhanced-state", "oracle"] as const;
const CALIBRATED = "fixed@calibrated-scores";
type PolicyName = (typeof POLICIES)[number];

interface Profile {
  cem: object;
  progressive: object;
  userState: object;
  enhancedState: object;
  evalSeeds: number;
  sessionsPerSeed: number;
  heldOutSessions: number;
  latencyCalls: number;
  ablation: boolean;
}

/** `--quick` is the CI smoke (< 5 min); the full run is the reproduction (< 45 min on 2 cores). */
const PROFILES: Record<"quick" | "full", Profile> = {
  quick: {
    cem: { iterations: 3, population: 8, sessionsPerCandidate: 120 },
    progressive: { rounds: 2, sessionsPerRound: 400, stepsPerRound: 150, checkpoints: 2, evalSessions: 200, progressEvery: 50 },
    userState: {},
    enhancedState: { batchSize: 64 },
    evalSeeds: 10,
    sessionsPerSeed: 100,
    heldOutSessions: 300,
    latencyCalls: 200,
    ablation: false,
  },
  full: {
    cem: { iterations: 10, population: 16, sessionsPerCandidate: 400 },
    progressive: { rounds: 4, sessionsPerRound: 3000, stepsPerRound: 1200, checkpoints: 3, evalSessions: 1500, progressEvery: 200 },
    userState: {},
    enhancedState: { batchSize: 128 },
    evalSeeds: 10,
    sessionsPerSeed: 2000,
    heldOutSessions: 3000,
    latencyCalls: 1000,
    ablation: true,
  },
};

const log = (msg: string) => process.stderr.write(`[bench-reproduce ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function parseArgs(argv: string[]): { quick: boolean; scenarioFile: string | null; out: string | null } {
  const args = { quick: false, scenarioFile: null as string | null, out: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--quick") args.quick = true;
    else if (argv[i] === "--scenario") args.scenarioFile = argv[++i] ?? null;
    else if (argv[i] === "--out") args.out = argv[++i] ?? null;
    else throw new Error(`unknown argument ${argv[i]} (usage: bench-reproduce [--quick] [--scenario <file>] [--out <file>])`);
  }
  if (args.scenarioFile === null && argv.includes("--scenario")) throw new Error("--scenario needs a file");
  return args;
}

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
    if (a.scores.some((s, j) => !Object.is(s, b.scores[j])) || a.actions.some((x, j) => !Object.is(x, b.actions[j]))) return false;
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
  return { numCandidates: n, userFeatures, context: new Float32Array(layout.context.length), predictions, itemFeatures };
}

/** p50/p99 wall time of one actor call over `n` candidates (one request), ms. */
function actorLatency(world: World, model: FusionModel, n: number, calls: number): { candidates: number; p50Ms: number; p99Ms: number; calls: number } {
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
    this.twin = new World({ ...world.scenario, prediction: { ...world.scenario.prediction, miscalibration: false } }, world.seed);
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

interface VariantResult {
  scenario: string;
  value: RolloutValue;
  gauc: Record<PolicyName, number>;
  snips: Record<PolicyName, SnipsResult>;
  differences: PairedDifference[];
  training: Record<RlPolicyType, { promotedRound: number | null; rounds: ProgressiveResult["rounds"]; seconds: number }>;
  fixedAction: number[];
  loadMs: Record<"fixed" | RlPolicyType, number>;
  identicalAfterLoad: Record<RlPolicyType, boolean>;
  models: Record<RlPolicyType, FusionModel>;
  seconds: Record<string, number>;
}

async function runVariant(tf: Tf, label: string, scenario: Scenario, profile: Profile): Promise<VariantResult> {
  const seconds: Record<string, number> = {};
  const world = new World(scenario, "bench:train");
  let t = timer();
  log(`${label}: tuning the fixed action (CEM)`);
  const tuned = await tuneFixedAction({
    world,
    config: parseFixedConfig({ ...profile.cem, seed: "bench" }),
    onProgress: (p) => log(`${label}: CEM ${p.iteration}/${p.iterations} best ${p.best.toFixed(2)} mean ${p.populationMean.toFixed(2)} std ${p.std.toFixed(3)}`),
  });
  seconds.fixed = t();
  const fixedSaved = saveFixedPolicy(tuned.action, DEFAULT_ACTION_BOUNDS);
  const fixedPolicy = new FixedFusionPolicy(tuned.action);

  const trained = {} as Record<RlPolicyType, ProgressiveResult & { seconds: number }>;
  for (const type of ["user-state", "enhanced-state"] as const) {
    t = timer();
    log(`${label}: progressive training of ${type}`);
    const result = await trainProgressive({
      tf,
      type,
      world,
      initialBehaviour: fixedPolicy,
      parent: fixedSaved,
      config: { ...profile.progressive, seed: "bench" },
      agentConfig: { ...(type === "user-state" ? profile.userState : profile.enhancedState), seed: "bench" },
      onProgress: (p) => {
        if (p.phase === "train") log(`${label}: ${type} round ${p.round} step ${p.step}/${p.steps} critic ${p.losses.critic.toFixed(3)} actor ${p.losses.actor?.toFixed(3) ?? "-"}`);
        else if (p.phase === "evaluate") log(`${label}: ${type} round ${p.round} step ${p.step}: trained ${p.candidate.toFixed(2)} vs behaviour ${p.incumbent.toFixed(2)}${p.promoted ? " → best so far, promotable" : ""}`);
        else log(`${label}: ${type} round ${p.round}: collected ${p.requests} requests with ${p.behaviour}`);
      },
    });
    trained[type] = { ...result, seconds: t() };
    seconds[type] = trained[type].seconds;
  }

  // Evaluate what a serving process would load: save → JSON text → load.
  const loaded = {} as Record<"fixed" | RlPolicyType, LoadedPolicy>;
  const roundTrip = (saved: SavedPolicy, name: string) => loadPolicy(tf, JSON.stringify(saved), name);
  loaded.fixed = roundTrip(fixedSaved, "fixed");
  const identicalAfterLoad = {} as Record<RlPolicyType, boolean>;
  for (const type of ["user-state", "enhanced-state"] as const) {
    loaded[type] = roundTrip(trained[type].saved, type);
    identicalAfterLoad[type] = await checkIdentical(world, new ModelPolicy(trained[type].model), loaded[type].policy);
    if (!identicalAfterLoad[type]) throw new Error(`${type}: the loaded version does not score like the trained one`);
  }
  const factories: Record<PolicyName, (w: World) => Policy> = {
    random: () => new RandomPolicy(),
    fixed: () => loaded.fixed.policy,
    "user-state": () => loaded["user-state"].policy,
    "enhanced-state": () => loaded["enhanced-state"].policy,
    oracle: (w) => new OraclePolicy(w),
  };

  t = timer();
  log(`${label}: rollout value over ${profile.evalSeeds} seeds × ${profile.sessionsPerSeed} sessions`);
  const seeds = Array.from({ length: profile.evalSeeds }, (_, i) => `bench:eval:${i}`);
  const references: Record<string, (w: World) => Policy> = scenario.prediction.miscalibration
    ? { [CALIBRATED]: (w) => new CalibratedScoresFixedPolicy(w, tuned.action) }
    : {};
  const value = await rolloutValue({
    scenario,
    seeds,
    sessionsPerSeed: profile.sessionsPerSeed,
    policies: { ...factories, ...references },
    onProgress: (p) => log(`${label}: evaluated ${p.policy} on ${p.seed} (${p.seconds.toFixed(1)} s)`),
  });
  seconds.rolloutValue = t();

  t = timer();
  log(`${label}: offline metrics on held-out logs`);
  const heldOut = new World(scenario, "bench:held-out");
  const { schema, logs } = await collectLogs({ world: heldOut, policy: withExploration(loaded.fixed.policy), sessions: profile.heldOutSessions, seed: "bench:held-out" });
  const source = memoryLogSource(schema, logs);
  const gauc = {} as Record<PolicyName, number>;
  const snipsResults = {} as Record<PolicyName, SnipsResult>;
  for (const name of POLICIES) {
    const policy = factories[name](heldOut);
    gauc[name] = (await mtfGauc(policy, source)).gauc;
    snipsResults[name] = await snips(policy, source);
  }
  seconds.offline = t();

  const differences: PairedDifference[] = [];
  for (const [a, b] of [
    ["fixed", "random"],
    ["user-state", "fixed"],
    ["enhanced-state", "user-state"],
    ["enhanced-state", "fixed"],
    ["oracle", "enhanced-state"],
    ...(value.policies[CALIBRATED] ? ([[CALIBRATED, "fixed"]] as const) : []),
  ] as const) {
    for (const metric of ["validConsumption", "durationSeconds", "reward"] as const) differences.push(pairedDifference(value, a, b, metric));
  }
  return {
    scenario: scenario.name,
    value,
    gauc,
    snips: snipsResults,
    differences,
    training: {
      "user-state": { promotedRound: trained["user-state"].promotedRound, rounds: trained["user-state"].rounds, seconds: trained["user-state"].seconds },
      "enhanced-state": { promotedRound: trained["enhanced-state"].promotedRound, rounds: trained["enhanced-state"].rounds, seconds: trained["enhanced-state"].seconds },
    },
    fixedAction: Array.from(tuned.action),
    loadMs: { fixed: loaded.fixed.loadMs, "user-state": loaded["user-state"].loadMs, "enhanced-state": loaded["enhanced-state"].loadMs },
    identicalAfterLoad,
    models: { "user-state": trained["user-state"].model, "enhanced-state": trained["enhanced-state"].model },
    seconds,
  };
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const ci = (c: [number, number], d = 2) => `[${fmt(c[0], d)}, ${fmt(c[1], d)}]`;
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(2)}%`;

function markdown(label: string, v: VariantResult): string {
  const ref = v.value.policies[CALIBRATED]?.estimate;
  const refRow = ref
    ? [`| (reference, hidden info) ${CALIBRATED} | ${fmt(ref.validConsumption.mean)} ${ci(ref.validConsumption.ci)} | ${fmt(ref.durationSeconds.mean, 0)} ${ci(ref.durationSeconds.ci, 0)} | ${fmt(ref.interactions.mean)} | ${fmt(ref.depth.mean)} | ${fmt(ref.reward.mean)} | | |`]
    : [];
  const rows = POLICIES.map((p) => {
    const e = v.value.policies[p].estimate;
    const s = v.snips[p];
    return `| ${p} | ${fmt(e.validConsumption.mean)} ${ci(e.validConsumption.ci)} | ${fmt(e.durationSeconds.mean, 0)} ${ci(e.durationSeconds.ci, 0)} | ${fmt(e.interactions.mean)} | ${fmt(e.depth.mean)} | ${fmt(e.reward.mean)} | ${fmt(v.gauc[p], 4)} | ${s.applicable ? `${fmt(s.reward.mean)} (ESS ${fmt(s.effectiveSampleSize, 0)})` : "n/a"} |`;
  });
  const diffs = v.differences.map(
    (d) => `| ${d.treatment} − ${d.baseline} | ${d.metric} | ${fmt(d.difference.mean)} ${ci(d.difference.ci)} | ${pct(d.relative.mean)} [${pct(d.relative.ci[0])}, ${pct(d.relative.ci[1])}] | ${d.significant ? "yes" : "no"} |`,
  );
  return [
    `### ${label} (scenario "${v.scenario}", ${v.value.seeds.length} seeds × ${v.value.sessionsPerSeed} sessions, 95% CI over seeds)`,
    "",
    "| policy | valid consumption / session | duration s / session | interactions | depth | reward | MTF-GAUC | SNIPS list reward / request |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    ...refRow,
    "",
    `Saved versions: load ${Object.entries(v.loadMs)
      .map(([k, ms]) => `${k} ${ms.toFixed(1)} ms`)
      .join(", ")}; loaded RL versions score bit-identically: ${Object.values(v.identicalAfterLoad).every(Boolean) ? "yes" : "NO"}. ` +
      `Promoted rounds: user-state ${v.training["user-state"].promotedRound ?? "none"}, enhanced-state ${v.training["enhanced-state"].promotedRound ?? "none"}.`,
    "",
    "| paired difference (same seeds) | metric | difference | relative | 95% CI excludes 0 |",
    "|---|---|---|---|---|",
    ...diffs,
  ].join("\n");
}

function summary(v: VariantResult) {
  const rel = (a: string, b: string, m: "validConsumption" | "durationSeconds") => v.differences.find((d) => d.treatment === a && d.baseline === b && d.metric === m)!;
  const gap = (m: "validConsumption" | "durationSeconds") => {
    const d = rel("enhanced-state", "user-state", m);
    return { difference: d.difference.mean, ci: d.difference.ci, relative: d.relative.mean, relativeCi: d.relative.ci, significant: d.significant };
  };
  const order = POLICIES.map((p) => v.value.policies[p].estimate.validConsumption.mean);
  return {
    policies: POLICIES.map((p) => {
      const e = v.value.policies[p].estimate;
      return {
        policy: p,
        validConsumption: { mean: e.validConsumption.mean, ci: e.validConsumption.ci },
        duration: { mean: e.durationSeconds.mean, ci: e.durationSeconds.ci },
        interactions: { mean: e.interactions.mean, ci: e.interactions.ci },
        depth: { mean: e.depth.mean, ci: e.depth.ci },
        reward: { mean: e.reward.mean, ci: e.reward.ci },
        gauc: v.gauc[p],
        snips: v.snips[p],
      };
    }),
    pairedDifferences: v.differences.map((d) => ({
      treatment: d.treatment,
      baseline: d.baseline,
      metric: d.metric,
      mean: d.difference.mean,
      ci: d.difference.ci,
      relative: d.relative.mean,
      relativeCi: d.relative.ci,
      significant: d.significant,
    })),
    upliftEnhancedVsUserState: { validConsumption: gap("validConsumption"), duration: gap("durationSeconds") },
    references: Object.fromEntries(
      Object.entries(v.value.policies)
        .filter(([name]) => !(POLICIES as readonly string[]).includes(name))
        .map(([name, pv]) => [name, { validConsumption: pv.estimate.validConsumption, duration: pv.estimate.durationSeconds, reward: pv.estimate.reward }]),
    ),
    orderingHolds: order.every((x, i) => i === 0 || x > order[i - 1]),
    training: v.training,
    fixedAction: v.fixedAction,
    loadMs: v.loadMs,
    identicalAfterLoad: v.identicalAfterLoad,
    seconds: v.seconds,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? "quick" : "full";
  const profile = PROFILES[mode];
  const total = timer();
  const { tf, backend } = await loadTf((m) => log(m));
  const scenarioInput: unknown = args.scenarioFile ? JSON.parse(readFileSync(args.scenarioFile, "utf8")) : {};
  const scenario = parseScenario(scenarioInput);
  const main = await runVariant(tf, "main", scenario, profile);
  const latency = actorLatency(new World(scenario, "bench:latency"), main.models["enhanced-state"], 500, profile.latencyCalls);
  log(`enhanced-state actor, 500 candidates: p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms`);
  let ablation: VariantResult | null = null;
  if (profile.ablation) {
    const off = parseScenario({ ...(scenarioInput as object), prediction: { ...((scenarioInput as { prediction?: object }).prediction ?? {}), miscalibration: false } });
    ablation = await runVariant(tf, "ablation (miscalibration off)", off, profile);
  }
  const result = {
    ...summary(main),
    mode,
    scenario: args.scenarioFile ?? "default",
    backend,
    actorLatency: latency,
    ablation: ablation && {
      miscalibration: false,
      ...summary(ablation),
      gapWithMiscalibration: summary(main).upliftEnhancedVsUserState,
    },
    totalSeconds: total(),
    command: `npx tsx scripts/bench-reproduce.ts${args.quick ? " --quick" : ""}${args.scenarioFile ? ` --scenario ${args.scenarioFile}` : ""}`,
  };
  console.log(markdown("Main comparison", main));
  if (ablation) console.log(`\n${markdown("Ablation: item-segment miscalibration off", ablation)}`);
  console.log(`\nEnhanced-State actor, 500 candidates, one request per call: p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms (${backend})`);
  console.log(`Total ${result.totalSeconds.toFixed(0)} s.`);
  const out = args.out ?? path.join("bench", "results", `reproduce-${mode}${args.scenarioFile ? `-${path.basename(args.scenarioFile, ".json")}` : ""}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  const json = JSON.stringify(result);
  writeFileSync(out, `${json}\n`);
  console.log(json);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
