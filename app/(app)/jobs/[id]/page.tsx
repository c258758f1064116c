import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { AutoRefresh } from "@/components/auto-refresh";
import { NotImprovedBadge } from "@/components/badges";
import { JobControls } from "@/components/job-buttons";
import { JobProgress } from "@/components/job-progress";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import { getJob } from "@/lib/jobs/job-service";
import { dateTime } from "@/lib/ui/format";
import { registeredVersion } from "@/lib/ui/registered-version";

export const metadata = { title: "Job" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const job = await getJob(id).catch((err) => {
    if (isAppError(err) && err.code === "not_found") notFound();
    throw err;
  });
  const live = ["queued", "active", "retrying"].includes(job.state);
  const registered = registeredVersion(job.type, job.payload, job.result);
  return (
    <>
      <AutoRefresh active={live} ms={1000} />
      <div className="page-head">
        <h1>
          {job.type} <span className={`badge state-${job.state}`}>{job.state}</span>
        </h1>
        <p className="muted mono">{job.id}</p>
      </div>
      <section className="card">
        <JobProgress job={job} />
        <dl className="facts">
          <dt>Attempts</dt>
          <dd>
            {job.attempts} of {job.maxAttempts}
          </dd>
          <dt>Created</dt>
          <dd>
            {dateTime(job.createdAt)} by {job.createdBy?.email ?? "system"}
          </dd>
          <dt>Started</dt>
          <dd>{dateTime(job.startedAt)}</dd>
          <dt>Finished</dt>
          <dd>{dateTime(job.finishedAt)}</dd>
          <dt>Payload</dt>
          <dd>
            <code>{JSON.stringify(job.payload)}</code>
          </dd>
          {registered && (
            <>
              <dt>Registered version</dt>
              <dd>
                <Link href={`/policies/${registered.policy}#v${registered.version}`}>
                  {registered.policy} v{registered.version}
                </Link>
                {registered.improved === false && (
                  <>
                    {" "}
                    <NotImprovedBadge /> <span className="small">no checkpoint passed the promotion gate; the version acts exactly like the policy training started from</span>
                  </>
                )}
              </dd>
            </>
          )}
          {job.result !== null && (
            <>
              <dt>Result</dt>
              <dd>
                <pre className="pre">{JSON.stringify(job.result, null, 2)}</pre>
              </dd>
            </>
          )}
        </dl>
        {job.error && (
          <p className="error" role="alert">
            Error: {job.error}
          </p>
        )}
        {roleAtLeast(user.role, "editor") && <JobControls jobId={job.id} state={job.state} />}
      </section>
      <section className="card">
        <h2>Log</h2>
        {job.logs.length === 0 ? (
          <p className="muted">No log lines yet.</p>
        ) : (
          <ol className="log" aria-label="Job log">
            {job.logs.map((l) => (
              <li key={String(l.id)} className={`log-${l.level}`}>
                <time dateTime={l.ts.toISOString()}>{l.ts.toISOString().slice(11, 19)}</time> {l.message}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
