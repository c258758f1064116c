import { AutoRefresh } from "@/components/auto-refresh";
import { DatasetsTable, GenerateDatasetForm, ImportCsvForm } from "@/components/datasets";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listDatasets, serializeDataset } from "@/lib/dataset-store/dataset-service";
import { listScenarios } from "@/lib/scenarios/scenario-service";
import { pickerSources } from "@/lib/ui/picker-sources";

export const metadata = { title: "Datasets" };

export default async function DatasetsPage() {
  const user = await requirePageUser();
  const canEdit = roleAtLeast(user.role, "editor");
  const [datasets, scenarios, sources] = await Promise.all([
    listDatasets(),
    listScenarios(),
    canEdit ? pickerSources() : Promise.resolve({ versions: [] }),
  ]);
  const rows = datasets.map(serializeDataset);
  return (
    <>
      <AutoRefresh active={rows.some((d) => d.status === "building")} />
      <div className="page-head">
        <h1>Datasets</h1>
        <p className="muted">
          Logged sessions (KuaiRand field names) that policies train and are evaluated on. Building datasets update here
          by themselves.
        </p>
      </div>
      <section className="card">
        <DatasetsTable
          datasets={rows.map((d) => ({
            id: d.id,
            name: d.name,
            origin: d.origin,
            status: d.status,
            scenario: d.scenario,
            sessions: d.sessions,
            requests: d.requests,
            bytes: d.bytes,
            error: d.error,
            jobId: d.jobId,
            createdAt: d.createdAt,
          }))}
        />
      </section>
      {canEdit && (
        <>
          <section className="card">
            <h2>Generate a dataset</h2>
            <GenerateDatasetForm
              scenarios={scenarios.map((s) => ({ key: s.key, name: s.name }))}
              versions={(sources.versions ?? []).filter((v) => v.type === "fixed")}
            />
          </section>
          <section className="card">
            <h2>Import CSV logs</h2>
            <ImportCsvForm />
          </section>
        </>
      )}
    </>
  );
}
