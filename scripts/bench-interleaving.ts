/**
 * Interleaving vs A/B sensitivity on the simulator (docs/interleaving.md). In-process: the rank API
 * would add only time, since the platform's rank path runs the same team draft
 * (lib/assignment/team-draft.ts) and the same preference test (lib/stats/interleaving-preference.ts).
 * A simulated user is one session of the default scenario; the metric is valid consumption (valid
 * plays) per user.
 *
 * Policies: the default fixed action, a fixed action tuned by CEM (small budget), an Enhanced-State
 * version trained in-process from the default fixed action (progressive rounds with the budget of
 * bench:reproduce's full profile, `--quick` one short round) through the promotion gate, as the
 * platform trains it — when no round passes, the version is the fixed action itself and the pair has
 * no true difference; `--es-promotion always` takes each round's best checkpoint regardless (a
 * different ranker whatever its quality) — an interactions-weighted fixed action and a random
 * ranking.
 *
 * For each pair of policies (a, b):
 * - true difference: a large simulation of both policies on the same sessions (paired), relative
 *   (mean a − mean b) / mean b with a 95% CI; "significant" when the CI excludes 0;
 * - A/B: users alternate between the arms and draw their value from those large simulations
 *   (bootstrap, seeded); after every look the always-valid interval of the difference of means (the
 *   A/B reports' sequential test, mixture tuned at 5,000 users) is checked; users needed = users in
 *   both arms at the first look that excludes 0 (capped);
 * - interleaving: fresh simulated users each see the team-draft merge of a's and b's rankings on
 *   every request; each valid play credits the team whose item it was; a user wins for a when a's
 *   credit exceeds b's; users needed = users at the first look where the always-valid interval of
 *   the mean preference excludes 0 (capped).
 * Both designs are repeated `--reps` times with different seeds; the medians are reported (null when
 * the cap was hit in more than half). signAgrees: the pooled interleaving preference has the sign of
 * the true difference. Also times the rank path's compute for one policy vs an interleaved pair.
 *
 *   npm run bench:interleaving [-- --quick] [--reps N] [--truth-users N] [--seed S] [--es-promotion always|gate]
 *                              [--cost-only: only the rank-path cost, into bench/results/interleaving-cost.json]
 *
 * Prints one JSON line last (the `pairs` summary) and writes details to bench/results/interleaving.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { teamDraft } from "@/lib/assignment/team-draft";
import { ACTION_DIM, denormalizeAction, SCORE_NAMES } from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";
import { tuneFixedAction } from "@/lib/rl/fixed";
import { FixedConfigSchema } from "@/lib/rl/config";
import { loadPolicy, saveFixedPolicy } from "@/lib/rl/saved";
import { trainProgressive } from "@/lib/rl/training";
import { DEFAULT_ACTION_BOUNDS } from "@/lib/fusion";
import { loadTf } from "@/lib/tf/backend";
import { fixedServingPolicy, type ServingResult } from "@/lib/serving/serving-policy";
import { draftedList } from "@/lib/serving/drafted-list";
import { readRankRequest } from "@/lib/serving/read-rank-request";
import type { RankRequest } from "@/lib/serving/rank-request";
import { simulatedRankBodies } from "@/test/support/load";
import { byScore, servingRequest, shownItems } from "@/lib/serving/serving-request";
import {
  DEFAULT_FIXED_ACTION,
  FixedFusionPolicy,
  RandomPolicy,
  parseScenario,
  rollout,
  VecEnv,
  World,
  type Policy,
  type PolicyDecision,
  type RequestObservation,
} from "@/lib/simulator";
import {
  alwaysValidCritical,
  DEFAULT_SEQUENTIAL_TUNING,
  mixtureRhoSquared,
  preferenceTest,
  type PreferenceCounts,
} from "@/lib/stats";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    reps: { type: "string" },
    "truth-users": { type: "string" },
    seed: { type: "string", default: "bench-interleaving" },
    out: { type: "string" },
    "es-promotion": { type: "string", default: "gate" },
    "cost-only": { type: "boolean", default: false },
  },
});
const quick = values.quick;
const ES_PROMOTION = values["es-promotion"];
if (ES_PROMOTION !== "gate" && ES_PROMOTION !== "always") throw new Error("--es-promotion is gate or always");
const REPS = Number(values.reps ?? (quick ? 3 : 7));
const TRUTH_USERS = Number(values["truth-users"] ?? (quick ? 6_000 : 20_000));
// A run stops at its first significant look, so the cap costs time only where nothing is found
// (A/A, and differences of ~1%, which Enhanced-State vs its behaviour can be).
const IL_MAX_USERS = quick ? 6_000 : 20_000;
const AB_MAX_USERS = 4_000_000;
const LOOK = 100;
const MIN_USERS_PER_ARM = 100;
const ALPHA = 0.05;
const SEED = values.seed;
const OUT = values.out ?? `bench/results/interleaving${quick ? "-quick" : ""}.json`;
const started = performance.now();
const log = (msg: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${msg}`);

const world = new World(parseScenario({}), `${SEED}:world`);
const S = world.scenario.session.shown;
const n = world.scenario.session.candidates;

/** Team-draft merge of several policies, as the rank path does it; `teamOf[slot][candidate]` = team (−1 unshown). */
class InterleavedPolicy implements Policy {
  readonly name: string;
  readonly actionMode = "none" as const;
  readonly teamOf = new Map<number, Int8Array>();
  private scratch: PolicyDecision[][] = [];

