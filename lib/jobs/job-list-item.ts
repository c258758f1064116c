export type JobListItem = {
  id: string;
  type: string;
  /** What the job works on, in words (lib/ui/job-subjects.ts); null for jobs without one. */
  subject: string | null;
  state: string;
  /** A cancel was asked for and the running job has not reached its next progress report yet. */
  cancelling: boolean;
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  createdBy: string | null;
  error: string | null;
};

type Row = {
  id: string;
  type: string;
  state: string;
  cancelRequested: boolean;
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  error: string | null;
  createdBy: { email: string } | null;
};

/** The serialisable row the jobs table (a client component) receives. */
export function toJobListItem(j: Row, subjects?: ReadonlyMap<string, string>): JobListItem {
  return {
    id: j.id,
    type: j.type,
    subject: subjects?.get(j.id) ?? null,
    state: j.state,
    cancelling: isCancelling(j),
    progress: j.progress,
    progressMessage: j.progressMessage,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    createdAt: j.createdAt.toISOString(),
    createdBy: j.createdBy?.email ?? null,
    error: j.error,
  };
}

export const isCancelling = (j: { state: string; cancelRequested: boolean }) =>
  j.cancelRequested && (j.state === "active" || j.state === "retrying");
