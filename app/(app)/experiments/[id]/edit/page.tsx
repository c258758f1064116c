import Link from "next/link";
import { notFound } from "next/navigation";
import { ExperimentForm } from "@/components/experiment-form";
import { requirePageUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { defaultArmLabel } from "@/lib/policies/default-periods";
import { platformDefaultHistory } from "@/lib/policies/platform-default";
import { layerOptions } from "@/lib/ui/layer-queries";
import { listMetrics } from "@/lib/metrics/metric-catalogue";
import { readyVersionOptions } from "@/lib/ui/policy-queries";

export const metadata = { title: "Edit experiment" };

export default async function EditExperimentPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser("editor");
  const { id } = await params;
  const row = await findExperiment(decodeURIComponent(id)).catch((err) => {
    if (isAppError(err) && err.code === "not_found") notFound();
    throw err;
  });
  const e = serializeExperiment(row);
  const [layers, versions, defaults, metrics] = await Promise.all([
    layerOptions(),
    readyVersionOptions(),
    platformDefaultHistory(),
    listMetrics(),
  ]);
  return (
    <>
      <div className="page-head">
        <p className="muted small">
          <Link href="/experiments">Experiments</Link> / <Link href={`/experiments/${e.id}`}>{e.key}</Link> /
        </p>
        <h1>Edit {e.name}</h1>
        <p className="muted">
          {e.status === "draft"
            ? "A draft changes freely. Once started, only its name, hypothesis and traffic (by ramping) change."
            : `This experiment ` +
              `is ${e.status}: only its name and hypothesis change ` +
              `here.${e.status === "running" ? " Ramp its traffic on the layer's traffic page." : ""}`}
        </p>
      </div>
      <section className="card">
        <ExperimentForm
          layers={layers}
          versions={versions}
          metrics={metrics}
          experiment={e}
          platformDefault={defaultArmLabel(defaults, row.startedAt ?? new Date(), row.stoppedAt)}
        />
      </section>
    </>
  );
}