  constructor(
    private readonly teams: readonly Policy[],
    private readonly seed: string,
  ) {
    this.name = `interleaved(${teams.map((t) => t.name).join(",")})`;
  }

  private decisions(team: number, count: number): PolicyDecision[] {
    const list = (this.scratch[team] ??= []);
    while (list.length < count) {
      const action = new Float64Array(n * ACTION_DIM);
      const behaviourAction = new Float64Array(n * ACTION_DIM);
      list.push({
        scores: new Float64Array(n),
        action,
        requestAction: action.subarray(0, ACTION_DIM),
        behaviourAction,
        requestBehaviourAction: behaviourAction.subarray(0, ACTION_DIM),
      });
    }
    return list;
  }

  async act(batch: readonly RequestObservation[], decisions: readonly PolicyDecision[]): Promise<void> {
    for (const [t, policy] of this.teams.entries()) await policy.act(batch, this.decisions(t, batch.length));
    for (const [i, obs] of batch.entries()) {
      const rankings = this.teams.map((_, t) => byScore(this.scratch[t][i].scores.subarray(0, obs.numCandidates)));
      const draft = teamDraft(rankings, S, `${this.seed}:${obs.sessionId}:${obs.step}`);
      const scores = decisions[i].scores;
      const teamOf = this.teamOf.get(obs.slot) ?? new Int8Array(n);
      this.teamOf.set(obs.slot, teamOf);
      scores.fill(-1e300);
      teamOf.fill(-1);
      draft.items.forEach((j, r) => {
        scores[j] = S - r;
        teamOf[j] = draft.teams[r];
      });
    }
  }
}

// ── Policies ───────────────────────────────────────────────────────────────────────────────────────────────
log("tuning a fixed policy by CEM (small budget)");
const tuned = await tuneFixedAction({
  world,
  config: FixedConfigSchema.parse({
    seed: `${SEED}:cem`,
    iterations: quick ? 3 : 5,
    population: 8,
    sessionsPerCandidate: quick ? 100 : 200,
  }),
});
// Another emphasis: rank by interactions, hardly by click or watch time (its difference is measured, not assumed).
const interactionsU = Array.from({ length: ACTION_DIM }, (_, d) =>
  d < SCORE_NAMES.length ? (d === 0 || d === 6 ? -0.9 : 0.9) : 0,
);

if (values["cost-only"]) {
  const cost = costRatio();
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/interleaving-cost.json", `${JSON.stringify(cost, null, 2)}\n`);
  console.log(JSON.stringify(cost));
  process.exit(0);
}

