import type { Experiment } from "@prisma/client";
import { experimentReport } from "@/lib/reports/build-report";
import type { VerdictReport } from "@/lib/stats/verdict";

/**
 * The verdicts the guardrail job acts on, by experiment type: each type's report decides with the
 * same sequential logic (lib/stats/verdict.ts). A/B experiments read the uplift report; another
 * type (interleaving) plugs its own report's VerdictReport in here.
 */
export async function experimentVerdict(e: Pick<Experiment, "id">): Promise<VerdictReport> {
  return (await experimentReport(e.id)).verdict;
}
