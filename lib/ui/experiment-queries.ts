import type { Prisma } from "@prisma/client";
import { db } from "@/lib/db/client";
import { listExperiments } from "@/lib/experiments/find-experiment";
import { experimentInclude, serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { metricNames } from "@/lib/metrics/metric-catalogue";
import { experimentReport, type ExperimentReportView } from "@/lib/reports/build-report";
import type { PrimaryVerdict } from "@/lib/stats";
import { pct } from "@/lib/ui/format";
import { formatRanges, rangesTotal } from "@/lib/ui/ranges";

/** Read-only queries behind the experiment pages: shaped as plain JSON for client components. */

export type ExperimentView = ReturnType<typeof serializeExperiment>;

export interface LiftCell {
  arm: string;
  lift: number | null;
  ci: [number, number] | null;
  pValue: number | null;
  /** The arm's verdict (lib/stats/verdict.ts), which colours the lift, and its reason. */
  verdict: PrimaryVerdict;
  reason: string;
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
export async function versionLabels(
  ids: readonly (string | null)[],
): Promise<Record<string, { label: string; type: string; policyKey: string }>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i))];
  if (wanted.length === 0) return {};
  const rows = await db.policyVersion.findMany({
    where: { id: { in: wanted } },
    select: { id: true, version: true, policy: { select: { key: true, type: true } } },
  });
  return Object.fromEntries(
    rows.map((r) => [r.id, { label: `${r.policy.key}@v${r.version}`, type: r.policy.type, policyKey: r.policy.key }]),
  );
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
      const m = a.metrics[metric] as
        { lift?: number | null; ci?: [number, number] | null; pValue?: number | null } | undefined;
      const v = report.verdict.arms.find((x) => x.arm === a.key);
      return {
        arm: a.key,
        lift: m?.lift ?? null,
        ci: m?.ci ?? null,
        pValue: m?.pValue ?? null,
        verdict: v?.verdict ?? "notEnoughData",
        reason: v?.reason ?? "",
      };
    });
}

export async function experimentListRows(): Promise<ExperimentListRow[]> {
  const experiments = await listExperiments();
  const [labels, names] = await Promise.all([
    versionLabels(experiments.flatMap((e) => e.arms.map((a) => a.policyVersionId))),
    metricNames(),
  ]);
  return Promise.all(
    experiments.map(async (e) => {
      // An interleaving experiment has no per-arm uplift: its page shows the interleaving report.
      const report = e.status === "draft" || e.type === "interleaving" ? null : await safeReport(e.id);
      const users = report ? report.arms.reduce((s, a) => s + a.users, 0) : null;
      return {
        id: e.id,
        key: e.key,
        name: e.name,
        status: e.status,
        layer: e.layer.key,
        arms: e.arms.map((a) => ({
          key: a.key,
          control: a.isControl,
          policy: a.policyVersionId ? (labels[a.policyVersionId]?.label ?? "unknown version") : null,
        })),
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

/** The latest running experiments with each treatment's verdict, for the dashboard. */
export async function runningExperimentVerdicts(limit = 8) {
  const rows = await db.experiment.findMany({
    where: { status: "running" },
    orderBy: { startedAt: "desc" },
    take: limit,
    select: { id: true, key: true, name: true, primaryMetric: true, type: true },
  });
  return Promise.all(
    rows.map(async (e) => {
      // An interleaving experiment has no per-arm verdict of this kind: the dashboard links its report.
      const report = e.type === "interleaving" ? null : await safeReport(e.id);
      const users = report ? report.arms.reduce((s, a) => s + a.users, 0) : 0;
      return { ...e, users, lifts: users ? primaryLifts(report, e.primaryMetric) : [] };
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

const isRangeList = (v: unknown): v is [number, number][] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((r) => Array.isArray(r) && r.length === 2 && r.every((x) => Number.isInteger(x)));

const show = (field: string, v: unknown): string => {
  if (v === undefined) return "none";
  if (v === null) return "none";
  if (typeof v === "string") return v;
  if (typeof v === "number" && /coverage|weight|share/i.test(field) && v >= 0 && v <= 1) return pct(v, 1);
  if (isRangeList(v)) {
    const unit = /layerBuckets/.test(field) ? "buckets" : "hash slots";
    return `${formatRanges(v)} (${rangesTotal(v).toLocaleString("en-US")} ${unit})`;
  }
  if (Array.isArray(v) && v.length === 0) return "none";
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
};

/**
 * Leaves of an audit snapshot by readable path: nested objects by field ("serving.k"), lists of
 * keyed objects by their key ("arms.treatment.hashRanges"), so that a ramp reads as the ranges and
 * coverage that moved, not as a truncated JSON blob.
 */
function leaves(v: unknown, path: string, out: Map<string, unknown>, depth = 0): Map<string, unknown> {
  const keyed =
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((x) => x && typeof x === "object" && !Array.isArray(x) && typeof (x as { key?: unknown }).key === "string");
  if (depth < 3 && keyed) for (const x of v as { key: string }[]) leaves(x, `${path}.${x.key}`, out, depth + 1);
  else if (depth < 3 && v && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v))
      if (!(depth > 0 && k === "key") && !["updatedAt", "createdAt", "id"].includes(k))
        leaves(x, path ? `${path}.${k}` : k, out, depth + 1);
  } else out.set(path, v);
  return out;
}

/** Field-level differences between an audit entry's before and after. */
function changesOf(before: Prisma.JsonValue | null, after: Prisma.JsonValue | null): AuditRow["changes"] {
  const b = leaves(before ?? {}, "", new Map());
  const a = leaves(after ?? {}, "", new Map());
  const fields = [...new Set([...b.keys(), ...a.keys()])];
  return fields
    .filter((f) => JSON.stringify(b.get(f)) !== JSON.stringify(a.get(f)))
    .map((f) => ({ field: f, before: show(f, b.get(f)), after: show(f, a.get(f)) }));
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
      OR: [
        { payload: { path: ["experiment"], equals: experiment.id } },
        { payload: { path: ["experiment"], equals: experiment.key } },
      ],
    },
    orderBy: { createdAt: "desc" },
    take,
    include: { createdBy: { select: { email: true } } },
  });
}

/**
 * Who the platform served while the experiment ran: distinct users it assigned, and distinct users
 * served outside it (not in its layer buckets, outside its coverage, or held by another layer).
 */
export async function experimentReach(e: {
  id: string;
  startedAt: Date | null;
  stoppedAt: Date | null;
}): Promise<{ inside: number; outside: number } | null> {
  if (!e.startedAt) return null;
  const until = e.stoppedAt ?? new Date();
  const [row] = await db.$queryRaw<{ inside: bigint; outside: bigint }[]>`
    SELECT count(DISTINCT "userId") FILTER (WHERE "experimentId" = ${e.id}::uuid) AS inside,
           count(DISTINCT "userId") FILTER (WHERE "experimentId" IS DISTINCT FROM ${e.id}::uuid) AS outside
    FROM "Decision" WHERE ts >= ${e.startedAt} AND ts <= ${until}`;
  return { inside: Number(row?.inside ?? 0), outside: Number(row?.outside ?? 0) };
}

/** The experiment's webhook messages, newest first (the delivery log). */
export async function webhookDeliveries(experimentId: string, take = 50) {
  const rows = await db.webhookDelivery.findMany({
    where: { experimentId },
    orderBy: { createdAt: "desc" },
    take,
    select: {
      id: true,
      event: true,
      url: true,
      status: true,
      attempts: true,
      responseStatus: true,
      error: true,
      createdAt: true,
    },
  });
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}