// Enhanced-State RL trained from the platform's default fixed action: the comparison a ranking team makes before a launch.
log("training an Enhanced-State version from the default fixed action");
const { tf } = await loadTf(() => {});
const enhanced = await trainProgressive({
  tf,
  type: "enhanced-state",
  world,
  behaviour: saveFixedPolicy(DEFAULT_FIXED_ACTION, DEFAULT_ACTION_BOUNDS),
  config: {
    seed: `${SEED}:enhanced-state`,
    promotion: ES_PROMOTION,
    ...(quick
      ? { rounds: 1, sessionsPerRound: 1000, stepsPerRound: 400, checkpoints: 2, evalSessions: 300, gateWorlds: 2 }
      : { rounds: 4, sessionsPerRound: 3000, stepsPerRound: 1200, checkpoints: 3, evalSessions: 1000, gateWorlds: 3 }),
  },
  agentConfig: { seed: `${SEED}:enhanced-state`, batchSize: quick ? 64 : 128 },
  onProgress: (p) => {
    if (p.phase === "evaluate") log(`enhanced-state round ${p.round} step ${p.step}: ${p.gate.reason}`);
  },
});
const enhancedTraining = {
  improved: enhanced.improved,
  promotedRound: enhanced.promotedRound,
  rounds: enhanced.rounds.map((r) => ({
    round: r.round,
    promoted: r.promoted,
    difference: +r.gate.objective.difference.toFixed(4),
    ci: r.gate.objective.ci.map((x) => +x.toFixed(4)),
    reason: r.gate.reason,
  })),
};
log(`enhanced-state: ${enhanced.improved ? `the version of round ${enhanced.promotedRound}` : "nothing promoted"}`);
// What a serving process loads (save → JSON → load), not the training-time object.
const enhancedPolicy = loadPolicy(tf, JSON.stringify(enhanced.saved), "enhanced-state").policy;
enhanced.model?.dispose();

const policies: Record<string, Policy> = {
  "enhanced-state": enhancedPolicy,
  "tuned-fixed": new FixedFusionPolicy(tuned.action, "tuned-fixed"),
  fixed: new FixedFusionPolicy(undefined, "fixed"),
  "fixed-interactions": new FixedFusionPolicy(denormalizeAction(interactionsU), "fixed-interactions"),
  // Deliberately worse: a random ranking.
  random: new RandomPolicy(),
};
const PAIRS: [string, string][] = [
  ["enhanced-state", "fixed"],
  ["tuned-fixed", "fixed"],
  ["fixed-interactions", "fixed"],
  ["fixed", "random"],
  // A/A: no true difference; both designs should rarely call one.
  ["fixed", "fixed"],
];

// ── Truth: every policy on the same TRUTH_USERS sessions ────────────────────────────────────────────────────────
const truth: Record<string, Float64Array> = {};
for (const name of new Set(PAIRS.flat())) {
  log(`truth: ${name} on ${TRUTH_USERS} users`);
  truth[name] = (
    await rollout({ world, policy: policies[name], sessions: TRUTH_USERS, seed: `${SEED}:truth` })
  ).perSession.validConsumption;
}
const mean = (x: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
};

function trueDifference(a: Float64Array, b: Float64Array) {
  const mb = mean(b);
  const d = Array.from(a, (x, i) => x - b[i]);
  const md = mean(d);
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - md) ** 2, 0) / (d.length - 1));
  const rel = md / mb;
  const half = (1.96 * sd) / Math.sqrt(d.length) / mb;
  return { relative: rel, ci: [rel - half, rel + half] as [number, number], significant: Math.abs(rel) > half };
}

