import { findExperiment } from "@/lib/experiments/find-experiment";
import { metricDefinitions } from "@/lib/metrics/metric-catalogue";
import type { MetricDefinition } from "@/lib/metrics/metric-input";
import { eventColumnSums } from "@/lib/reports/report-sql";
import { inReportSnapshot } from "@/lib/reports/report-watermark";
import { serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { preferenceTest } from "@/lib/stats/interleaving-preference";

/**
 * The report of an interleaving experiment (docs/interleaving.md). Its events carry the arm whose
 * policy placed their item (lib/events/ingest-events.ts), so a user's credited feedback per arm is a
 * sum over the same per-user-day rollups A/B reports read (ReportUserDay ∪ the not-yet-rolled tail).
 * One statement turns them into, per pair of arms and metric, the number of exposed users who
 * credited more to the first arm (wins), less (losses) or the same (ties); only those counts leave
 * the database. lib/stats/interleaving-preference.ts tests them.
 *
 * A metric is credited per item when its numerator counts or sums event types and it is a per-user
 * mean (fixed caps apply) or a proportion (≥ 1 credited event); requests, sessions and ratios
 * belong to the whole list, not to an item, and are listed as not applicable.
 */
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s}"`;

function creditable(m: MetricDefinition): boolean {
  return m.numerator.source === "events" && (m.kind === "mean" || m.kind === "proportion");
}

/** Per-user value of metric `m` credited to one arm, from its per-type sums (columns of `alias`). */
function creditedValue(m: MetricDefinition, arm: string): string {
  if (m.numerator.source !== "events") throw new RangeError(`${m.key} is not credited per item`);
  const col = m.numerator.aggregate === "count" ? "n" : "v";
  const sum = m.numerator.eventTypes
    .map((t) => `sum(CASE WHEN "armKey" = ${q(arm)} THEN coalesce(${ident(`${t}_${col}`)}, 0) ELSE 0 END)`)
    .join(" + ");
  if (m.kind === "proportion") return `CASE WHEN ${sum} >= 1 THEN 1 ELSE 0 END`;
  return m.cap === "fixed" ? `LEAST(${sum}, ${Number(m.capValue)})` : sum;
}

function interleavingSql(metrics: readonly MetricDefinition[], armKeys: readonly string[]) {
  const named = new Set(metrics.flatMap((m) => (m.numerator.source === "events" ? m.numerator.eventTypes : [])));
  const types = named.size ? [...named] : ["play"];
  const cols = types.flatMap((t) => [`${t}_n`, `${t}_v`]).map(ident);
  const values = metrics.flatMap((m, k) => armKeys.map((a, i) => `${creditedValue(m, a)} AS v${k}_${i}`));
  const pairs: { metric: string; a: string; b: string; column: string }[] = [];
  const counts = metrics.flatMap((m, k) =>
    armKeys.flatMap((a, i) =>
      armKeys.slice(i + 1).map((b, d) => {
        const j = i + 1 + d;
        const column = `p${k}_${i}_${j}`;
        pairs.push({ metric: m.key, a, b, column });
        return [
          `sum(CASE WHEN v${k}_${i} > v${k}_${j} THEN 1 ELSE 0 END) AS ${column}_w`,
          `sum(CASE WHEN v${k}_${i} < v${k}_${j} THEN 1 ELSE 0 END) AS ${column}_l`,
        ].join(", ");
      }),
    ),
  );
  // $1 experiment, $2 first day whose decisions are not rolled up, $3 first receipt time of events not rolled up.
  const text = `
WITH exposed AS (
  SELECT "userId" FROM "ReportUserDay" WHERE "experimentId" = $1::uuid AND requests > 0
  UNION
  SELECT "userId" FROM "Decision" WHERE "experimentId" = $1::uuid AND ts >= $2
), credited AS (
  SELECT "userId", "armKey", ${cols.join(", ")} FROM "ReportUserDay" WHERE "experimentId" = $1::uuid
  UNION ALL
  SELECT "userId", "armKey", ${cols.join(", ")} FROM (
    SELECT "userId", "armKey", ${eventColumnSums(types)} FROM "Event"
    WHERE "experimentId" = $1::uuid AND "armKey" IS NOT NULL AND "receivedAt" >= $3 GROUP BY "userId", "armKey") e
), per_user AS (
  SELECT x."userId"${values.length ? `, ${values.join(", ")}` : ""}
  FROM exposed x LEFT JOIN credited c ON c."userId" = x."userId" GROUP BY x."userId"
)
SELECT count(*) AS users${counts.length ? `, ${counts.join(", ")}` : ""} FROM per_user`;
  return { text, pairs };
}

/** Computed on each call: one aggregate statement over the rollups, whatever the experiment's size. */
export async function interleavingReport(ref: string) {
  const e = await findExperiment(ref);
  const arms = [...e.arms].sort((a, b) => a.position - b.position);
  const armKeys = arms.map((a) => a.key);
  const definitions = await metricDefinitions([...new Set([e.primaryMetric, ...e.guardrailMetrics])]);
  const metrics = definitions.filter(creditable);
  const { text, pairs } = interleavingSql(metrics, armKeys);
  const row = await inReportSnapshot(e.id, async (client, wm) => {
    const values = [e.id, wm?.exposureThrough ?? "1970-01-01", wm?.feedbackBefore ?? "1970-01-01T00:00:00.000Z"];
    return (await client.query<Record<string, string | number>>(text, values)).rows[0];
  });
  const users = Number(row.users);
  return {
    type: "interleaving" as const,
    experiment: serializeExperiment(e),
    generatedAt: new Date().toISOString(),
    /** Exposed users: every one of them saw every arm's items, so each is one observation per pair. */
    users,
    arms: arms.map((a) => ({ key: a.key, name: a.name, control: a.isControl, policyVersionId: a.policyVersionId })),
    definitions: Object.fromEntries(
      definitions.map(({ key, name, description, kind, direction }) => [key, { name, description, kind, direction }]),
    ),
    /** Metrics of the experiment that belong to a whole list (requests, sessions, ratios): not credited per item. */
    notApplicable: definitions.filter((m) => !creditable(m)).map((m) => m.key),
    /** Per metric and pair (a, b): users preferring a (wins), b (losses), neither (ties), and the test. */
    comparisons: pairs.map(({ metric, a, b, column }) => {
      const wins = Number(row[`${column}_w`]);
      const losses = Number(row[`${column}_l`]);
      const direction = definitions.find((d) => d.key === metric)!.direction;
      // For a lower-is-better metric (e.g. hates) crediting less is the win.
      const [w, l] = direction === "lower" ? [losses, wins] : [wins, losses];
      return {
        metric,
        role: metric === e.primaryMetric ? ("primary" as const) : ("guardrail" as const),
        a,
        b,
        ...preferenceTest({ wins: w, losses: l, ties: users - wins - losses }),
      };
    }),
  };
}

export type InterleavingReportView = Awaited<ReturnType<typeof interleavingReport>>;
