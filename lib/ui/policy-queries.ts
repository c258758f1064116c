import { z } from "zod";
import { db } from "@/lib/db/client";
import type { DefaultPeriod } from "@/lib/policies/default-periods";
import { DEFAULT_POLICY_KEY, platformDefaultHistory } from "@/lib/policies/platform-default";
import { evaluationSummary, isRecord, type EvalFigure } from "@/lib/ui/evaluation";

/** Read-only queries behind the policy pages and the experiment form's version picker. */

export interface VersionOption {
  id: string;
  label: string;
  policyKey: string;
  policyName: string;
  type: "fixed" | "user_state" | "enhanced_state";
  version: number;
  createdAt: string;
  evaluation: EvalFigure[];
}

/** Every ready version (servable by an arm), newest first, with its offline evaluation's headline figures. */
export async function readyVersionOptions(): Promise<VersionOption[]> {
  const rows = await db.policyVersion.findMany({
    where: { status: "ready" },
    orderBy: [{ createdAt: "desc" }],
    select: {
      id: true,
      version: true,
      createdAt: true,
      evaluation: true,
      policy: { select: { key: true, name: true, type: true } },
    },
    take: 500,
  });
  return rows.map((r) => ({
    id: r.id,
    label: `${r.policy.key}@v${r.version}`,
    policyKey: r.policy.key,
    policyName: r.policy.name,
    type: r.policy.type,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    evaluation: r.evaluation === null ? [] : evaluationSummary(r.evaluation, 3),
  }));
}

export interface VersionRow {
  id: string;
  policyId: string;
  policyKey: string;
  policyName: string;
  type: string;
  version: number;
  status: string;
  parent: { id: string; label: string; policyKey: string } | null;
  children: number;
  datasets: number;
  jobId: string | null;
  createdAt: string;
  evaluation: EvalFigure[];
  arms: number;
  /** false: its training run passed no promotion gate, so it acts exactly like the behaviour it started from. */
  improved: boolean | null;
  /** "current": the platform serves it as its default policy now; "former": it did earlier. */
  platformDefault: "current" | "former" | null;
}

const versionSelect = {
  id: true,
  policyId: true,
  version: true,
  status: true,
  datasetIds: true,
  jobId: true,
  createdAt: true,
  evaluation: true,
  metrics: true,
  policy: { select: { key: true, name: true, type: true } },
  parentVersion: { select: { id: true, version: true, policy: { select: { key: true } } } },
  _count: { select: { children: true, arms: true } },
} as const;

type VersionSelected = Awaited<ReturnType<typeof loadVersions>>[number];
const loadVersions = (where: { policyId?: string } = {}) =>
  db.policyVersion.findMany({ where, orderBy: [{ createdAt: "desc" }], select: versionSelect, take: 1000 });

/** `defaultArms`: arms without a version of their own, which serve the current default. */
function toVersionRow(v: VersionSelected, defaults: readonly DefaultPeriod[], defaultArms: number): VersionRow {
  const period = defaults.findIndex((p) => p.versionId === v.id);
  return {
    id: v.id,
    policyId: v.policyId,
    policyKey: v.policy.key,
    policyName: v.policy.name,
    type: v.policy.type,
    version: v.version,
    status: v.status,
    parent: v.parentVersion
      ? {
          id: v.parentVersion.id,
          label: `${v.parentVersion.policy.key}@v${v.parentVersion.version}`,
          policyKey: v.parentVersion.policy.key,
        }
      : null,
    children: v._count.children,
    datasets: v.datasetIds.length,
    jobId: v.jobId,
    createdAt: v.createdAt.toISOString(),
    evaluation: v.evaluation === null ? [] : evaluationSummary(v.evaluation, 3),
    arms: v._count.arms + (period === 0 ? defaultArms : 0),
    improved: isRecord(v.metrics) && typeof v.metrics.improved === "boolean" ? v.metrics.improved : null,
    platformDefault: period === 0 ? "current" : period > 0 ? "former" : null,
  };
}

const armsOnDefault = () => db.arm.count({ where: { policyVersionId: null } });

export interface PolicyRow {
  id: string;
  key: string;
  name: string;
  type: string;
  description: string | null;
  versions: number;
  latest: { label: string; status: string } | null;
  createdAt: string;
  /** Its latest ready version is what the platform serves by default. */
  platformDefault: boolean;
}

export async function policiesOverview(): Promise<{ policies: PolicyRow[]; versions: VersionRow[] }> {
  const [policies, versions, defaults, defaultArms] = await Promise.all([
    db.policy.findMany({
      orderBy: { createdAt: "desc" },
      include: {
        versions: { orderBy: { version: "desc" }, take: 1, select: { version: true, status: true } },
        _count: { select: { versions: true } },
      },
    }),
    loadVersions(),
    platformDefaultHistory(),
    armsOnDefault(),
  ]);
  return {
    policies: policies.map((p) => ({
      id: p.id,
      key: p.key,
      name: p.name,
      type: p.type,
      description: p.description,
      versions: p._count.versions,
      latest: p.versions[0] ? { label: `v${p.versions[0].version}`, status: p.versions[0].status } : null,
      createdAt: p.createdAt.toISOString(),
      platformDefault: p.key === DEFAULT_POLICY_KEY,
    })),
    versions: versions.map((v) => toVersionRow(v, defaults, defaultArms)),
  };
}

export async function policyDetail(ref: string) {
  const policy = await db.policy.findFirst({ where: z.uuid().safeParse(ref).success ? { id: ref } : { key: ref } });
  if (!policy) return null;
  const full = await db.policyVersion.findMany({
    where: { policyId: policy.id },
    orderBy: { version: "desc" },
    select: { id: true, config: true, metrics: true, trainingCurve: true, evaluation: true, datasetIds: true },
  });
  const [rows, defaults, defaultArms] = await Promise.all([
    loadVersions({ policyId: policy.id }),
    platformDefaultHistory(),
    armsOnDefault(),
  ]);
  const datasetIds = [...new Set(full.flatMap((v) => v.datasetIds))];
  const datasets = datasetIds.length
    ? await db.dataset.findMany({ where: { id: { in: datasetIds } }, select: { id: true, name: true } })
    : [];
  return {
    policy: {
      id: policy.id,
      key: policy.key,
      name: policy.name,
      type: policy.type,
      description: policy.description,
      createdAt: policy.createdAt.toISOString(),
    },
    /** Which version was the platform default when (newest first), for the default policy only. */
    defaultHistory: policy.key === DEFAULT_POLICY_KEY ? defaults : null,
    versions: rows.map((r) => {
      const f = full.find((x) => x.id === r.id)!;
      return {
        ...toVersionRow(r, defaults, defaultArms),
        config: f.config,
        metrics: f.metrics,
        trainingCurve: f.trainingCurve,
        evaluationJson: f.evaluation,
        datasetNames: f.datasetIds.map((id) => ({
          id,
          name: datasets.find((d) => d.id === id)?.name ?? id.slice(0, 8),
        })),
      };
    }),
  };
}