// ── A/B: sequential always-valid test on the difference of means, users drawn from the truth runs ──────────────
const rho2 = mixtureRhoSquared(ALPHA, DEFAULT_SEQUENTIAL_TUNING);
function abUsersNeeded(a: Float64Array, b: Float64Array, rep: string): number | null {
  const rng = new Rng(rep);
  const sum = [0, 0];
  const sq = [0, 0];
  const cnt = [0, 0];
  for (let u = 0; u < AB_MAX_USERS; u++) {
    const arm = u % 2;
    const pool = arm === 0 ? a : b;
    const x = pool[rng.int(pool.length)];
    sum[arm] += x;
    sq[arm] += x * x;
    cnt[arm]++;
    if ((u + 1) % LOOK || cnt[1] < MIN_USERS_PER_ARM) continue;
    const m = [sum[0] / cnt[0], sum[1] / cnt[1]];
    const v = [0, 1].map((k) => (sq[k] - cnt[k] * m[k] * m[k]) / (cnt[k] - 1));
    const se = Math.sqrt(v[0] / cnt[0] + v[1] / cnt[1]);
    if (Math.abs(m[0] - m[1]) > se * alwaysValidCritical(u + 1, ALPHA, rho2)) return u + 1;
  }
  return null;
}

// ── Interleaving: fresh users, team-draft lists, per-user preference ───────────────────────────────────────────
async function interleavingRun(a: Policy, b: Policy, seed: string) {
  const policy = new InterleavedPolicy([a, b], seed);
  const env = new VecEnv(world, { sessions: IL_MAX_USERS, seed });
  const credit = new Map<number, [number, number]>();
  const counts: PreferenceCounts = { wins: 0, losses: 0, ties: 0 };
  let usersNeeded: number | null = null;
  while (!env.finished && usersNeeded === null) {
    await policy.act(env.observations, env.decisions);
    const ended = env.step((obs, _decision, outcome) => {
      const teamOf = policy.teamOf.get(obs.slot)!;
      const c = credit.get(obs.sessionId) ?? [0, 0];
      for (let p = 0; p < outcome.numShown; p++) if (outcome.isClick[p]) c[teamOf[outcome.shown[p]]]++;
      credit.set(obs.sessionId, c);
    });
    for (const m of ended) {
      const [ca, cb] = credit.get(m.sessionId) ?? [0, 0];
      credit.delete(m.sessionId);
      if (ca > cb) counts.wins++;
      else if (ca < cb) counts.losses++;
      else counts.ties++;
      const users = counts.wins + counts.losses + counts.ties;
      if (users % LOOK === 0 && usersNeeded === null) {
        const verdict = preferenceTest(counts, { alpha: ALPHA, minUsers: MIN_USERS_PER_ARM }).verdict;
        if (verdict === "aPreferred" || verdict === "bPreferred") usersNeeded = users;
      }
    }
  }
  return { counts, usersNeeded };
}

const median = (xs: (number | null)[]): number | null => {
  // A capped run counts as infinitely many users: the median is null when most runs hit the cap.
  const sorted = xs.map((x) => x ?? Infinity).sort((p, q) => p - q);
  const mid =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return Number.isFinite(mid) ? Math.round(mid) : null;
};

const details = [];
for (const [an, bn] of PAIRS) {
  const t = trueDifference(truth[an], truth[bn]);
  const ab: (number | null)[] = [];
  const il: (number | null)[] = [];
  const pooled: PreferenceCounts = { wins: 0, losses: 0, ties: 0 };
  for (let r = 0; r < REPS; r++) {
    ab.push(abUsersNeeded(truth[an], truth[bn], `${SEED}:ab:${an}:${bn}:${r}`));
    const run = await interleavingRun(policies[an], policies[bn], `${SEED}:il:${an}:${bn}:${r}`);
    il.push(run.usersNeeded);
    pooled.wins += run.counts.wins;
    pooled.losses += run.counts.losses;
    pooled.ties += run.counts.ties;
  }
  const preference = preferenceTest(pooled, { alpha: ALPHA });
  const detail = {
    a: an,
    b: bn,
    trueRelativeDifference: +t.relative.toFixed(4),
    trueCi: t.ci.map((x) => +x.toFixed(4)),
    trueSignificant: t.significant,
    pooledPreference: {
      ...pooled,
      share: preference.share && +preference.share.toFixed(4),
      delta: +preference.delta.toFixed(4),
    },
    signAgrees: t.significant ? Math.sign(preference.delta) === Math.sign(t.relative) : null,
    usersInterleaving: median(il),
    usersAB: median(ab),
    perRep: { interleaving: il, ab },
  };
  log(JSON.stringify(detail));
  details.push(detail);
}

