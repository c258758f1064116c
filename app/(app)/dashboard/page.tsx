import Link from "next/link";
import { VerdictBadge } from "@/components/badges";
import { JobsTable } from "@/components/jobs-table";
import { RunMaintenanceButton } from "@/components/job-buttons";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { db } from "@/lib/db/client";
import { runningExperimentVerdicts } from "@/lib/ui/experiment-queries";
import { count } from "@/lib/ui/format";
import { jobListItems } from "@/lib/ui/job-subjects";

export const metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requirePageUser();
  const [users, keys, jobsByState, recent, experiments, layers, scenarios, versions, running] = await Promise.all([
    db.user.count({ where: { disabledAt: null } }),
    db.apiKey.count({ where: { revokedAt: null } }),
    db.job.groupBy({ by: ["state"], _count: { _all: true } }),
    db.job.findMany({ orderBy: { createdAt: "desc" }, take: 5, include: { createdBy: { select: { email: true } } } }),
    db.experiment.groupBy({ by: ["status"], _count: { _all: true } }),
    db.layer.count(),
    db.scenario.count(),
    db.policyVersion.count({ where: { status: "ready" } }),
    runningExperimentVerdicts(),
  ]);
  const experimentCount = (s: string) => experiments.find((e) => e.status === s)?._count._all ?? 0;
  const totalExperiments = experiments.reduce((t, e) => t + e._count._all, 0);
  const steps = [
    { done: layers > 0, text: "Create a layer (10,000 user buckets)", href: "/layers" },
    { done: scenarios > 0, text: "Create a simulator scenario (defaults are fine)", href: "/scenarios" },
    { done: versions > 0, text: "Register or train a policy version for the treatment arm", href: "/policies" },
    { done: totalExperiments > 0, text: "Create an experiment: control + treatment", href: "/experiments/new" },
    {
      done: experimentCount("running") + experimentCount("stopped") > 0,
      text: "Allocate its buckets and start it, then run a traffic simulation and read the report",
      href: "/experiments",
    },
  ];
  const jobCount = (s: string) => jobsByState.find((j) => j.state === s)?._count._all ?? 0;
  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
        <p className="muted">Signed in as {user.email}</p>
      </div>
      {steps.some((st) => !st.done) && (
        <section className="card" aria-labelledby="start-h">
          <h2 id="start-h">Getting started</h2>
          <ol className="steps">
            {steps.map((st) => (
              <li key={st.text} className={st.done ? "done" : ""}>
                {st.done ? "✓ " : ""}
                <Link href={st.href}>{st.text}</Link>
              </li>
            ))}
          </ol>
        </section>
      )}
      <section className="stats" aria-label="Platform summary">
        <div className="stat card">
          <span className="stat-value">{experimentCount("running")}</span>
          <span className="muted">
            <Link href="/experiments?status=running">running experiments</Link> of {totalExperiments}
          </span>
        </div>
        <div className="stat card">
          <span className="stat-value">{versions}</span>
          <span className="muted">
            <Link href="/policies">policy versions ready</Link>
          </span>
        </div>
        <div className="stat card">
          <span className="stat-value">{users}</span>
          <span className="muted">active users</span>
        </div>
        <div className="stat card">
          <span className="stat-value">{keys}</span>
          <span className="muted">active API keys</span>
        </div>
        <div className="stat card">
          <span className="stat-value">{jobCount("active") + jobCount("queued") + jobCount("retrying")}</span>
          <span className="muted">jobs queued or running</span>
        </div>
        <div className="stat card">
          <span className="stat-value">{jobCount("failed")}</span>
          <span className="muted">failed jobs</span>
        </div>
      </section>
      {running.length > 0 && (
        <section className="card" aria-labelledby="running-h">
          <div className="section-head">
            <h2 id="running-h">Running experiments</h2>
            <Link href="/experiments?status=running">All experiments →</Link>
          </div>
          <ul className="plain running-experiments">
            {running.map((e) => (
              <li key={e.id}>
                <Link href={`/experiments/${e.id}`}>{e.name}</Link>{" "}
                <span className="muted small">{count(e.users, "user")}</span>{" "}
                {e.type === "interleaving" ? (
                  <span className="muted small">interleaving: preference on its page</span>
                ) : e.lifts.length === 0 ? (
                  <span className="muted small">no data yet</span>
                ) : (
                  e.lifts.map((l) => (
                    <span key={l.arm}>
                      {e.lifts.length > 1 && <span className="muted small">{l.arm}: </span>}
                      <VerdictBadge verdict={l.verdict} reason={l.reason} />{" "}
                    </span>
                  ))
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="card">
        <div className="section-head">
          <h2>Recent jobs</h2>
          <div className="row">
            {roleAtLeast(user.role, "editor") && <RunMaintenanceButton />}
            <Link href="/jobs">All jobs →</Link>
          </div>
        </div>
        <JobsTable jobs={await jobListItems(recent)} />
      </section>
    </>
  );
}
