import Link from "next/link";
import { notFound } from "next/navigation";
import { ArmsTable } from "@/components/arms-table";
import { AuditTable } from "@/components/audit-table";
import { AutoRefresh } from "@/components/auto-refresh";
import { CollapsibleSection } from "@/components/collapsible-section";
import { StatusBadge } from "@/components/badges";
import { LifecycleControls } from "@/components/experiment-controls";
import { JobForm } from "@/components/job-form";
import { AutoStopBanner, OfflineVsOnline, WebhookLog } from "@/components/launch-gate";
import { JobsTable } from "@/components/jobs-table";
import { InterleavingReport } from "@/components/interleaving-report";
import { CumulativeLiftChart } from "@/components/cumulative-lift-chart";
import { ReportResults } from "@/components/report-results";
import { ArmSplit, ReportSummary, SrmBanner } from "@/components/report-summary";
import { ReportHealthPanel } from "@/components/report-health";
import { ReportSegments } from "@/components/report-segments";
import { VerdictPanel } from "@/components/report-verdict";
import { armShares, type BucketRange } from "@/lib/assignment";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { isAppError } from "@/lib/errors";
import { findExperiment } from "@/lib/experiments/find-experiment";
import { launchGate } from "@/lib/experiments/launch-gate";
import { toPlacement } from "@/lib/experiments/placement";
import { serializeExperiment } from "@/lib/experiments/serialize-experiment";
import { jobListItems } from "@/lib/ui/job-subjects";
import { listScenarios } from "@/lib/scenarios/scenario-service";
import {
  auditTrail,
  experimentReach,
  safeReport,
  trafficJobs,
  versionLabels,
  webhookDeliveries,
} from "@/lib/ui/experiment-queries";
import { defaultArmLabel } from "@/lib/policies/default-periods";
import { platformDefaultHistory } from "@/lib/policies/platform-default";
import { dateTime, decisionLabel, pct } from "@/lib/ui/format";
import { metricNames } from "@/lib/metrics/metric-catalogue";
import { jobFormSpec } from "@/lib/ui/job-forms";
import { formatRanges, rangesTotal } from "@/lib/ui/ranges";
import { reportModel } from "@/lib/ui/report-model";
import { interleavingReport } from "@/lib/reports/interleaving-report";

export const metadata = { title: "Experiment" };

const LIVE = ["queued", "active", "retrying"];

