import Link from "next/link";
import { ExperimentForm } from "@/components/experiment-form";
import { requirePageUser } from "@/lib/auth/session";
import { defaultArmLabel } from "@/lib/policies/default-periods";
import { platformDefaultHistory } from "@/lib/policies/platform-default";
import { layerOptions } from "@/lib/ui/layer-queries";
import { listMetrics } from "@/lib/metrics/metric-catalogue";
import { readyVersionOptions } from "@/lib/ui/policy-queries";

export const metadata = { title: "New experiment" };

export default async function NewExperimentPage({ searchParams }: { searchParams: Promise<{ layer?: string }> }) {
  await requirePageUser("editor");
  const [{ layer }, layers, versions, defaults, metrics] = await Promise.all([
    searchParams,
    layerOptions(),
    readyVersionOptions(),
    platformDefaultHistory(),
    listMetrics(),
  ]);
  return (
    <>
      <div className="page-head">
        <p className="muted small">
          <Link href="/experiments">Experiments</Link> /
        </p>
        <h1>New experiment</h1>
        <p className="muted">
          A control arm (the baseline fusion policy) and one or more treatments (trained policy versions) on a
          layer&apos;s buckets.
        </p>
      </div>
      {layers.length === 0 ? (
        <section className="card empty">
          <p>
            An experiment lives on a layer. <Link href="/layers">Create a layer</Link> first.
          </p>
        </section>
      ) : (
        <section className="card">
          <ExperimentForm
            layers={layers}
            versions={versions}
            metrics={metrics}
            platformDefault={defaultArmLabel(defaults)}
            defaultLayer={layers.some((l) => l.key === layer) ? layer : undefined}
          />
        </section>
      )}
    </>
  );
}
