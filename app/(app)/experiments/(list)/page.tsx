import Link from "next/link";
import { count } from "@/lib/ui/format";
import { ExperimentsTable } from "@/components/experiments-table";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { db } from "@/lib/db/client";
import { experimentListRows } from "@/lib/ui/experiment-queries";

export const metadata = { title: "Experiments" };

export default async function ExperimentsPage({
  searchParams,
}: {
  searchParams: Promise<{ status?: string; layer?: string }>;
}) {
  const user = await requirePageUser();
  const sp = await searchParams;
  const [rows, layers] = await Promise.all([
    experimentListRows(),
    db.layer.findMany({ select: { key: true }, orderBy: { key: "asc" } }),
  ]);
  const running = rows.filter((r) => r.status === "running").length;
  return (
    <>
      <div className="page-head with-actions">
        <div>
          <h1>Experiments</h1>
          <p className="muted">
            {count(rows.length, "experiment")}, {running} running. Lift is the primary metric&apos;s relative change vs
            control with its 95% CI.
          </p>
        </div>
        {roleAtLeast(user.role, "editor") && (
          <Link href="/experiments/new" className="button primary">
            New experiment
          </Link>
        )}
      </div>
      <section className="card">
        <ExperimentsTable
          rows={rows}
          layers={layers.map((l) => l.key)}
          initialStatus={["draft", "running", "stopped"].includes(sp.status ?? "") ? sp.status : ""}
          initialLayer={sp.layer ?? ""}
        />
      </section>
    </>
  );
}