export default async function ExperimentPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const row = await findExperiment(decodeURIComponent(id)).catch((err) => {
    if (isAppError(err) && err.code === "not_found") notFound();
    throw err;
  });
  const e = serializeExperiment(row);
  const canEdit = roleAtLeast(user.role, "editor");
  const interleaving = e.type === "interleaving";
  const [labels, report, interleaved, audit, jobs, scenarios, defaults, reach, metricName, gates, webhooks] =
    await Promise.all([
      versionLabels(e.arms.map((a) => a.policyVersionId)),
      e.status === "draft" || interleaving ? null : safeReport(e.id),
      e.status === "draft" || !interleaving ? null : interleavingReport(e.id),
      auditTrail("Experiment", e.id),
      trafficJobs(e),
      listScenarios(),
      platformDefaultHistory(),
      experimentReach(row),
      metricNames(),
      launchGate(row),
      webhookDeliveries(e.id),
    ]);
  const gateBlocks = gates.filter((g) => g.status === "missing" || g.status === "harmful").map((g) => g.message);
  const scenarioOptions = scenarios.map((s) => ({ value: s.key, label: `${s.name} (${s.key})` }));
  const platformDefault = defaultArmLabel(defaults, row.startedAt ?? new Date(), row.stoppedAt);
  const shares = armShares(toPlacement(row));
  const model = report ? reportModel(report) : null;
  const live = jobs.some((j) => LIVE.includes(j.state));
  const spec = jobFormSpec("simulate-traffic");
  const layerBuckets = e.layerBuckets as BucketRange[];
  const layerShare = rangesTotal(layerBuckets) / 10000;
  const inExperiment = layerShare * shares.reduce((s, x) => s + x, 0);

  return (
    <>
      <AutoRefresh active={live} ms={1500} />
      <div className="page-head with-actions">
        <div>
          <p className="muted small">
            <Link href="/experiments">Experiments</Link> /
          </p>
          <h1>
            {e.name} <StatusBadge status={e.status} />
          </h1>
          <p className="muted">
            <code>{e.key}</code> · {interleaving ? "interleaving" : "A/B"} · layer{" "}
            <Link href={`/layers/${e.layer}`}>{e.layer}</Link> · primary metric{" "}
            {metricName[e.primaryMetric] ?? e.primaryMetric}
          </p>
        </div>
        <div className="row">
          {canEdit && (
            <LifecycleControls id={e.id} status={e.status} name={e.name} arms={e.arms} gateBlocks={gateBlocks} />
          )}
          {canEdit && (
            <Link className="button" href={`/experiments/${e.id}/edit`}>
              Edit
            </Link>
          )}
          <Link className="button" href={`/layers/${e.layer}?experiment=${e.id}`}>
            {canEdit && e.status !== "stopped"
              ? e.status === "running"
                ? "Ramp traffic"
                : "Allocate buckets"
              : "Layer buckets"}
          </Link>
        </div>
      </div>

      <AutoStopBanner arms={e.arms} />

      <CollapsibleSection id="setup-h" title="Setup">
        <dl className="facts">
          <dt>Hypothesis</dt>
          <dd>{e.hypothesis || <span className="muted">—</span>}</dd>
          <dt>Guardrails</dt>
          <dd>{e.guardrailMetrics.length ? e.guardrailMetrics.map((m) => metricName[m] ?? m).join(", ") : "none"}</dd>
          <dt>Traffic</dt>
          <dd>
            layer buckets {formatRanges(layerBuckets)} ({pct(layerShare, 1)} of the layer) · coverage{" "}
            {pct(e.coverage, 1)} · about {pct(inExperiment, 1)} of the layer&apos;s users are in it
          </dd>
          <dt>Webhook</dt>
          <dd>{e.webhookUrl ? <code>{e.webhookUrl}</code> : <span className="muted">platform default</span>}</dd>
          <dt>Hash seed</dt>
          <dd>
            <code>{e.hashSeed}</code>
          </dd>
          <dt>Started</dt>
          <dd>{dateTime(e.startedAt)}</dd>
          <dt>Stopped</dt>
          <dd>{dateTime(e.stoppedAt)}</dd>
          {e.status === "stopped" && (
            <>
              <dt>Decision</dt>
              <dd>
                {e.decision ? (
                  <strong>{decisionLabel(e.decision, e.arms)}</strong>
                ) : (
                  <span className="muted">not recorded</span>
                )}
                {e.decision?.note && <p className="small">{e.decision.note}</p>}
              </dd>
            </>
          )}
        </dl>
        <ArmsTable
          platformDefault={platformDefault}
          arms={e.arms.map((a, i) => ({
            key: a.key,
            name: a.name,
            control: a.control,
            policy: a.policyVersionId
              ? (labels[a.policyVersionId] ?? { label: "unknown version", type: "fixed", policyKey: "" })
              : null,
            weight: a.weight,
            ranges: a.ranges as [number, number][] | null,
            hashRanges: a.hashRanges as [number, number][],
            share: shares[i],
          }))}
        />
      </CollapsibleSection>

      {interleaving && e.status !== "draft" && (
        <section className="card" aria-labelledby="interleaving-h">
          <h2 id="interleaving-h">Interleaving report</h2>
          {interleaved && interleaved.users > 0 ? (
            <InterleavingReport report={interleaved} />
          ) : (
            <p className="empty">No users have been served yet.</p>
          )}
        </section>
      )}

      {(!interleaving || e.status === "draft") && (
        <section className="card" aria-labelledby="report-h">
          <div className="section-head">
            <h2 id="report-h">Uplift report</h2>
            {model && (
              <span className="muted small">
                computed {dateTime(model.generatedAt)}
                {model.cuped ? " · CUPED on pre-period" : ""} · download{" "}
                <a href={`/api/internal/experiments/${e.id}/report?format=csv`} download>
                  CSV
                </a>{" "}
                ·{" "}
                <a href={`/api/internal/experiments/${e.id}/report?format=json`} download>
                  JSON
                </a>
              </span>
            )}
          </div>
          {e.status === "draft" ? (
            <div className="empty">
              <p>The report fills in once the experiment runs and users are served.</p>
              <p>
                {canEdit
                  ? "Allocate its buckets, start it, then run a traffic simulation (or send real traffic to " +
                    "/api/v1/rank)."
                  : "An editor starts it."}
              </p>
            </div>
          ) : !model || model.users === 0 ? (
            <div className="empty">
              <p>No users have been served yet.</p>
              <p>
                {e.status === "running"
                  ? "Run a traffic simulation below, or point a ranking service at /api/v1/rank."
                  : "This experiment stopped before any traffic arrived."}
              </p>
            </div>
          ) : (
            <>
              <SrmBanner model={model} />
              <VerdictPanel model={model} />
              <ReportSummary model={model} reach={reach} startedAt={e.startedAt} stoppedAt={e.stoppedAt} />
              <ArmSplit model={model} />
              <ReportResults model={model} />
              <details className="report-section" open>
                <summary>
                  <h3>Cumulative lift over time</h3>
                </summary>
                <CumulativeLiftChart model={model} />
              </details>
              {report && (
                <>
                  <details className="report-section" open>
                    <summary>
                      <h3>Health checks</h3>
                    </summary>
                    <ReportHealthPanel health={report.health} armKeys={e.arms.map((a) => a.key)} />
                  </details>
                  <details className="report-section">
                    <summary>
                      <h3>Segments (exploratory)</h3>
                    </summary>
                    <ReportSegments
                      segments={report.segments}
                      metricName={metricName[e.primaryMetric] ?? e.primaryMetric}
                    />
                  </details>
                </>
              )}
            </>
          )}
        </section>
      )}

      <section className="card" aria-labelledby="gate-h">
        <h2 id="gate-h">Launch gate: offline prediction and online result</h2>
        <p className="muted small">
          Each treatment&apos;s latest offline evaluation against the control arm&apos;s policy (paired rollouts on
          held-out simulated worlds) next to its online lift. Starting or ramping up needs one per treatment and refuses
          a treatment significantly worse offline on the primary metric or beyond a guardrail&apos;s allowed harm.
        </p>
        <OfflineVsOnline
          gates={gates}
          metrics={[e.primaryMetric, ...e.guardrailMetrics]}
          model={model}
          metricName={metricName}
          canEdit={canEdit && e.status !== "stopped"}
          scenarios={scenarioOptions}
        />
      </section>

      {(e.status === "running" || jobs.length > 0) && (
        <section className="card" aria-labelledby="sim-h">
          <h2 id="sim-h">Traffic simulation</h2>
          <p className="muted">
            Simulated users of a scenario browse through the real <code>/api/v1/rank</code> and{" "}
            <code>/api/v1/events</code>, after a pre-period on the control policy (the CUPED covariate).
          </p>
          {e.status === "running" && canEdit && spec && scenarios.length > 0 && (
            <JobForm
              spec={spec}
              label="Run traffic simulation"
              submitLabel="Run traffic simulation"
              fixed={{ experiment: e.id }}
              hide={["concurrency"]}
              onQueued="refresh"
              initial={{ users: 500, sessionsPerUser: 2, prePeriodDays: 7, seed: "1" }}
              pickers={{ scenario: scenarioOptions }}
              hints={{ users: "Simulated users in the scenario's world", seed: "Same seed, same users and sessions" }}
            />
          )}
          {e.status === "running" && canEdit && scenarios.length === 0 && (
            <p className="empty">
              A simulation needs a scenario. <Link href="/scenarios">Create one</Link> (the defaults are fine).
            </p>
          )}
          {jobs.length > 0 && (
            <>
              <h3>Simulation jobs</h3>
              <JobsTable jobs={await jobListItems(jobs)} />
            </>
          )}
        </section>
      )}

      <CollapsibleSection id="webhooks-h" title="Webhooks">
        <WebhookLog rows={webhooks} url={e.webhookUrl} />
      </CollapsibleSection>

      <CollapsibleSection id="audit-h" title="Audit trail">
        <AuditTable rows={audit} />
      </CollapsibleSection>
    </>
  );
}
