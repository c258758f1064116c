/** A job's progress bar; a completed job reads "100% · done" whatever its handler last reported. */
export function JobProgress({
  job,
}: {
  job: { progress: number; progressMessage: string | null; state: string; cancelling?: boolean; error?: string | null };
}) {
  const pct = job.state === "completed" ? 100 : Math.round(job.progress * 100);
  // A finished job's last report ("rollouts: 1 of 8", throttled) would read as work still to do.
  const message = job.cancelling
    ? "cancelling… (stops at its next progress report)"
    : job.state === "completed"
      ? "done"
      : job.progressMessage;
  return (
    <div className="progress-cell">
      <div
        className="progress"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label="Job progress"
      >
        <div className={`bar state-${job.state}`} style={{ width: `${pct}%` }} />
      </div>
      <span className="muted small">
        {pct}%{message ? ` · ${message}` : ""}
      </span>
      {job.error && job.state !== "completed" && <span className="error small">{job.error}</span>}
    </div>
  );
}
