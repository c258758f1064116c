export function JobProgress({ job }: { job: { progress: number; progressMessage: string | null; state: string; error?: string | null } }) {
  const pct = Math.round(job.progress * 100);
  return (
    <div className="progress-cell">
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Job progress">
        <div className={`bar state-${job.state}`} style={{ width: `${pct}%` }} />
      </div>
      <span className="muted small">
        {pct}%{job.progressMessage ? ` · ${job.progressMessage}` : ""}
      </span>
      {job.error && job.state !== "completed" && <span className="error small">{job.error}</span>}
    </div>
  );
}
