import type { Prisma } from "@prisma/client";
import { db } from "@/lib/db/client";
import { listExperiments } from "@/lib/experiments/find-experiment";
import { experimentInclude, serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { metricNames } from "@/lib/metrics/metric-catalogue";
import { experimentReport, type ExperimentReportView } from "@/lib/reports/build-report";

/** Read-only queries behind the experiment pages: shaped as plain JSON for client components. */

export type ExperimentView = ReturnType<typeof serializeExperiment>;

export interface LiftCell {
  arm: string;
  lift: number | null;
  ci: [number, number] | null;
  pValue: number | null;
}

export interface ExperimentListRow {
  id: string;
  key: string;
  name: string;
  status: "draft" | "running" | "stopped";
  layer: string;
  arms: { key: string; control: boolean; policy: string | null }[];
  primaryMetric: string;
  /** Its name in the metric catalogue. */
  primaryMetricName: string;
  startedAt: string | null;
  createdAt: string;
  users: number | null;
  lifts: LiftCell[];
  srm: { ok: boolean; pValue: number } | null;
}

/** Ready-to-read labels of policy versions ("policy-key@v3"), by id. */
export async function versionLabels(ids: readonly (string | null)[]): Promise<Record<string, { label: string; type: string; policyKey: string }>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i))];
  if (wanted.length === 0) return {};
  const rows = await db.policyVersion.findMany({ where: { id: { in: wanted } }, select: { id: true, version: true, policy: { select: { key: true, type: true } } } });
  return Object.fromEntries(rows.map((r) => [r.id, { label: `${r.policy.key}@v${r.version}`, type: r.policy.type, policyKey: r.policy.key }]));
}

/** The report, or null while it cannot be computed (e.g. no traffic yet), never throwing the page away. */
export async function safeReport(ref: string): Promise<ExperimentReportView | null> {
  try {
    return await experimentReport(ref);
  } catch (err) {
    console.error(`report of ${ref} failed:`, err);
    return null;
  }
}

export function primaryLifts(report: ExperimentReportView | null, metric: string): LiftCell[] {
  if (!report) return [];
  return report.arms
    .filter((a) => !a.control)
    .map((a) => {
      const m = a.metrics[metric] as { lift?: number | null; ci?: [number, number] | null; pValue?: number | null } | undefined;
      return { arm: a.key, lift: m?.lift ?? null, ci: m?.ci ?? null, pValue: m?.pValue ?? null };
    });
}

export async function experimentListRows(): Promise<ExperimentListRow[]> {
  const experiments = await listExperiments();
  const [labels, names] = await Promise.all([versionLabels(experiments.flatMap((e) => e.arms.map((a) => a.policyVersionId))), metricNames()]);
  return Promise.all(
    experiments.map(async (e) => {
      const report = e.status === "draft" ? null : await safeReport(e.id);
      const users = report ? report.arms.reduce((s, a) => s + a.users, 0) : null;
      return {
        id: e.id,
        key: e.key,
        name: e.name,
        status: e.status,
        layer: e.layer.key,
        arms: e.arms.map((a) => ({ key: a.key, control: a.isControl, policy: a.policyVersionId ? (labels[a.policyVersionId]?.label ?? "unknown version") : null })),
        primaryMetric: e.primaryMetric,
        primaryMetricName: names[e.primaryMetric] ?? e.primaryMetric,
        startedAt: e.startedAt?.toISOString() ?? null,
        createdAt: e.createdAt.toISOString(),
        users,
        lifts: users ? primaryLifts(report, e.primaryMetric) : [],
        srm: report && users ? { ok: report.srm.ok, pValue: report.srm.pValue } : null,
      };
    }),
  );
}

/** A layer's experiments that hold or plan buckets (running and draft), newest first, serialized. */
export async function layerExperiments(layerId: string): Promise<ExperimentView[]> {
  const rows = await db.experiment.findMany({
    where: { layerId, status: { in: ["running", "draft"] } },
    include: experimentInclude,
    orderBy: [{ status: "asc" }, { createdAt: "desc" }],
  });
  return rows.map(serializeExperiment);
}

export interface AuditRow {
  id: string;
  at: string;
  action: string;
  actor: string;
  changes: { field: string; before: string; after: string }[];
}

const show = (v: unknown): string => {
  if (v === undefined) return "";
  if (v === null) return "none";
  if (typeof v === "string") return v;
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
};

/** Field-level differences between an audit entry's before and after (top-level fields). */
function changesOf(before: Prisma.JsonValue | null, after: Prisma.JsonValue | null): AuditRow["changes"] {
  const b = (before && typeof before === "object" && !Array.isArray(before) ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === "object" && !Array.isArray(after) ? after : {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((f) => !["updatedAt", "createdAt", "id"].includes(f));
  return fields
    .filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]))
    .map((f) => ({ field: f, before: show(b[f]), after: show(a[f]) }));
}

export async function auditTrail(entityType: string, entityId: string): Promise<AuditRow[]> {
  const rows = await db.auditLog.findMany({
    where: { entityType, entityId },
    orderBy: { createdAt: "desc" },
    take: 200,
    include: { actorUser: { select: { email: true } }, actorKey: { select: { name: true } } },
  });
  return rows.map((r) => ({
    id: String(r.id),
    at: r.createdAt.toISOString(),
    action: r.action,
    actor: r.actorUser?.email ?? (r.actorKey ? `API key "${r.actorKey.name}"` : "system"),
    changes: r.before === null ? [] : changesOf(r.before, r.after),
  }));
}

/** simulate-traffic jobs aimed at this experiment (payload.experiment is its id or key), newest first. */
export async function trafficJobs(experiment: { id: string; key: string }, take = 5) {
  return db.job.findMany({
    where: {
      type: "simulate-traffic",
      OR: [{ payload: { path: ["experiment"], equals: experiment.id } }, { payload: { path: ["experiment"], equals: experiment.key } }],
    },
    orderBy: { createdAt: "desc" },
    take,
    include: { createdBy: { select: { email: true } } },
  });
}
