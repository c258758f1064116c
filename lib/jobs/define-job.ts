import type { z } from "zod";
import type { ApiScope } from "@/lib/api-keys/scopes";

/** What a running job can do: report progress and logs (persisted, shown live in the UI), see cancellation. */
export interface JobContext {
  jobId: string;
  attempt: number;
  /** Aborted when the job is cancelled or the worker must shut down; long loops should check it. */
  signal: AbortSignal;
  /** fraction in [0,1]; writes are throttled, and each write also picks up a cancel request. */
  progress(fraction: number, message?: string): Promise<void>;
  log(message: string, level?: "info" | "warn" | "error"): Promise<void>;
  /** Enqueues another registered job (as the system), on this worker's queue connection. */
  enqueue(type: string, payload: unknown): Promise<{ id: string }>;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<unknown>;

export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  payload: S;
  /** Retries after the first attempt, with exponential backoff starting at retryDelaySeconds. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** A job running longer than this is considered lost and retried. */
  expireInSeconds: number;
  /** Scopes an API key needs besides the jobs route's own (policies:write) to enqueue this job. */
  extraScopes?: ApiScope[];
  /**
   * false: a run interrupted by a worker shutdown fails instead of going back to the queue, because
   * running it again from the start would repeat its side effects.
   */
  rerunnable?: boolean;
  /** Loaded on first use, so that the web process never loads worker-only code (TF.js …). */
  load: () => Promise<JobHandler<z.infer<S>>>;
  /**
   * Called once when the job ends without success (failed for good, or cancelled), wherever that
   * is decided; the place to mark what the job was building as failed. Must be idempotent.
   */
  onGiveUp?: (payload: z.infer<S>, outcome: { state: "failed" | "cancelled"; error: string | null }) => Promise<void>;
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

/** Thrown inside a handler for failures that another attempt cannot fix (bad input, missing data). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}
