import { AutoRefresh } from "@/components/auto-refresh";
import { JobsTable } from "@/components/jobs-table";
import { requirePageUser } from "@/lib/auth/session";
import { jobListItems } from "@/lib/ui/job-subjects";
import { listJobs } from "@/lib/jobs/job-service";

export const metadata = { title: "Jobs" };

export default async function JobsPage() {
  await requirePageUser();
  const jobs = await listJobs({ take: 200 });
  const live = jobs.some((j) => ["queued", "active", "retrying"].includes(j.state));
  return (
    <>
      <AutoRefresh active={live} />
      <div className="page-head">
        <h1>Jobs</h1>
        <p className="muted">
          Background work run by the worker processes. This page updates by itself while jobs run.
        </p>
      </div>
      <section className="card">
        <JobsTable jobs={await jobListItems(jobs)} filters />
      </section>
    </>
  );
}
