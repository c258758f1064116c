"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { startExperimentAction, stopExperimentAction } from "@/app/actions/experiments";

/** Start (draft) / Stop (running). Rendered for editors only; the server action checks the role again. */
export function LifecycleControls({ id, status, name }: { id: string; status: string; name: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const run = (fn: () => ReturnType<typeof startExperimentAction>) =>
    start(async () => {
      const res = await fn();
      if (!res.ok) setError(res.error);
      else {
        setError(null);
        router.refresh();
      }
    });
  return (
    <div className="row">
      {status === "draft" && (
        <button type="button" className="primary" disabled={pending} onClick={() => run(() => startExperimentAction(id))}>
          {pending ? "Starting…" : "Start experiment"}
        </button>
      )}
      {status === "running" && (
        <button
          type="button"
          className="danger"
          disabled={pending}
          onClick={() => {
            if (confirm(`Stop "${name}"? Its users go back to the layer's default policy; a stopped experiment cannot restart.`)) run(() => stopExperimentAction(id));
          }}
        >
          {pending ? "Stopping…" : "Stop experiment"}
        </button>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
