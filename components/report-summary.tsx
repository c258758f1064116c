"use client";

import { ciPct, count, duration, int, pct, pValue, signedPct } from "@/lib/ui/format";
import type { ReportModel } from "@/lib/ui/report-model";

import { label, REPORT_TERMS, shown } from "@/components/report-terms";

export function SrmBanner({ model }: { model: ReportModel }) {
  if (model.srm.ok || model.users === 0) return null;
  return (
    <div className="banner banner-danger" role="alert">
      <strong>Sample ratio mismatch.</strong> The users per arm (
      {model.arms.map((a, i) => `${a.key} ${int(a.users)}, expected ${int(model.srm.expected[i])}`).join("; ")}) are off
      the allocated split (χ² p = {pValue(model.srm.pValue)} &lt; 0.001). Assignment or logging is broken somewhere: do
      not trust these lifts until the cause is found.
    </div>
  );
}

/** The report's header: who is in it, how long it has run, and the primary metric's lift (the verdict is above it). */
export function ReportSummary({
  model,
  reach,
  startedAt,
  stoppedAt,
}: {
  model: ReportModel;
  reach: { inside: number; outside: number } | null;
  startedAt: string | null;
  stoppedAt: string | null;
}) {
  const end = stoppedAt ?? model.generatedAt;
  const runningMs = startedAt ? Date.parse(end) - Date.parse(startedAt) : null;
  const trafficDays = (model.series[model.primaryMetric] ?? []).length;
  const primary = model.rows[model.primaryMetric]?.filter((r) => !r.control) ?? [];
  const controlUsers = model.arms.find((a) => a.control)?.users ?? 0;
  return (
    <section className="stats report-summary" aria-label="Report summary">
      <div className="stat card">
        <span className="stat-value" title={REPORT_TERMS.users}>
          {int(model.users)}
        </span>
        <span className="muted">users in the experiment</span>
      </div>
      {reach && (
        <div className="stat card">
          <span className="stat-value">{int(reach.outside)}</span>
          <span
            className="muted"
            title={
              "Distinct users the platform served while the experiment ran who were not in it: outside its " +
              "layer buckets or coverage, or held by another layer's experiment. They are not in the comparison."
            }
          >
            users served outside it
          </span>
        </div>
      )}
      <div className="stat card">
        <span className="stat-value">{duration(runningMs)}</span>
        <span className="muted">
          {stoppedAt ? "ran" : "running"} · traffic on {trafficDays} {trafficDays === 1 ? "day" : "days"}
        </span>
      </div>
      {primary.map((r) => {
        const e = shown(r, true);
        const ofArm = primary.length > 1 ? ` of ${r.arm}` : "";
        return (
          <div key={r.arm} className="stat card">
            <span className={`stat-value lift lift-${r.tone}`}>
              {r.enoughData
                ? signedPct(e.lift, 1)
                : `${int(Math.min(r.users, controlUsers))} / ${int(model.minUsersPerArm)}`}
            </span>
            <span
              className="muted"
              title={`${REPORT_TERMS.lift} ${REPORT_TERMS.ci}${r.cuped ? ` ${REPORT_TERMS.cuped}` : ""}`}
            >
              {r.enoughData
                ? `${label(model, model.primaryMetric)} lift${ofArm}${r.cuped ? " (CUPED)" : ""}, 95% CI ${ciPct(e.ci)}`
                : `users${ofArm} toward the minimum per arm: no lift shown yet`}
            </span>
          </div>
        );
      })}
    </section>
  );
}

export function ArmSplit({ model }: { model: ReportModel }) {
  return (
    <p className="muted small">
      {count(model.users, "user")} ·{" "}
      {model.arms
        .map(
          (a) => `${a.key} ${int(a.users)} (${pct(a.users / (model.users || 1), 1)} vs ${pct(a.share, 1)} allocated)`,
        )
        .join(" · ")}{" "}
      · SRM {model.srm.ok ? "ok" : "mismatch"} (p = {pValue(model.srm.pValue)})
    </p>
  );
}
