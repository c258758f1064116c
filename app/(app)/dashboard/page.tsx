import Link from "next/link";
import { JobsTable } from "@/components/jobs-table";
import { RunMaintenanceButton } from "@/components/job-buttons";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { db } from "@/lib/db/client";
import { toJobListItem } from "@/lib/jobs/job-list-item";

export const metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requirePageUser();
  const [users, keys, jobsByState, recent] = await Promise.all([
    db.user.count({ where: { disabledAt: null } }),
    db.apiKey.count({ where: { revokedAt: null } }),
    db.job.groupBy({ by: ["state"], _count: { _all: true } }),
    db.job.findMany({ orderBy: { createdAt: "desc" }, take: 5, include: { createdBy: { select: { email: true } } } }),
  ]);
  const count = (s: string) => jobsByState.find((j) => j.state === s)?._count._all ?? 0;
  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
        <p className="muted">Signed in as {user.email}</p>
      </div>
      <section className="stats" aria-label="Platform summary">
        <div className="stat card">
          <span className="stat-value">{users}</span>
          <span className="muted">active users</span>
        </div>
        <div className="stat card">
          <span className="stat-value">{keys}</span>
          <span className="muted">active API keys</span>
        </div>
        <div className="stat card">
          <span className="stat-value">{count("active") + count("queued") + count("retrying")}</span>
          <span className="muted">jobs queued or running</span>
        </div>
        <div className="stat card">
          <span className="stat-value">{count("failed")}</span>
          <span className="muted">failed jobs</span>
        </div>
      </section>
      <section className="card">
        <div className="section-head">
          <h2>Recent jobs</h2>
          <div className="row">
            {roleAtLeast(user.role, "editor") && <RunMaintenanceButton />}
            <Link href="/jobs">All jobs →</Link>
          </div>
        </div>
        <JobsTable jobs={recent.map(toJobListItem)} />
      </section>
    </>
  );
}
