import { z } from "zod";
import { db } from "@/lib/db/client";
import { toJobListItem, type JobListItem } from "@/lib/jobs/job-list-item";
import { POLICY_TYPE_LABELS } from "@/lib/policies/policy-input";

/**
 * What a job works on, in words ("es-rl (Enhanced-State RL)", "es-rl@v2", "demo-logs"), read from its
 * payload; ids are resolved to names with one query per kind for a whole page of jobs.
 */
const train = z.object({ policy: z.string(), type: z.string() });
const versionRef = z.object({ policyVersionId: z.uuid() });
const datasetRef = z.object({ datasetId: z.uuid() });
const experimentRef = z.object({ experiment: z.string() });

export async function jobSubjects(
  jobs: readonly { id: string; type: string; payload: unknown }[],
): Promise<Map<string, string>> {
  const versionIds = new Set<string>();
  const datasetIds = new Set<string>();
  const experimentIds = new Set<string>();
  for (const j of jobs) {
    const v = versionRef.safeParse(j.payload);
    if (v.success) versionIds.add(v.data.policyVersionId);
    const d = datasetRef.safeParse(j.payload);
    if (d.success) datasetIds.add(d.data.datasetId);
    const e = experimentRef.safeParse(j.payload);
    if (e.success && z.uuid().safeParse(e.data.experiment).success) experimentIds.add(e.data.experiment);
  }
  const [versions, datasets, experiments] = await Promise.all([
    versionIds.size
      ? db.policyVersion.findMany({
          where: { id: { in: [...versionIds] } },
          select: { id: true, version: true, policy: { select: { key: true } } },
        })
      : [],
    datasetIds.size
      ? db.dataset.findMany({ where: { id: { in: [...datasetIds] } }, select: { id: true, name: true } })
      : [],
    experimentIds.size
      ? db.experiment.findMany({ where: { id: { in: [...experimentIds] } }, select: { id: true, key: true } })
      : [],
  ]);
  const experimentKey = new Map(experiments.map((e) => [e.id, e.key]));
  const versionLabel = new Map(versions.map((v) => [v.id, `${v.policy.key}@v${v.version}`]));
  const datasetName = new Map(datasets.map((d) => [d.id, d.name]));
  const out = new Map<string, string>();
  for (const j of jobs) {
    const t = train.safeParse(j.payload);
    const v = versionRef.safeParse(j.payload);
    const d = datasetRef.safeParse(j.payload);
    const e = experimentRef.safeParse(j.payload);
    const subject =
      j.type === "train-policy" && t.success
        ? `${t.data.policy} (${POLICY_TYPE_LABELS[t.data.type] ?? t.data.type})`
        : v.success
          ? (versionLabel.get(v.data.policyVersionId) ?? "deleted version")
          : d.success
            ? (datasetName.get(d.data.datasetId) ?? "deleted dataset")
            : e.success
              ? `experiment ${experimentKey.get(e.data.experiment) ?? e.data.experiment}`
              : null;
    if (subject) out.set(j.id, subject);
  }
  return out;
}

/** Job rows as the jobs table shows them, each with its subject. */
export async function jobListItems<J extends Parameters<typeof toJobListItem>[0] & { payload: unknown }>(
  jobs: readonly J[],
): Promise<JobListItem[]> {
  const subjects = await jobSubjects(jobs);
  return jobs.map((j) => toJobListItem(j, subjects));
}
