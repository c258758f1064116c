import type { InterleavingReportView } from "@/lib/reports/interleaving-report";
import { int, num, pct, pValue } from "@/lib/ui/format";

const VERDICT = {
  aPreferred: (a: string) => `${a} preferred`,
  bPreferred: (_a: string, b: string) => `${b} preferred`,
  keepRunning: () => "keep running",
  notEnoughData: () => "not enough data",
} as const;

/**
 * The interleaving report: per metric and pair of arms, how many users credited more to each arm,
 * the preference share with its interval, and the sequential verdict (docs/interleaving.md).
 */
export function InterleavingReport({ report }: { report: InterleavingReportView }) {
  const metrics = [...new Set(report.comparisons.map((c) => c.metric))];
  const name = (key: string) => report.definitions[key]?.name ?? key;
  return (
    <>
      <p>
        <strong>{int(report.users)}</strong> users saw lists merged from {report.arms.map((a) => a.key).join(", ")} by
        team draft; each event is credited to the arm that placed its item.
      </p>
      <p className="muted small">
        A user <em>prefers</em> an arm when more of the metric is credited to it than to the other arm of the pair
        (fewer, for a lower-is-better metric). Share: users preferring the first arm among those with a preference, with
        its 95% Wilson interval and the sign test&apos;s p-value. Verdict: from the always-valid 95% interval of the
        mean preference (wins − losses) / users, safe to read at every look.
        {report.notApplicable.length > 0 &&
          ` Not credited per item (they belong to the whole list): ${report.notApplicable.map(name).join(", ")}.`}
      </p>
      {metrics.map((m) => (
        <div key={m} className="metric-block">
          <h3>
            {name(m)}{" "}
            {m === report.experiment.primaryMetric ? (
              <span className="badge status-running">primary</span>
            ) : (
              <span className="badge">guardrail</span>
            )}
          </h3>
          {/* Focusable so that keyboard users can scroll it sideways on a phone. */}
          <div className="scroll-x" tabIndex={0} role="region" aria-label={`${name(m)} preferences (scrolls sideways)`}>
            <table aria-label={`${name(m)}: preference by pair`}>
              <thead>
                <tr>
                  <th scope="col">Pair (a vs b)</th>
                  <th scope="col">Users</th>
                  <th scope="col">Prefer a · b · tie</th>
                  <th scope="col">Share for a [95% CI]</th>
                  <th scope="col">Sign test p</th>
                  <th scope="col">Mean preference [always-valid CI]</th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {report.comparisons
                  .filter((c) => c.metric === m)
                  .map((c) => (
                    <tr key={`${c.a}/${c.b}`}>
                      <td>
                        <strong>
                          {c.a} vs {c.b}
                        </strong>
                      </td>
                      <td>{int(c.users)}</td>
                      <td>
                        {int(c.wins)} · {int(c.losses)} · {int(c.ties)}
                      </td>
                      <EstimateCell value={c.share} ci={c.shareCi} format={(x) => pct(x, 1)} />
                      <td>{pValue(c.pValue)}</td>
                      <EstimateCell value={c.delta} ci={c.deltaCi} format={(x) => num(x, 3)} />
                      <td>
                        <span className={`badge verdict-${c.verdict}`}>{VERDICT[c.verdict](c.a, c.b)}</span>
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </>
  );
}

function EstimateCell({
  value,
  ci,
  format,
}: {
  value: number | null;
  ci: readonly [number, number] | null;
  format: (x: number | null) => string;
}) {
  return (
    <td>
      {format(value)}{" "}
      {ci && (
        <span className="muted">
          [{format(ci[0])}, {format(ci[1])}]
        </span>
      )}
    </td>
  );
}
