"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { startExperimentAction, stopExperimentAction } from "@/app/actions/experiments";

export interface DecisionArm {
  key: string;
  name: string;
  control: boolean;
}

/**
 * Start (draft) / Stop (running). Starting shows the launch gate's result; when it blocks, an editor
 * may start anyway with a written reason (recorded in the audit trail). Stopping asks what the team decided — ship an
 * arm, ship nothing or rerun — and a note; both are recorded with the stop. Rendered for editors only; the server
 * action checks the role again.
 */
export function LifecycleControls({
  id,
  status,
  name,
  arms,
  gateBlocks = [],
}: {
  id: string;
  status: string;
  name: string;
  arms: DecisionArm[];
  /** Why the launch gate refuses a start now (empty: it passes). */
  gateBlocks?: string[];
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);
  const [overriding, setOverriding] = useState(false);
  const run = (fn: () => ReturnType<typeof startExperimentAction>) =>
    start(async () => {
      const res = await fn();
      if (!res.ok) setError(res.error);
      else {
        setError(null);
        router.refresh();
      }
    });
  const treatments = arms.filter((a) => !a.control);
  return (
    <div className="row">
      {status === "draft" && gateBlocks.length === 0 && (
        <button
          type="button"
          className="primary"
          disabled={pending}
          onClick={() => run(() => startExperimentAction(id))}
        >
          {pending ? "Starting…" : "Start experiment"}
        </button>
      )}
      {status === "draft" && gateBlocks.length > 0 && (
        <form
          aria-label="Launch gate"
          className="card stack gate-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            const reason = String(new FormData(ev.currentTarget).get("reason") ?? "").trim();
            run(() => startExperimentAction(id, { override: { reason } }));
          }}
        >
          <p className="small">
            <strong>Launch gate: not cleared.</strong>
          </p>
          <ul className="small">
            {gateBlocks.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
          {!overriding ? (
            <div className="row">
              <button type="button" className="danger" onClick={() => setOverriding(true)}>
                Start anyway…
              </button>
            </div>
          ) : (
            <>
              <label>
                Reason for overriding <span className="muted small">(recorded in the audit trail)</span>
                <textarea name="reason" rows={2} minLength={10} maxLength={2000} required />
              </label>
              <div className="row">
                <button type="submit" className="danger" disabled={pending}>
                  {pending ? "Starting…" : "Override and start"}
                </button>
                <button type="button" disabled={pending} onClick={() => setOverriding(false)}>
                  Cancel
                </button>
              </div>
            </>
          )}
        </form>
      )}
      {status === "running" && !stopping && (
        <button type="button" className="danger" onClick={() => setStopping(true)}>
          Stop experiment
        </button>
      )}
      {status === "running" && stopping && (
        <form
          aria-label="Stop and record the decision"
          className="card stack"
          onSubmit={(ev) => {
            ev.preventDefault();
            const data = new FormData(ev.currentTarget);
            const choice = String(data.get("decision") ?? "");
            const [decision, arm] = choice.startsWith("ship:") ? ["ship", choice.slice(5)] : [choice, undefined];
            const note = String(data.get("note") ?? "").trim();
            run(() => stopExperimentAction(id, { decision, ...(arm ? { arm } : {}), ...(note ? { note } : {}) }));
          }}
        >
          <p className="small">
            Stop &quot;{name}&quot;? Its users go back to the layer&apos;s default policy; a stopped experiment cannot
            restart. What did you decide?
          </p>
          <fieldset>
            <legend>Decision</legend>
            {treatments.map((a) => (
              <label key={a.key}>
                <input type="radio" name="decision" value={`ship:${a.key}`} required /> Ship {a.name}
              </label>
            ))}
            <label>
              <input type="radio" name="decision" value="ship_nothing" required /> Ship nothing (keep control)
            </label>
            <label>
              <input type="radio" name="decision" value="rerun" required /> Rerun (inconclusive or flawed)
            </label>
          </fieldset>
          <label>
            Note <span className="muted small">(why; shown on the page and in the audit trail)</span>
            <textarea name="note" rows={2} maxLength={2000} />
          </label>
          <div className="row">
            <button type="submit" className="danger" disabled={pending}>
              {pending ? "Stopping…" : "Stop and record decision"}
            </button>
            <button type="button" disabled={pending} onClick={() => setStopping(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
