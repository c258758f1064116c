export type JobListItem = {
  id: string;
  type: string;
  state: string;
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
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  error: string | null;
  createdBy: { email: string } | null;
};

/** The serialisable row the jobs table (a client component) receives. */
export function toJobListItem(j: Row): JobListItem {
  return {
    id: j.id,
    type: j.type,
    state: j.state,
    progress: j.progress,
    progressMessage: j.progressMessage,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    createdAt: j.createdAt.toISOString(),
    createdBy: j.createdBy?.email ?? null,
    error: j.error,
  };
}
