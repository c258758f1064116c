import { CreateMetricForm, MetricsTable } from "@/components/metrics";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listMetrics } from "@/lib/metrics/metric-catalogue";

export const metadata = { title: "Metrics" };

export default async function MetricsPage() {
  const user = await requirePageUser();
  const metrics = await listMetrics();
  const editor = roleAtLeast(user.role, "editor");
  return (
    <>
      <div className="page-head">
        <h1>Metrics</h1>
        <p className="muted">
          The catalogue experiments pick their primary metric and guardrails from. Every report computes its
          experiment&apos;s metrics per exposed user, in the database. Built-in metrics cannot be changed.
        </p>
      </div>
      <section className="card">
        <MetricsTable metrics={metrics} canEdit={editor} />
      </section>
      {editor && (
        <section className="card">
          <h2>Define a metric</h2>
          <CreateMetricForm />
        </section>
      )}
    </>
  );
}
