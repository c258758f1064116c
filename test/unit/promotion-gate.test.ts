import { describe, expect, it } from "vitest";
import { guardedObjective, pairedInterval, promotionGate, type Guardrails } from "@/lib/rl/promotion-gate";
import { SESSION_METRICS, type RolloutResult } from "@/lib/simulator/rollout";

/** A rollout result from per-session values of the metrics the gate reads (others zero). */
function result(sessions: Partial<Record<"reward" | "validConsumption" | "durationSeconds", number[]>>): RolloutResult {
  const n = (sessions.reward ?? sessions.validConsumption ?? sessions.durationSeconds)!.length;
  const perSession = Object.fromEntries(
    SESSION_METRICS.map((m) => [m, new Float64Array(n)]),
  ) as RolloutResult["perSession"];
  perSession.rewardOther.set(sessions.reward ?? []);
  perSession.validConsumption.set(sessions.validConsumption ?? []);
  perSession.durationSeconds.set(sessions.durationSeconds ?? []);
  const mean = Object.fromEntries(
    SESSION_METRICS.map((m) => [m, perSession[m].reduce((s, x) => s + x, 0) / n]),
  ) as RolloutResult["mean"];
  return { sessions: n, requests: n, mean, perSession };
}

const unguarded: Guardrails = { validConsumption: null, durationSeconds: null };

describe("promotion gate", () => {
  it("computes the paired, world-stratified interval (hand-computed golden values)", () => {
    // World 1 differences 1, 2, 3 (mean 2, var 1); world 2 differences 0, 0, 3 (mean 1, var 3).
    const cand = [result({ reward: [11, 12, 13] }), result({ reward: [5, 5, 8] })];
    const base = [result({ reward: [10, 10, 10] }), result({ reward: [5, 5, 5] })];
    const p = pairedInterval(cand, base, "reward", 1.959963984540054);
    // mean (2 + 1)/2 = 1.5; variance (1/3 + 3/3)/4 = 1/3; half-width 1.96·√(1/3) = 1.131585.
    expect(p.difference).toBeCloseTo(1.5, 12);
    expect(p.ci[0]).toBeCloseTo(1.5 - 1.1315857, 6);
    expect(p.ci[1]).toBeCloseTo(1.5 + 1.1315857, 6);
    expect(p.behaviourMean).toBeCloseTo(7.5, 12);
    expect(p.relative).toBeCloseTo(0.2, 12);
  });

  it("promotes only when the Bonferroni-corrected lower bound is above 0", () => {
    // Differences 1, 2, 3 in one world: mean 2, SE 1/√3 = 0.57735.
    const cand = [result({ reward: [11, 12, 13] })];
    const base = [result({ reward: [10, 10, 10] })];
    const one = promotionGate(cand, base, { alpha: 0.05, comparisons: 1, guardrails: unguarded });
    expect(one.promoted).toBe(true);
    expect(one.objective.ci[0]).toBeCloseTo(2 - 1.959964 * 0.5773503, 5);
    // With 100 checkpoints compared, z = Φ⁻¹(1 − 0.05/200) = 3.4807: lower bound 2 − 2.0096 < 0.
    const many = promotionGate(cand, base, { alpha: 0.05, comparisons: 100, guardrails: unguarded });
    expect(many.objective.ci[0]).toBeCloseTo(2 - 3.4807564 * 0.5773503, 5);
    expect(many.promoted).toBe(false);
    expect(many.reason).toMatch(/not better/);
  });

  it("refuses a candidate that harms a guarded metric beyond its allowance, even with a better reward", () => {
    const cand = [
      result({ reward: [11, 12, 13, 12], durationSeconds: [90, 91, 89, 90], validConsumption: [5, 5, 5, 5] }),
    ];
    const base = [
      result({ reward: [10, 10, 10, 10], durationSeconds: [100, 100, 100, 100], validConsumption: [5, 5, 5, 5] }),
    ];
    const strict = promotionGate(cand, base, {
      alpha: 0.05,
      comparisons: 1,
      guardrails: { validConsumption: 0, durationSeconds: 0 },
    });
    expect(strict.promoted).toBe(false);
    expect(strict.reason).toBe("guardrail harmed: durationSeconds");
    const duration = strict.guardrails.find((g) => g.metric === "durationSeconds")!;
    expect(duration.passed).toBe(false);
    expect(duration.relative).toBeCloseTo(-0.1, 12);
    // Allowing 15% harm lets the −10% through; valid consumption is unchanged (a zero-width interval at 0 passes).
    const lenient = promotionGate(cand, base, {
      alpha: 0.05,
      comparisons: 1,
      guardrails: { validConsumption: 0, durationSeconds: 0.15 },
    });
    expect(lenient.promoted).toBe(true);
  });

  it("penalises CEM candidates for guardrail harm only beyond the allowance", () => {
    const base = result({ reward: [10, 10], durationSeconds: [100, 100], validConsumption: [10, 10] });
    const better = result({ reward: [12, 12], durationSeconds: [100, 100], validConsumption: [11, 11] });
    const harmful = result({ reward: [12, 12], durationSeconds: [90, 90], validConsumption: [11, 11] });
    const g: Guardrails = { validConsumption: 0, durationSeconds: 0.05 };
    expect(guardedObjective(better, base, g, 10)).toBe(12);
    // 10% harm, 5% allowed: penalty 10 × 10 (behaviour reward) × 0.05 = 5.
    expect(guardedObjective(harmful, base, g, 10)).toBeCloseTo(7, 12);
    expect(guardedObjective(harmful, null, g, 10)).toBe(12);
  });
});
