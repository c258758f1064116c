import { LiftWithCi } from "@/components/badges";
import { QueueEvaluationButton } from "@/components/queue-evaluation-button";
import type { ArmGate } from "@/lib/experiments/gate-decision";
import { dateTime } from "@/lib/ui/format";
import type { ReportModel } from "@/lib/ui/report-model";

const GATE_LABELS: Record<ArmGate["status"], string> = {
  pass: "passes offline",
  harmful: "worse offline",
  missing: "no evaluation",
  sameAsControl: "control's policy",
};
const GATE_TONE: Record<ArmGate["status"], string> = {
  pass: "guardrail-pass",
  harmful: "guardrail-fail",
  missing: "guardrail-notYet",
  sameAsControl: "guardrail-notEnoughData",
};

/** Arms the guardrail job stopped: their users get the control's policy; assignment is unchanged. */
export function AutoStopBanner({
  arms,
}: {
  arms: { key: string; stoppedAt: string | null; stopReason: string | null }[];
}) {
  const stopped = arms.filter((a) => a.stoppedAt);
  if (stopped.length === 0) return null;
  return (
    <div className="banner banner-danger" role="alert" data-testid="autostop-banner">
      {stopped.map((a) => (
        <p key={a.key}>
          <strong>Arm {a.key} was stopped automatically</strong> at {dateTime(a.stoppedAt)}. {a.stopReason} Its users
          now get the control&apos;s policy; nobody changed arm, and the report keeps counting them in {a.key}.
        </p>
      ))}
    </div>
  );
}

/**
 * Per treatment arm and metric: the offline prediction (the launch gate's evaluation against the
 * control's policy) next to the online lift of the report, with the gate's status.
 */
export function OfflineVsOnline({
  gates,
  metrics,
  model,
  metricName,
  canEdit,
  scenarios,
}: {
  gates: ArmGate[];
  /** The primary metric, then the guardrails. */
  metrics: string[];
  model: ReportModel | null;
  metricName: Record<string, string>;
  canEdit: boolean;
  scenarios: { value: string; label: string }[];
}) {
  if (gates.length === 0) return null;
  return (
    <div className="table-wrap">
      <div
        className="scroll-x"
        tabIndex={0}
        role="region"
        aria-label="Offline prediction and online result (scrolls sideways)"
      >
        <table aria-label="Offline prediction and online result">
          <thead>
            <tr>
              <th>Arm</th>
              <th>Launch gate</th>
              <th>Metric</th>
              <th>Offline prediction</th>
              <th>Online result</th>
            </tr>
          </thead>
          <tbody>
            {gates.map((g) => {
              return metrics.map((metric, i) => {
                const f = g.findings.find((x) => x.metric === metric);
                const online = model?.rows[metric]?.find((r) => r.arm === g.arm);
                return (
                  <tr key={`${g.arm}-${metric}`}>
                    {i === 0 && (
                      <>
                        <td rowSpan={metrics.length}>
                          <strong>{g.arm}</strong>
                          <div className="muted small">
                            {g.versionLabel} vs {g.baseline.label}
                          </div>
                        </td>
                        <td rowSpan={metrics.length}>
                          <span className={`badge ${GATE_TONE[g.status]}`}>{GATE_LABELS[g.status]}</span>
                          {g.evaluation && (
                            <div className="muted small">
                              evaluated {dateTime(g.evaluation.evaluatedAt)} on {g.evaluation.scenario}
                            </div>
                          )}
                          {g.status === "missing" && canEdit && g.versionId && (
                            <QueueEvaluationButton
                              policyVersionId={g.versionId}
                              baselineVersionId={g.baseline.versionId}
                              scenarios={scenarios}
                            />
                          )}
                        </td>
                      </>
                    )}
                    <td>{metricName[metric] ?? metric}</td>
                    <td>
                      {f && f.lift !== null ? (
                        <LiftWithCi lift={f.lift} ci={f.ci} compact tone={f.harmful ? "down" : undefined} />
                      ) : (
                        <span className="muted">
                          {g.status === "missing" ? "not evaluated" : "not predicted offline"}
                        </span>
                      )}
                    </td>
                    <td>
                      {online && online.lift !== null && online.enoughData ? (
                        <LiftWithCi lift={online.lift} ci={online.ci} compact tone={online.tone} />
                      ) : (
                        <span className="muted">{model ? "not enough data yet" : "not started"}</span>
                      )}
                    </td>
                  </tr>
                );
              });
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export interface WebhookRow {
  id: string;
  event: string;
  url: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  createdAt: string;
}

/** The experiment's webhook messages and what became of each (retries happen in the deliver-webhook job). */
export function WebhookLog({ rows, url }: { rows: WebhookRow[]; url: string | null }) {
  return (
    <>
      <p className="muted small">
        {url ? (
          <>
            Auto-stops and verdicts are POSTed to <code>{url}</code>, signed (<code>X-FusionLab-Signature</code>).
          </>
        ) : (
          "No webhook URL: set one on the experiment or FUSIONLAB_WEBHOOK_URL for the platform."
        )}
      </p>
      {rows.length === 0 ? (
        <p className="empty">No webhook messages yet.</p>
      ) : (
        <div className="table-wrap">
          <div className="scroll-x" tabIndex={0} role="region" aria-label="Webhook deliveries (scrolls sideways)">
            <table aria-label="Webhook deliveries">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Event</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last answer</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{dateTime(r.createdAt)}</td>
                    <td>
                      <code>{r.event}</code>
                    </td>
                    <td>{r.status}</td>
                    <td>{r.attempts}</td>
                    <td>{r.error ?? (r.responseStatus ? `HTTP ${r.responseStatus}` : "—")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}
