import type { ReportHealth } from "@/lib/reports/report-health";
import { count, int, pct, pValue } from "@/lib/ui/format";

/**
 * The report's health checks panel (docs/statistics.md §7): what could make the lifts wrong, and
 * what the data-quality rules left out of them. Problems first, as sentences; then every check.
 */
export function ReportHealthPanel({ health, armKeys }: { health: ReportHealth; armKeys: readonly string[] }) {
  const { srm, multiArmUsers, prePeriod, attributionWindow, missingGuardrailData } = health;
  const srmOk = srm.overall.ok;
  const flaggedDays = srm.days.filter((d) => d.flagged);
  return (
    <section className="report-health" aria-label="Health checks">
      {health.ok ? (
        <p className="ok">No problems found: the split matches the allocation and every guardrail has data.</p>
      ) : (
        <ul className="banner banner-warn" role="status">
          {health.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <dl className="facts">
        <dt>Sample ratio</dt>
        <dd>
          <span className={srmOk ? "ok" : "error"}>{srmOk ? "ok" : "mismatch"}</span> overall (χ² p ={" "}
          {pValue(srm.overall.pValue)}); {count(srm.days.length, "day")} of first exposures tested,{" "}
          {flaggedDays.length ? (
            <span className="error">flagged: {flaggedDays.map((d) => d.date).join(", ")}</span>
          ) : (
            "none flagged"
          )}{" "}
          <span className="muted small">(per day: Holm-adjusted, alarm below 0.001)</span>
        </dd>
        <dt>Users in more than one arm</dt>
        <dd>
          {int(multiArmUsers.count)} excluded from the analysis
          {multiArmUsers.count > 0 && (
            <span className="muted">
              {" "}
              (seen in {armKeys.map((a) => `${a}: ${int(multiArmUsers.byArm[a] ?? 0)}`).join(", ")})
            </span>
          )}
        </dd>
        <dt>Events before exposure</dt>
        <dd>
          {int(health.preExposureEvents)} excluded{" "}
          <span className="muted small">(client time before the user&apos;s first rank request in the experiment)</span>
        </dd>
        <dt>Events after stop or window</dt>
        <dd>{int(health.lateEvents)} excluded</dd>
        <dt>Attribution window</dt>
        <dd>Events count {attributionWindow.description}.</dd>
        <dt>Pre-period coverage</dt>
        <dd>
          {prePeriod.coverage === null ? (
            "no users yet"
          ) : (
            <>
              {pct(prePeriod.coverage, 1)} of users ({int(prePeriod.usersWithPre)} of {int(prePeriod.users)}) have
              pre-period activity for CUPED
            </>
          )}
        </dd>
        <dt>Guardrail data</dt>
        <dd>
          {missingGuardrailData.length === 0 ? (
            "every guardrail has events in every arm"
          ) : (
            <span className="error">
              missing: {missingGuardrailData.map((m) => `${m.metric} in ${m.arm}`).join(", ")}
            </span>
          )}
        </dd>
      </dl>
    </section>
  );
}
