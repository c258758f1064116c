"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { enqueueJobAction } from "@/app/actions/jobs";

/** Queues the evaluate-policy run the launch gate asks for: the arm's version against the control's policy. */
export function QueueEvaluationButton({
  policyVersionId,
  baselineVersionId,
  scenarios,
}: {
  policyVersionId: string;
  baselineVersionId: string | null;
  scenarios: { value: string; label: string }[];
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [scenario, setScenario] = useState(scenarios[0]?.value ?? "");
  if (scenarios.length === 0) return <span className="muted small">create a scenario to evaluate</span>;
  return (
    <span className="row">
      <label className="small">
        Scenario{" "}
        <select value={scenario} onChange={(ev) => setScenario(ev.target.value)}>
          {scenarios.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const res = await enqueueJobAction("evaluate-policy", {
              policyVersionId,
              scenario,
              ...(baselineVersionId ? { baselineVersionId } : {}),
            });
            setMessage(res.ok ? { ok: true, text: "evaluation queued" } : { ok: false, text: res.error });
            if (res.ok) router.refresh();
          })
        }
      >
        {pending ? "Queueing…" : "Queue evaluation"}
      </button>
      {message && (
        <span className={message.ok ? "muted small" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </span>
      )}
    </span>
  );
}
