import { describe, expect, it } from "vitest";
import { describeMetric } from "@/lib/metrics/describe-metric";
import { createMetricInput, metricRuleIssues } from "@/lib/metrics/metric-input";

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
