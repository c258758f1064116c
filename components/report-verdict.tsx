import type { DecidingInterval } from "@/lib/stats";
import { ciPct, GUARDRAIL_LABELS, int, pct, VERDICT_LABELS } from "@/lib/ui/format";
import type { ReportModel } from "@/lib/ui/report-model";

const intervalText = (i: DecidingInterval | null) => {
  if (!i) return null;
  const kind = i.test === "sequential" ? "always-valid" : "fixed-horizon";
  const level = Number(((1 - i.level) * 100).toPrecision(4));
  return `${kind} ${level}% interval ${i.relative ? ciPct(i.relative) : "unbounded"}`;
};

/** How the plan decides, in one line: what a reader may do with today's numbers. */
function planLine(model: ReportModel): string {
  const { plan, progress } = model;
  const minimum = `at least ${int(model.minUsersPerArm)} users per arm before any verdict`;
  if (plan.kind === "fixedHorizon")
    return (
      `Fixed-horizon plan: decided once, ` +
      `at ${int(plan.plannedUsers)} users, on the ordinary 95% interval (Holm across arms); ${minimum}.`
    );
  const target = progress.plannedUsers !== null ? ` Planned size ${int(progress.plannedUsers)} users.` : "";
  return (
    `Sequential plan: verdicts come from always-valid intervals (Holm across arms), safe to read every ` +
    `day; ${minimum}.${target}`
  );
}

/**
 * The report's opening: per treatment arm the verdict (ship / don't ship / keep running /
 * inconclusive at planned size / not enough data), its reason in one sentence, the test that
 * decided and each guardrail's non-inferiority status; then progress toward the planned size.
 */
export function VerdictPanel({ model }: { model: ReportModel }) {
  const { progress } = model;
  return (
    <section className="verdict-panel" aria-label="Verdict">
      {model.verdicts.map((v) => {
        const primary = v.primary[0];
        return (
          <div key={v.arm} className={`card verdict-card verdict-${v.verdict}`}>
            <h3>
              <span className={`badge verdict-${v.verdict}`}>{VERDICT_LABELS[v.verdict]}</span>{" "}
              {model.verdicts.length > 1 ? `${v.arm} vs control` : `${v.arm}`}
            </h3>
            <p>{v.reason}</p>
            {primary && intervalText(primary.interval) && (
              <p className="muted small">
                Primary {model.labels[primary.metric]?.name ?? primary.metric}: {intervalText(primary.interval)}
                {primary.pValue !== null ? `, p = ${primary.pValue.toPrecision(2)}` : ""}.
              </p>
            )}
            {v.guardrails.length > 0 && (
              <ul className="small">
                {v.guardrails.map((g) => (
                  <li key={g.metric}>
                    <span className={`badge guardrail-${g.status}`}>{GUARDRAIL_LABELS[g.status]}</span>{" "}
                    {model.labels[g.metric]?.name ?? g.metric} (allowed harm {pct(g.allowedHarm, 1)}): {g.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
      <p className="muted small">{planLine(model)}</p>
      {progress.plannedUsers !== null && (
        <div aria-label="Progress toward the planned size">
          <div
            className="progress"
            role="progressbar"
            aria-label="Users toward the planned size"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(Math.min(1, progress.users / progress.plannedUsers) * 100)}
          >
            <span style={{ width: `${Math.min(100, (progress.users / progress.plannedUsers) * 100)}%` }} />
          </div>
          <p className="muted small">
            {int(progress.users)} of {int(progress.plannedUsers)} planned users (
            {pct(Math.min(1, progress.users / progress.plannedUsers))})
            {progress.users >= progress.plannedUsers
              ? " — planned size reached."
              : progress.daysLeft !== null
                ? ` — about ${progress.daysLeft} ${progress.daysLeft === 1 ? "day" : "days"} left at the average ` +
                  `daily intake so far.`
                : "."}
          </p>
        </div>
      )}
    </section>
  );
}
