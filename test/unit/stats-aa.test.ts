/**
 * A/A simulation: 1,000 seeded experiments whose arms are identical, users assigned by the real
 * hash, 14 daily looks. At α = 0.05 a single final look must reject ~5% of the time, peeking daily
 * at the fixed-horizon p-value must inflate that, and the always-valid intervals must not.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "@/lib/random/rng";
import { armOf, compileExperiment } from "@/lib/assignment/assign";
import type { MeanStats, RatioStats } from "@/lib/stats/summary";
import { type TreatmentArmReport, analyzeExperiment } from "@/lib/stats/analyze";
import { liftTimeSeries } from "@/lib/stats/timeseries";

const EXPERIMENTS = 1000;
const DAYS = 14;
const USERS_PER_DAY = 160;
const ALPHA = 0.05;

interface ArmTotals {
  users: number;
  watch: MeanStats;
  plays: RatioStats;
}

const emptyTotals = (): ArmTotals => ({
  users: 0,
  watch: { n: 0, sum: 0, sumSq: 0 },
  plays: { n: 0, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 },
});

const copyTotals = (t: ArmTotals): ArmTotals => ({ users: t.users, watch: { ...t.watch }, plays: { ...t.plays } });

/** One user's day: skewed watch time (30% zeros, log-normal otherwise) and plays out of sessions. */
function addUser(t: ArmTotals, rng: Rng): void {
  const watch = rng.bernoulli(0.3) ? 0 : Math.exp(rng.normal(3, 1));
  const sessions = 1 + rng.int(4);
  let plays = 0;
  const propensity = rng.next();
  for (let s = 0; s < sessions; s++) if (rng.bernoulli(propensity)) plays++;
  t.users++;
  t.watch.n++;
  t.watch.sum += watch;
  t.watch.sumSq += watch * watch;
  t.plays.n++;
  t.plays.sumX += plays;
  t.plays.sumY += sessions;
  t.plays.sumX2 += plays * plays;
  t.plays.sumY2 += sessions * sessions;
  t.plays.sumXY += plays * sessions;
}

/** Cumulative per-arm totals at the end of each day. */
function simulate(experiment: number): Record<"control" | "treatment", ArmTotals>[] {
  const key = `aa-${experiment}`;
  const compiled = compileExperiment({
    key,
    seed: key,
    layerBuckets: [[0, 10_000]],
    arms: [{ key: "control" }, { key: "treatment" }],
  });
  const rng = Rng.derive("stats-aa", experiment);
  const totals = { control: emptyTotals(), treatment: emptyTotals() };
  const days: Record<"control" | "treatment", ArmTotals>[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let u = 0; u < USERS_PER_DAY; u++) {
      addUser(totals[armOf(compiled, `${key}-user-${d}-${u}`) as "control" | "treatment"], rng);
    }
    days.push({ control: copyTotals(totals.control), treatment: copyTotals(totals.treatment) });
  }
  return days;
}

describe("A/A simulation (1,000 experiments, 14 daily looks, α = 0.05)", () => {
  it("keeps the false-positive rate at α for one look and for daily looks with sequential intervals", () => {
    const rejections = {
      final: 0,
      finalRatio: 0,
      srm05: 0,
      srmFlag: 0,
      naivePeeking: 0,
      sequentialPeeking: 0,
      sequentialFinal: 0,
    };
    for (let e = 0; e < EXPERIMENTS; e++) {
      const days = simulate(e);
      const last = days[DAYS - 1];
      const report = analyzeExperiment({
        arms: [
          { key: "control", control: true, users: last.control.users, share: 0.5 },
          { key: "treatment", users: last.treatment.users, share: 0.5 },
        ],
        metrics: [
          { key: "watch", type: "mean", arms: { control: last.control.watch, treatment: last.treatment.watch } },
          { key: "plays", type: "ratio", arms: { control: last.control.plays, treatment: last.treatment.plays } },
        ],
        alpha: ALPHA,
      });
      const treatment = report.arms[1] as TreatmentArmReport;
      if (treatment.metrics.watch.pValue! < ALPHA) rejections.final++;
      if (treatment.metrics.plays.pValue! < ALPHA) rejections.finalRatio++;
      if (treatment.metrics.watch.sequential!.pValue < ALPHA) rejections.sequentialFinal++;
      if (report.srm.pValue < 0.05) rejections.srm05++;
      if (!report.srm.ok) rejections.srmFlag++;

      const series = liftTimeSeries({
        type: "mean",
        control: "control",
        alpha: ALPHA,
        days: days.map((day, d) => ({
          date: `day-${d + 1}`,
          arms: { control: day.control.watch, treatment: day.treatment.watch },
        })),
      });
      const looks = series.map((p) => p.arms.treatment!);
      if (looks.some((c) => c.pValue < ALPHA)) rejections.naivePeeking++;
      if (looks.some((c) => c.sequential!.ci[0] > 0 || c.sequential!.ci[1] < 0)) rejections.sequentialPeeking++;
    }
    const rate = Object.fromEntries(Object.entries(rejections).map(([k, v]) => [k, v / EXPERIMENTS]));
    console.info(`A/A rejection rates over ${EXPERIMENTS} experiments: ${JSON.stringify(rate)}`);

    expect(rate.final).toBeGreaterThanOrEqual(0.03);
    expect(rate.final).toBeLessThanOrEqual(0.07);
    expect(rate.finalRatio).toBeGreaterThanOrEqual(0.03);
    expect(rate.finalRatio).toBeLessThanOrEqual(0.07);
    // Hash assignment: SRM p-values are uniform (≈5% below 0.05) and the 0.001 alarm is rare.
    expect(rate.srm05).toBeGreaterThanOrEqual(0.03);
    expect(rate.srm05).toBeLessThanOrEqual(0.07);
    expect(rate.srmFlag).toBeLessThanOrEqual(0.005);
    // Peeking: naive daily looks inflate the error; always-valid intervals keep it within α.
    expect(rate.sequentialPeeking).toBeLessThanOrEqual(ALPHA);
    expect(rate.sequentialFinal).toBeLessThanOrEqual(rate.sequentialPeeking);
    expect(rate.naivePeeking).toBeGreaterThan(rate.final + 0.05);
  });
});
