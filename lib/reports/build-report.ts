import { armShares } from "@/lib/assignment";
import type { MetricKey } from "@/lib/experiments/experiment-input";
import { METRICS } from "@/lib/experiments/experiment-input";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { toPlacement } from "@/lib/experiments/placement";
import { experimentFingerprint, loadExperimentData, type DayRow, type PreRow, type SessionRow } from "@/lib/reports/experiment-data";
import { analyzeExperiment, liftTimeSeries } from "@/lib/stats";

/**
 * The uplift report of docs/architecture.md §8/§9: per-user metrics aggregated to sufficient statistics per arm,
 * analysed by lib/stats (delta-method lift, Welch CI and p, Holm, SRM, CUPED, sequential CIs), plus
 * a daily cumulative lift series per metric. Cached per process until new decisions or events arrive.
 */
type UserTotals = { arm: string; firstDay: string; requests: number; sessions: number; valid: number; duration: number; interactions: number };
type MeanStats = { n: number; sum: number; sumSq: number };
type RatioStats = { n: number; sumX: number; sumY: number; sumX2: number; sumY2: number; sumXY: number };

const MEAN_METRICS = ["valid_consumption", "duration", "interactions"] as const satisfies readonly MetricKey[];
const value = (u: Pick<UserTotals, "valid" | "duration" | "interactions">, m: (typeof MEAN_METRICS)[number]) =>
  m === "valid_consumption" ? u.valid : m === "duration" ? u.duration : u.interactions;

/** Per-user totals over everything up to and including `day` (all days when omitted). */
function userTotals(sessions: SessionRow[], days: DayRow[], upTo?: string): Map<string, UserTotals> {
  const users = new Map<string, UserTotals>();
  const get = (userId: string, arm: string, day: string) => {
    const key = `${arm}\u0000${userId}`;
    let u = users.get(key);
    if (!u) users.set(key, (u = { arm, firstDay: day, requests: 0, sessions: 0, valid: 0, duration: 0, interactions: 0 }));
    if (day < u.firstDay) u.firstDay = day;
    return u;
  };
  for (const s of sessions) {
    if (upTo && s.day > upTo) continue;
    const u = get(s.userId, s.armKey, s.day);
    u.requests += s.requests;
    u.sessions += 1;
  }
  for (const d of days) {
    if (upTo && d.day > upTo) continue;
    // Feedback only counts for users exposed by then (an event cannot precede its decision's day).
    const key = `${d.armKey}\u0000${d.userId}`;
    const u = users.get(key);
    if (!u) continue;
    u.valid += d.valid;
    u.duration += d.duration;
    u.interactions += d.interactions;
  }
  return users;
}

function statsByArm(users: Map<string, UserTotals>, armKeys: string[], pre: Map<string, PreRow> | null) {
  const mean = Object.fromEntries(MEAN_METRICS.map((m) => [m, Object.fromEntries(armKeys.map((a) => [a, { n: 0, sum: 0, sumSq: 0, pre: { sum: 0, sumSq: 0, sumProduct: 0 } }]))]));
  const ratio: Record<string, RatioStats> = Object.fromEntries(armKeys.map((a) => [a, { n: 0, sumX: 0, sumY: 0, sumX2: 0, sumY2: 0, sumXY: 0 }]));
  const userCount: Record<string, number> = Object.fromEntries(armKeys.map((a) => [a, 0]));
  for (const [key, u] of users) {
    if (!(u.arm in ratio)) continue; // an arm removed from a draft: not part of this report
    userCount[u.arm]++;
    const before = pre?.get(key.slice(key.indexOf("\u0000") + 1));
    for (const m of MEAN_METRICS) {
      const s = mean[m][u.arm];
      const x = value(u, m);
      const p = before ? value(before, m) : 0; // no pre-period activity is a real 0
      s.n++;
      s.sum += x;
      s.sumSq += x * x;
      s.pre.sum += p;
      s.pre.sumSq += p * p;
      s.pre.sumProduct += p * x;
    }
    const r = ratio[u.arm];
    r.n++;
    r.sumX += u.requests;
    r.sumY += u.sessions;
    r.sumX2 += u.requests ** 2;
    r.sumY2 += u.sessions ** 2;
    r.sumXY += u.requests * u.sessions;
  }
  return { mean, ratio, userCount };
}

const stripPre = (arms: Record<string, MeanStats & { pre: unknown }>) => Object.fromEntries(Object.entries(arms).map(([k, { n, sum, sumSq }]) => [k, { n, sum, sumSq }]));

async function computeReport(ref: string) {
  const e = await findExperiment(ref);
  const placement = toPlacement(e);
  const shares = armShares(placement);
  const armKeys = placement.arms.map((a) => a.key);
  const control = e.arms.find((a) => a.isControl)!.key;
  const { sessions, days, pre } = await loadExperimentData(e.id, e.startedAt);
  const preByUser = pre.length ? new Map(pre.map((p) => [p.userId, p])) : null;

  const final = statsByArm(userTotals(sessions, days), armKeys, preByUser);
  const analysis = analyzeExperiment({
    arms: e.arms.map((a, i) => ({ key: a.key, control: a.isControl, users: final.userCount[a.key], share: shares[i] })),
    metrics: [
      ...MEAN_METRICS.map((m) => ({ key: m, type: "mean" as const, arms: preByUser ? final.mean[m] : stripPre(final.mean[m]) })),
      { key: "session_depth", type: "ratio" as const, arms: final.ratio },
    ],
  });

  const allDays = [...new Set([...sessions.map((s) => s.day), ...days.map((d) => d.day)])].sort();
  const daily = allDays.map((day) => ({ day, stats: statsByArm(userTotals(sessions, days, day), armKeys, null) }));
  const series = Object.fromEntries(
    METRICS.map((m) => [
      m,
      m === "session_depth"
        ? liftTimeSeries({ type: "ratio", control, days: daily.map(({ day, stats }) => ({ date: day, arms: stats.ratio })) })
        : liftTimeSeries({ type: "mean", control, days: daily.map(({ day, stats }) => ({ date: day, arms: stripPre(stats.mean[m]) })) }),
    ]),
  );

  return {
    experiment: { id: e.id, key: e.key, status: e.status, primaryMetric: e.primaryMetric, guardrailMetrics: e.guardrailMetrics, startedAt: e.startedAt?.toISOString() ?? null },
    generatedAt: new Date().toISOString(),
    metrics: METRICS,
    cuped: preByUser !== null,
    ...analysis,
    series,
  };
}

export type ExperimentReportView = Awaited<ReturnType<typeof computeReport>>;

const shared = globalThis as unknown as { fusionlabReports?: Map<string, { fingerprint: string; report: ExperimentReportView }> };
const cache = (shared.fusionlabReports ??= new Map());

export async function experimentReport(ref: string): Promise<ExperimentReportView> {
  const e = await findExperiment(ref);
  const fingerprint = await experimentFingerprint(e.id);
  const hit = cache.get(e.id);
  if (hit && hit.fingerprint === fingerprint) return hit.report;
  const report = await computeReport(e.id);
  if (cache.size > 200) cache.clear();
  cache.set(e.id, { fingerprint, report });
  return report;
}
