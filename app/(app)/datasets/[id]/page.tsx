import Link from "next/link";
import { z } from "zod";
import { notFound } from "next/navigation";
import { AutoRefresh } from "@/components/auto-refresh";
import { StatusBadge } from "@/components/badges";
import { EvalFigures } from "@/components/eval-figures";
import { requirePageUser } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { getDataset, serializeDataset } from "@/lib/dataset-store/dataset-service";
import { evaluationFigures } from "@/lib/ui/evaluation";
import { db } from "@/lib/db/client";
import { behaviourText, explorationText } from "@/lib/ui/dataset-facts";
import { bytes, dateTime, int } from "@/lib/ui/format";
import { JsonBlock } from "@/components/json-block";

export const metadata = { title: "Dataset" };

export default async function DatasetPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser();
  const { id } = await params;
  const d = serializeDataset(
    await getDataset(id).catch((err) => {
      if (isAppError(err) && err.code === "not_found") notFound();
      throw err;
    }),
  );
  const versionId = z.object({ policyVersionId: z.uuid() }).safeParse(d.behaviour);
  const behaviourVersion = versionId.success
    ? await db.policyVersion.findUnique({
        where: { id: versionId.data.policyVersionId },
        select: { version: true, policy: { select: { key: true } } },
      })
    : null;
  return (
    <>
      <AutoRefresh active={d.status === "building"} />
      <div className="page-head">
        <p className="muted small">
          <Link href="/datasets">Datasets</Link> /
        </p>
        <h1>
          {d.name} <StatusBadge status={d.status} />
        </h1>
        <p className="muted mono">{d.id}</p>
      </div>
      <section className="card">
        {d.error && (
          <p className="error" role="alert">
            Error: {d.error}
          </p>
        )}
        <dl className="facts">
          <dt>Origin</dt>
          <dd>{d.origin}</dd>
          <dt>Scenario</dt>
          <dd>{d.scenario ? <Link href={`/scenarios/${d.scenario}`}>{d.scenario}</Link> : "—"}</dd>
          <dt>Seed</dt>
          <dd>{d.seed ?? "—"}</dd>
          <dt>Sessions</dt>
          <dd>{int(d.sessions)}</dd>
          <dt>Requests</dt>
          <dd>{int(d.requests)}</dd>
          <dt>Size</dt>
          <dd>{bytes(d.bytes)}</dd>
          <dt>Behaviour</dt>
          <dd>
            {behaviourText(
              d.origin,
              d.behaviour,
              behaviourVersion ? `${behaviourVersion.policy.key}@v${behaviourVersion.version}` : undefined,
            )}
          </dd>
          <dt>Exploration</dt>
          <dd>{explorationText(d.origin, d.exploration)}</dd>
          <dt>Action mode</dt>
          <dd>{d.actionMode ?? "—"}</dd>
          <dt>Job</dt>
          <dd>{d.jobId ? <Link href={`/jobs/${d.jobId}`}>{d.jobId}</Link> : "—"}</dd>
          <dt>Created</dt>
          <dd>{dateTime(d.createdAt)}</dd>
          <dt>Finished</dt>
          <dd>{dateTime(d.finishedAt)}</dd>
        </dl>
      </section>
      {d.summary !== null && (
        <section className="card">
          <h2>Summary</h2>
          <EvalFigures figures={evaluationFigures(d.summary, 16)} empty="No summary statistics." />
          <details>
            <summary>All statistics</summary>
            <JsonBlock value={d.summary} label="Dataset statistics" />
          </details>
        </section>
      )}
    </>
  );
}
