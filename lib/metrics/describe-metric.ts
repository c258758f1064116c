import type { Measure, MetricDefinition } from "@/lib/metrics/metric-input";

/** One line that says how a metric is computed, e.g. "share of users with ≥ 1 like". */
export function describeMeasure(m: Measure): string {
  if (m.source === "requests") return "rank requests";
  if (m.source === "sessions") return "sessions";
  const types = m.eventTypes.join(" + ");
  return m.aggregate === "sum" ? `sum of ${types} values` : `${types} events`;
}

export function describeMetric(
  m: Pick<MetricDefinition, "kind" | "numerator" | "denominator" | "cap" | "capValue">,
): string {
  const num = describeMeasure(m.numerator);
  const cap =
    m.cap === "fixed"
      ? `, capped at ${m.capValue}`
      : m.cap === "percentile"
        ? `, capped at the p${m.capValue} of users`
        : "";
  switch (m.kind) {
    case "mean":
      return `${num} per user${cap}`;
    case "proportion":
      return `share of users with ≥ 1 of ${num}`;
    case "ratio":
      return `${num} / ${m.denominator ? describeMeasure(m.denominator) : "?"} (ratio of sums)`;
    case "session_mean":
      return `${num} per session`;
  }
}
