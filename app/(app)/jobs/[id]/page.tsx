import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { AutoRefresh } from "@/components/auto-refresh";
import { JobStateBadge, NotImprovedBadge } from "@/components/badges";
import { JobControls } from "@/components/job-buttons";
import { JobProgress } from "@/components/job-progress";
import { EvalFigures } from "@/components/eval-figures";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import { isCancelling } from "@/lib/jobs/job-list-item";
import { getJob } from "@/lib/jobs/job-service";
import { dateTime } from "@/lib/ui/format";
import { jobSubjects } from "@/lib/ui/job-subjects";
import { payloadFacts, resultFigures, resultNotes, type Fact } from "@/lib/ui/job-summary";
import { registeredVersion } from "@/lib/ui/registered-version";
import { JsonBlock } from "@/components/json-block";

export const metadata = { title: "Job" };

function FactPairs({ facts }: { facts: Fact[] }) {
  return facts.map((f) => (
    <div key={f.label} className="fact-pair">
      <dt>{f.label}</dt>
      <dd>{f.value}</dd>
    </div>
  ));
}

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const job = await getJob(id).catch((err) => {
    if (isAppError(err) && err.code === "not_found") notFound();
    throw err;
  });
  const live = ["queued", "active", "retrying"].includes(job.state);
  const cancelling = isCancelling(job);
  const registered = registeredVersion(job.type, job.payload, job.result);
  const subject = (await jobSubjects([job])).get(job.id);
  const facts = payloadFacts(job.payload);
  const figures = job.state === "completed" ? resultFigures(job.type, job.result) : [];
  const notes = job.state === "completed" ? resultNotes(job.result) : [];
  return (
    <>
      <AutoRefresh active={live} ms={1000} />
      <div className="page-head">
        <p className="muted small">
          <Link href="/jobs">Jobs</Link> /
        </p>
        <h1>
          {job.type}
          {subject && <span className="muted"> · {subject}</span>}{" "}
          <JobStateBadge state={job.state} cancelling={cancelling} />
        </h1>
        <p className="muted small">
          Created {dateTime(job.createdAt)} by {job.createdBy?.email ?? "system"} · started {dateTime(job.startedAt)} ·
          finished {dateTime(job.finishedAt)} · attempt {job.attempts} of {job.maxAttempts}
        </p>
      </div>
      <section className="card" aria-labelledby="summary-h">
        <h2 id="summary-h">Summary</h2>
        <JobProgress job={{ ...job, cancelling }} />
        {job.error && (
          <p className="error" role="alert">
            Error: {job.error}
          </p>
        )}
        {(registered || notes.length > 0) && (
          <dl className="facts">
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
                      <NotImprovedBadge />{" "}
                      <span className="small">
                        no checkpoint passed the promotion gate; the version acts exactly like the policy training
                        started from
                      </span>
                    </>
                  )}
                </dd>
              </>
            )}
            <FactPairs facts={notes} />
          </dl>
        )}
        {figures.length > 0 && (
          <>
            <h3>Results</h3>
            <EvalFigures figures={figures} />
          </>
        )}
        <h3>Settings</h3>
        {facts.length === 0 ? (
          <p className="muted">Defaults.</p>
        ) : (
          <dl className="facts">
            <FactPairs facts={facts} />
          </dl>
        )}
        <details>
          <summary>Advanced: payload and result as JSON</summary>
          <h4>Payload</h4>
          <JsonBlock value={job.payload} label="Payload as JSON" />
          {job.result !== null && (
            <>
              <h4>Result</h4>
              <JsonBlock value={job.result} label="Result as JSON" />
            </>
          )}
          <p className="muted small mono">job {job.id}</p>
        </details>
        {roleAtLeast(user.role, "editor") && <JobControls jobId={job.id} state={job.state} cancelling={cancelling} />}
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
