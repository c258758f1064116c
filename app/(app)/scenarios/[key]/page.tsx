import Link from "next/link";
import { notFound } from "next/navigation";
import { DatasetsTable } from "@/components/datasets";
import { requirePageUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { dateTime } from "@/lib/ui/format";
import { JsonBlock } from "@/components/json-block";

export const metadata = { title: "Scenario" };

export default async function ScenarioPage({ params }: { params: Promise<{ key: string }> }) {
  await requirePageUser();
  const { key } = await params;
  const s = await db.scenario.findUnique({
    where: { key: decodeURIComponent(key) },
    include: { datasets: { orderBy: { createdAt: "desc" }, take: 200 } },
  });
  if (!s) notFound();
  return (
    <>
      <div className="page-head">
        <p className="muted small">
          <Link href="/scenarios">Scenarios</Link> /
        </p>
        <h1>{s.name}</h1>
        <p className="muted">
          <code>{s.key}</code> · created {dateTime(s.createdAt)}
          {s.description ? ` · ${s.description}` : ""}
        </p>
      </div>
      <section className="card">
        <h2>Datasets from this scenario</h2>
        <DatasetsTable
          datasets={s.datasets.map((d) => ({
            id: d.id,
            name: d.name,
            origin: d.origin,
            status: d.status,
            scenario: s.key,
            sessions: d.sessions,
            requests: d.requests,
            bytes: d.bytes === null ? null : Number(d.bytes),
            error: d.error,
            jobId: d.jobId,
            createdAt: d.createdAt.toISOString(),
          }))}
        />
      </section>
      <section className="card">
        <h2>Configuration</h2>
        <p className="muted small">
          Every parameter, defaults filled in, so its datasets can always be regenerated exactly.
        </p>
        <JsonBlock value={s.config} label="Scenario config" />
      </section>
    </>
  );
}
