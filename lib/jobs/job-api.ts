import { z } from "zod";
import { safeString } from "@/lib/validation";

/** The public (API) view of a job and the input to enqueue one. */
export const enqueueJobBody = z.object({ type: safeString().min(1).max(100), payload: z.unknown().optional() });
export const jobIdParams = z.object({ id: z.uuid("must be a job id (uuid)") });
export const listJobsQuery = z.object({
  state: z.enum(["queued", "active", "retrying", "completed", "failed", "cancelled"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

type JobRow = {
  id: string;
  type: string;
  state: string;
  payload: unknown;
  result: unknown;
  error: string | null;
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  logs?: { ts: Date; level: string; message: string }[];
};

export function serializeJob(job: JobRow) {
  return {
    id: job.id,
    type: job.type,
    state: job.state,
    payload: job.payload,
    result: job.result,
    error: job.error,
    progress: job.progress,
    progressMessage: job.progressMessage,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    ...(job.logs
      ? { logs: job.logs.map((l) => ({ ts: l.ts.toISOString(), level: l.level, message: l.message })) }
      : {}),
  };
}