// ── Rank-path cost: one fixed policy vs an interleaved pair, 200 candidates, top 10 ──────────────────────────────
/**
 * Per request, in-process, as the rank path does it: `compute` = scoring, the page, the answer's
 * items and the decision log's encoding; `request` = the same plus reading the request from its
 * bytes (what both paths share before they differ; simulated 190 KB bodies with features). Only
 * the network and the database commit are left out, and those are the same for both paths.
 */
function costRatio() {
  const bodies = simulatedRankBodies(50, 200, `${SEED}:cost`).map((b) => Buffer.from(b));
  const parsed = bodies.map((b) => readRankRequest(b));
  const p1 = fixedServingPolicy(null, "a", DEFAULT_FIXED_ACTION);
  const p2 = fixedServingPolicy(null, "b", tuned.action);
  const single = (body: RankRequest) => {
    const result = p1.score(servingRequest(body)) as ServingResult;
    const top = byScore(result.scores, 10);
    const items = top.map((j) => ({ itemId: body.itemIds[j], score: result.scores[j] }));
    return shownItems(body.itemIds, top, result).length + items.length;
  };
  const pair = (body: RankRequest, i: number) => {
    const request = servingRequest(body);
    const results = [p1, p2].map((p) => p.score(request) as ServingResult);
    const draft = teamDraft(
      results.map((r) => byScore(r.scores, 10)),
      10,
      `u:${i}`,
    );
    const list = draftedList(body.itemIds, results, draft, 10, ["a", "b"]);
    return list.shown.length + list.teams.length + list.items.length;
  };
  const paths = {
    compute: [(i: number) => single(parsed[i % 50]), (i: number) => pair(parsed[i % 50], i)],
    request: [
      (i: number) => single(readRankRequest(bodies[i % 50])),
      (i: number) => pair(readRankRequest(bodies[i % 50]), i),
    ],
  };
  let sink = 0;
  const time = (f: (i: number) => number, iterations: number) => {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) sink += f(i);
    return ((performance.now() - t0) * 1000) / iterations;
  };
  const med = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  const measure = ([a, b]: ((i: number) => number)[], iterations: number) => {
    for (let i = 0; i < 200; i++) sink += a(i) + b(i);
    // Alternating short rounds, medians: on a shared machine the neighbours' load changes within seconds.
    const rounds = Array.from({ length: 15 }, () => [time(a, iterations), time(b, iterations)]);
    return {
      singleUs: +med(rounds.map((r) => r[0])).toFixed(1),
      interleavedUs: +med(rounds.map((r) => r[1])).toFixed(1),
      ratio: +med(rounds.map((r) => r[1] / r[0])).toFixed(2),
    };
  };
  const result = { compute: measure(paths.compute, 400), request: measure(paths.request, 40) };
  if (sink === 0) throw new Error("nothing was encoded");
  return result;
}

const cost = costRatio();
log(`rank-path cost per request (fixed policies, 200 candidates): ${JSON.stringify(cost)}`);

const summary = {
  pairs: details.map(({ a, b, trueRelativeDifference, signAgrees, usersInterleaving, usersAB }) => ({
    a,
    b,
    trueRelativeDifference,
    signAgrees,
    usersInterleaving,
    usersAB,
  })),
};
mkdirSync("bench/results", { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      quick,
      reps: REPS,
      truthUsers: TRUTH_USERS,
      interleavingMaxUsers: IL_MAX_USERS,
      look: LOOK,
      seconds: +((performance.now() - started) / 1000).toFixed(1),
      tunedAction: Array.from(tuned.action, (x) => +x.toFixed(4)),
      enhancedTraining,
      cost,
      pairs: details,
    },
    null,
    2,
  )}\n`,
);
console.log(JSON.stringify(summary));
