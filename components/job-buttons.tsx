"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { cancelJobAction, enqueueJobAction, retryJobAction } from "@/app/actions/jobs";
import type { ActionResult } from "@/lib/http/action-result";

function useAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const run = (fn: () => Promise<ActionResult<{ id: string } | void>>) =>
    start(async () => {
      const res = await fn();
      if (!res.ok) return setError(res.error);
      setError(null);
      if (res.data && "id" in res.data) router.push(`/jobs/${res.data.id}`);
      else router.refresh();
    });
  return { pending, error, run };
}

export function RunMaintenanceButton() {
  const { pending, error, run } = useAction();
  return (
    <span>
      <button type="button" disabled={pending} onClick={() => run(() => enqueueJobAction("db-maintenance", {}))}>
        {pending ? "Queuing…" : "Run database maintenance"}
      </button>
      {error && <span className="error"> {error}</span>}
    </span>
  );
}

export function JobControls({ jobId, state, cancelling }: { jobId: string; state: string; cancelling: boolean }) {
  const { pending, error, run } = useAction();
  const finished = ["completed", "failed", "cancelled"].includes(state);
  return (
    <div className="row">
      {!finished && (
        <button
          type="button"
          className="danger"
          disabled={pending || cancelling}
          onClick={() => run(() => cancelJobAction(jobId))}
        >
          {cancelling ? "Cancelling…" : pending ? "Cancelling…" : "Cancel job"}
        </button>
      )}
      {(state === "failed" || state === "cancelled") && (
        <button type="button" disabled={pending} onClick={() => run(() => retryJobAction(jobId))}>
          Retry as new job
        </button>
      )}
      {error && <span className="error">{error}</span>}
    </div>
  );
}
