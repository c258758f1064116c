import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeMetric } from "@/lib/metrics/describe-metric";
import { createMetricInput, metricRuleIssues } from "@/lib/metrics/metric-input";
import { guardrailStatus } from "@/lib/reports/guardrail-status";

describe("metric definitions", () => {
  it("fills defaults and names each broken rule's field", () => {
    expect(
      createMetricInput.parse({
        key: "like_rate",
        name: "Like rate",
        kind: "proportion",
        numerator: { source: "events", eventTypes: ["like"] },
      }),
    ).toEqual({
      key: "like_rate",
      name: "Like rate",
      description: "",
      kind: "proportion",
      numerator: { source: "events", eventTypes: ["like"], aggregate: "count" },
      denominator: null,
      direction: "higher",
      cap: "none",
      capValue: null,
      allowedHarm: null,
    });
    const paths = (v: Parameters<typeof metricRuleIssues>[0]) => metricRuleIssues(v).map((i) => i.path);
    expect(paths({ kind: "ratio", denominator: null, cap: "none", capValue: null })).toEqual(["denominator"]);
    expect(paths({ kind: "mean", denominator: { source: "sessions" }, cap: "none", capValue: null })).toEqual([
      "denominator",
    ]);
    expect(paths({ kind: "mean", cap: "fixed", capValue: 0 })).toEqual(["capValue"]);
    expect(paths({ kind: "mean", cap: "percentile", capValue: 100 })).toEqual(["capValue"]);
    expect(paths({ kind: "mean", cap: "none", capValue: 5 })).toEqual(["capValue"]);
    expect(paths({ kind: "proportion", cap: "fixed", capValue: 5 })).toEqual(["cap"]);
    expect(paths({ kind: "mean", cap: "percentile", capValue: 99 })).toEqual([]);
  });

  it("says how a metric is computed", () => {
    expect(
      describeMetric({
        kind: "mean",
        numerator: { source: "events", eventTypes: ["play"], aggregate: "sum" },
        denominator: null,
        cap: "fixed",
        capValue: 30,
      }),
    ).toBe("sum of play values per user, capped at 30");
    expect(
      describeMetric({
        kind: "ratio",
        numerator: { source: "requests" },
        denominator: { source: "sessions" },
        cap: "none",
        capValue: null,
      }),
    ).toBe("rank requests / sessions (ratio of sums)");
    expect(
      describeMetric({
        kind: "session_mean",
        numerator: { source: "events", eventTypes: ["play"], aggregate: "count" },
        denominator: null,
        cap: "none",
        capValue: null,
      }),
    ).toBe("play events per session");
  });
});

describe("guardrail verdicts", () => {
  it("golden cases for both directions and an allowed harm", () => {
    expect(guardrailStatus([-0.2, -0.1], "higher", 0.05)).toBe("breached");
    expect(guardrailStatus([-0.2, -0.01], "higher", 0.05)).toBe("at risk");
    expect(guardrailStatus([-0.04, 0.1], "higher", 0.05)).toBe("ok");
    expect(guardrailStatus([0.1, 0.2], "lower", 0.05)).toBe("breached");
    expect(guardrailStatus([-0.2, -0.1], "lower", null)).toBe("ok");
    expect(guardrailStatus([-0.01, 0.02], "higher", null)).toBe("at risk");
    expect(guardrailStatus(null, "higher", 0.05)).toBe("unknown");
  });

  it("a wider interval around the same lift is never judged better; a larger allowed harm never worse", () => {
    const rank = { ok: 0, "at risk": 1, breached: 2, unknown: -1 } as const;
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom("higher" as const, "lower" as const),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (mid, half, extra, dir, harm) => {
          const narrow = guardrailStatus([mid - half, mid + half], dir, harm);
          const wide = guardrailStatus([mid - half - extra, mid + half + extra], dir, harm);
          // Widening can only turn "breached" into "at risk", or "ok" into "at risk".
          if (narrow === "breached") expect(["breached", "at risk"]).toContain(wide);
          if (narrow === "ok") expect(["ok", "at risk"]).toContain(wide);
          expect(rank[guardrailStatus([mid - half, mid + half], dir, harm + extra)]).toBeLessThanOrEqual(rank[narrow]);
        },
      ),
    );
  });
});
