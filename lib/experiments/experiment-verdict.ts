import type { Experiment } from "@prisma/client";
import { allowedHarmOf } from "@/lib/experiments/analysis-plan";
import { interleavingVerdict } from "@/lib/experiments/interleaving-verdict";
import { metricDefinitions } from "@/lib/metrics/metric-catalogue";
import { experimentReport } from "@/lib/reports/build-report";
import { interleavingReport } from "@/lib/reports/interleaving-report";
import type { VerdictReport } from "@/lib/stats/verdict";

/**
 * The verdicts the guardrail job acts on, by experiment type, with the same sequential logic: A/B
 * experiments read the uplift report's verdict (lib/stats/verdict.ts); interleaving experiments
 * their preference tests, read as verdicts by lib/experiments/interleaving-verdict.ts.
 */
export async function experimentVerdict(
  e: Pick<Experiment, "id" | "type" | "guardrailMetrics" | "guardrailHarm">,
): Promise<VerdictReport> {
  if (e.type !== "interleaving") return (await experimentReport(e.id)).verdict;
  const [report, definitions] = await Promise.all([interleavingReport(e.id), metricDefinitions(e.guardrailMetrics)]);
  const harm = new Map(definitions.map((m) => [m.key, allowedHarmOf(e, m)]));
  return interleavingVerdict({
    arms: report.arms,
    users: report.users,
    comparisons: report.comparisons,
    allowedHarm: (metric) => harm.get(metric) ?? allowedHarmOf(e, { key: metric, allowedHarm: null }),
  });
}
