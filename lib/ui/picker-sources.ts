import { db } from "@/lib/db/client";
import type { PickerSources } from "@/lib/ui/job-pickers";

/** Everything a job form may offer in its selects (scenarios, ready datasets, policy versions, experiments). */
export async function pickerSources(): Promise<PickerSources> {
  const [scenarios, datasets, versions, experiments] = await Promise.all([
    db.scenario.findMany({ orderBy: { createdAt: "desc" }, select: { id: true, key: true, name: true } }),
    db.dataset.findMany({
      where: { status: "ready" },
      orderBy: { createdAt: "desc" },
      select: { id: true, name: true, status: true },
      take: 200,
    }),
    db.policyVersion.findMany({
      where: { status: "ready" },
      orderBy: { createdAt: "desc" },
      select: { id: true, version: true, policy: { select: { key: true, type: true } } },
      take: 300,
    }),
    db.experiment.findMany({ orderBy: { createdAt: "desc" }, select: { id: true, key: true, name: true }, take: 200 }),
  ]);
  return {
    scenarios,
    datasets,
    versions: versions.map((v) => ({ id: v.id, label: `${v.policy.key}@v${v.version}`, type: v.policy.type })),
    experiments,
  };
}
