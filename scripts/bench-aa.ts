/**
 * A/A battery of the verdict logic (lib/stats/verdict.ts). For every setting — users n ∈ {50, 500,
 * 5,000}, control/treatment split 50/50 and 30/70, with and without CUPED — simulates --reps
 * (default 2,000) experiments whose arms are identical, on a zero-inflated heavy-tailed metric
 * ("heavy-tail": half the users 0, the rest log-normal with σ = 1.25 — skewness ≈ 11, kurtosis
 * ≈ 360) whose pre-period value (the CUPED covariate) comes from the same user (correlation ≈ 0.48).
 * Users arrive one by one, each assigned to treatment with the treatment's share.
 *
 *   finalLookFpr  share of experiments whose fixed-horizon verdict (planned size = n, read once
 *                 at the end) is ship or don't ship (finalLookShipRate: ship alone — under a
 *                 skewed metric the two directions need not split α evenly);
 *   peekingFpr    share whose sequential verdict (mixture tuned at the planned n users) is ship
 *                 or don't ship at any of 20 evenly spaced looks (at n/20, 2n/20, …, n users);
 * both with the default minimum data rule; "not enough data" counts as no rejection and its rate
 * is reported (finalLookNotEnoughData; peekingNotEnoughDataLooks = share of all looks).
 * "diagnostics" repeats the 50-user settings with the minimum lowered to 2 users per arm, to show
 * the tests themselves at small n. Prints one JSON line last and writes it to bench/results/aa.json.
 *
 *   npm run bench:aa [-- --reps N] [--out file]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "@/lib/random/rng";
import { EMPTY_MOMENTS, type Moments, addObservation } from "@/lib/stats/moments";
import { DEFAULT_MIN_USERS_PER_ARM } from "@/lib/stats/minimum-data";
import { type AnalysisPlan, type PrimaryVerdict, decideExperiment } from "@/lib/stats/verdict";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "2000" },
    out: { type: "string", default: path.join("bench", "results", "aa.json") },
  },
});
const REPS = Number(values.reps);
const LOOKS = 20;
const ALPHA = 0.05;
const SIGMA = 1.25;
const LOADING = 0.8; // of the user's latent propensity, in both periods

interface Setting {
  users: number;
  split: [number, number];
  minUsersPerArm: number;
}

/** One user's pre-period and experiment-period value, both driven by the user's latent propensity. */
function heavyTailUser(rng: Rng): { pre: number; post: number } {
  const latent = rng.normal();
  const noise = Math.sqrt(1 - LOADING * LOADING);
  const period = () =>
    LOADING * latent + noise * rng.normal() > 0 ? Math.exp(1 + SIGMA * (LOADING * latent + noise * rng.normal())) : 0;
  return { pre: period(), post: period() };
}

function verdictOf(
  arms: [Moments, Moments],
  cuped: boolean,
  plan: AnalysisPlan,
  minUsersPerArm: number,
): PrimaryVerdict {
  const [control, treatment] = arms;
  const report = decideExperiment({
    arms: [
      { key: "control", control: true, users: control.n },
      { key: "treatment", users: treatment.n },
    ],
    metrics: [{ key: "heavy-tail", role: "primary", type: "mean", cuped, arms: { control, treatment } }],
    plan,
    minimum: { usersPerArm: minUsersPerArm, eventsPerArm: 0 },
    alpha: ALPHA,
  });
  return report.arms[0].verdict;
}

const rejects = (v: PrimaryVerdict) => v === "ship" || v === "dontShip";

function runSetting(s: Setting) {
  const lookAt = Array.from({ length: LOOKS }, (_, k) => Math.ceil((s.users * (k + 1)) / LOOKS));
  const fixed: AnalysisPlan = { kind: "fixedHorizon", plannedUsers: s.users };
  // Tuned at the planned size, as planPower sets it up: the tightest (least conservative) choice.
  const sequential: AnalysisPlan = { kind: "sequential", plannedUsers: s.users };
  const counts = [false, true].map(() => ({
    final: 0,
    finalShip: 0,
    finalNed: 0,
    peeking: 0,
    peekingNedLooks: 0,
    sequentialFinal: 0,
  }));
  for (let rep = 0; rep < REPS; rep++) {
    const rng = Rng.derive("bench-aa", s.users, s.split.join("/"), rep);
    const arms: [Moments, Moments] = [{ ...EMPTY_MOMENTS }, { ...EMPTY_MOMENTS }];
    const peeked = [false, false];
    let look = 0;
    for (let u = 1; u <= s.users; u++) {
      const { pre, post } = heavyTailUser(rng);
      const arm = rng.bernoulli(s.split[1]) ? 1 : 0;
      arms[arm] = addObservation(arms[arm], post, pre);
      if (u !== lookAt[look]) continue;
      look++;
      [false, true].forEach((cuped, i) => {
        const v = verdictOf(arms, cuped, sequential, s.minUsersPerArm);
        if (v === "notEnoughData") counts[i].peekingNedLooks++;
        if (rejects(v)) peeked[i] = true;
        if (u === s.users && rejects(v)) counts[i].sequentialFinal++;
      });
    }
    [false, true].forEach((cuped, i) => {
      const v = verdictOf(arms, cuped, fixed, s.minUsersPerArm);
      if (rejects(v)) counts[i].final++;
      if (v === "ship") counts[i].finalShip++;
      if (v === "notEnoughData") counts[i].finalNed++;
      if (peeked[i]) counts[i].peeking++;
    });
  }
  const rate = (x: number, of = REPS) => +(x / of).toFixed(4);
  return [false, true].map((cuped, i) => ({
    users: s.users,
    split: s.split,
    cuped,
    metric: "heavy-tail",
    reps: REPS,
    minUsersPerArm: s.minUsersPerArm,
    finalLookFpr: rate(counts[i].final),
    finalLookShipRate: rate(counts[i].finalShip),
    peekingFpr: rate(counts[i].peeking),
    finalLookNotEnoughData: rate(counts[i].finalNed),
    peekingNotEnoughDataLooks: rate(counts[i].peekingNedLooks, REPS * LOOKS),
    sequentialFinalLookFpr: rate(counts[i].sequentialFinal),
  }));
}

const started = performance.now();
const splits: [number, number][] = [
  [0.5, 0.5],
  [0.3, 0.7],
];
const settings = [50, 500, 5000].flatMap((users) =>
  splits.flatMap((split) => runSetting({ users, split, minUsersPerArm: DEFAULT_MIN_USERS_PER_ARM })),
);
const diagnostics = splits.flatMap((split) => runSetting({ users: 50, split, minUsersPerArm: 2 }));
const inRange = (x: number) => x >= 0.03 && x <= 0.07;
const acceptance = {
  finalLookWithin3to7PercentOrNotEnoughData: settings.every(
    (s) => inRange(s.finalLookFpr) || s.finalLookNotEnoughData === 1,
  ),
  peekingAtMost5Percent: settings.every((s) => s.peekingFpr <= ALPHA),
};
const result = {
  alpha: ALPHA,
  looks: LOOKS,
  settings,
  diagnostics,
  acceptance,
  seconds: +((performance.now() - started) / 1000).toFixed(1),
};
const json = JSON.stringify(result);
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, `${json}\n`);
console.log(json);
