import { describe, expect, it } from "vitest";
import { judgeArm, type GateMetric, type OfflineComparison } from "@/lib/experiments/gate-decision";

const metrics: GateMetric[] = [
  { key: "valid_consumption", role: "primary", direction: "higher", allowedHarm: null },
  { key: "duration", role: "guardrail", direction: "higher", allowedHarm: 0.02 },
  { key: "like_rate", role: "guardrail", direction: "higher", allowedHarm: 0.02 },
];
const baseline = { versionId: "b", label: "default-fixed@v1" };
const comparison = (rel: Record<string, [number, number, number]>): OfflineComparison => ({
  id: "e1",
  scenario: "default",
  evaluatedAt: "2026-11-30T00:00:00.000Z",
  relative: Object.fromEntries(Object.entries(rel).map(([k, [mean, lo, hi]]) => [k, { mean, ci: [lo, hi] }])),
});
const judge = (c: OfflineComparison | null, versionId: string | null = "t") =>
  judgeArm({ arm: "treatment", versionId, versionLabel: "cand@v2", baseline, comparison: c, metrics });

describe("launch gate: one treatment arm against its offline evaluation", () => {
  it("refuses a missing evaluation and says what to run", () => {
    const g = judge(null);
    expect(g.status).toBe("missing");
    expect(g.message).toMatch(/arm "treatment" has no completed offline evaluation of cand@v2 against/);
    expect(g.message).toMatch(/policyVersionId t and baselineVersionId b/);
  });

  it("flags a primary metric whose whole interval is below 0, with the numbers", () => {
    const g = judge(comparison({ validConsumption: [-0.02, -0.037, -0.003], durationSeconds: [0, -0.01, 0.01] }));
    expect(g.status).toBe("harmful");
    expect(g.message).toContain("valid_consumption −2.0% [−3.7%, −0.3%]");
    expect(g.findings.find((f) => f.metric === "like_rate")).toMatchObject({ offlineMetric: null, harmful: false });
  });

  it("flags a guardrail only past its allowed harm", () => {
    const within = judge(
      comparison({ validConsumption: [0.01, -0.01, 0.03], durationSeconds: [-0.015, -0.019, -0.011] }),
    );
    expect(within.status).toBe("pass");
    const beyond = judge(comparison({ validConsumption: [0.01, -0.01, 0.03], durationSeconds: [-0.05, -0.07, -0.03] }));
    expect(beyond.status).toBe("harmful");
    expect(beyond.message).toContain("duration −5.0% [−7.0%, −3.0%] (allowed harm −2.0%)");
  });

  it("respects a lower-is-better metric's direction", () => {
    const lower: GateMetric[] = [{ key: "session_depth", role: "primary", direction: "lower", allowedHarm: null }];
    const g = (lo: number, hi: number) =>
      judgeArm({
        arm: "t",
        versionId: "t",
        versionLabel: "x",
        baseline,
        comparison: comparison({ depth: [(lo + hi) / 2, lo, hi] }),
        metrics: lower,
      }).status;
    expect(g(0.01, 0.05)).toBe("harmful");
    expect(g(-0.05, -0.01)).toBe("pass");
  });

  it("passes an arm that serves the control's own policy without an evaluation", () => {
    expect(judge(null, "b").status).toBe("sameAsControl");
  });
});
