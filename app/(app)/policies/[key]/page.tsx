import Link from "next/link";
import { notFound } from "next/navigation";
import { NotImprovedBadge, PlatformDefaultBadge, PolicyTypeBadge, StatusBadge } from "@/components/badges";
import { JobForm } from "@/components/job-form";
import { EvalFigures } from "@/components/eval-figures";
import { VersionsTable } from "@/components/policies-table";
import { TrainingCurveChart } from "@/components/training-curve-chart";
import { TrainPolicyForm } from "@/components/train-policy-form";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { evaluationFigures, evaluationSummary, gateNote, trainingCurves } from "@/lib/ui/evaluation";
import { count, dateTime } from "@/lib/ui/format";
import { jobFormSpec } from "@/lib/ui/job-forms";
import { readableLabels } from "@/lib/ui/job-summary";
import { EVALUATE_HINTS } from "@/lib/ui/job-hints";
import { jobPickers } from "@/lib/ui/job-pickers";
import { pickerSources } from "@/lib/ui/picker-sources";
import { policyDetail } from "@/lib/ui/policy-queries";
import { JsonBlock } from "@/components/json-block";

export const metadata = { title: "Policy" };

export default async function PolicyPage({ params }: { params: Promise<{ key: string }> }) {
  const user = await requirePageUser();
  const { key } = await params;
  const detail = await policyDetail(decodeURIComponent(key));
  if (!detail) notFound();
  const { policy, versions, defaultHistory } = detail;
  const canEdit = roleAtLeast(user.role, "editor");
  const evaluate = jobFormSpec("evaluate-policy");
  const train = jobFormSpec("train-policy");
  const sources = canEdit ? await pickerSources() : {};
  return (
    <>
      <div className="page-head">
        <p className="muted small">
          <Link href="/policies">Policies</Link> /
        </p>
        <h1>
          {policy.name} <PolicyTypeBadge type={policy.type} /> {defaultHistory && <PlatformDefaultBadge />}
        </h1>
        <p className="muted">
          <code>{policy.key}</code> · {count(versions.length, "version")} · created {dateTime(policy.createdAt)}
          {policy.description ? ` · ${policy.description}` : ""}
        </p>
      </div>
      {defaultHistory && (
        <section className="card" aria-labelledby="default-h">
          <h2 id="default-h">Platform default</h2>
          <p className="muted small">
            Users outside every experiment, and arms without a version of their own, are served the latest ready version
            of this policy (before its first version: the centre of the action box). Registering a new version makes it
            the default at once.
          </p>
          <table aria-label="Platform default history">
            <thead>
              <tr>
                <th>Default</th>
                <th>From</th>
                <th>Until</th>
              </tr>
            </thead>
            <tbody>
              {defaultHistory.map((p) => (
                <tr key={p.label}>
                  <td>{p.version !== null ? <a href={`#v${p.version}`}>{p.label}</a> : p.label}</td>
                  <td>{p.from ? dateTime(p.from) : "platform start"}</td>
                  <td>{p.until ? dateTime(p.until) : <strong>now</strong>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section className="card">
        <h2>Versions and lineage</h2>
        <VersionsTable versions={versions} showPolicy={false} />
      </section>
      {versions.map((v) => {
        const curves = trainingCurves(v.trainingCurve);
        const figures = v.evaluationJson === null ? [] : evaluationSummary(v.evaluationJson, 12);
        const metrics = readableLabels(evaluationFigures(v.metrics, 12));
        return (
          <section key={v.id} id={`v${v.version}`} className="card" aria-label={`Version ${v.version}`}>
            <div className="section-head">
              <h2>
                v{v.version} <StatusBadge status={v.status} /> {v.improved === false && <NotImprovedBadge />}{" "}
                {v.platformDefault && <PlatformDefaultBadge past={v.platformDefault === "former"} />}
              </h2>
              <span className="muted small">
                {dateTime(v.createdAt)}
                {v.jobId && (
                  <>
                    {" "}
                    · <Link href={`/jobs/${v.jobId}`}>training job</Link>
                  </>
                )}
                {v.parent && (
                  <>
                    {" "}
                    · from <Link href={`/policies/${v.parent.policyKey}`}>{v.parent.label}</Link>
                  </>
                )}
                {v.children > 0 && ` · ${count(v.children, "child version")}`}
              </span>
            </div>
            {v.improved === false && (
              <p className="callout" role="note">
                Training did not improve on its starting policy: no checkpoint passed the promotion gate, so this
                version acts exactly like{" "}
                {v.parent ? (
                  <Link href={`/policies/${v.parent.policyKey}`}>{v.parent.label}</Link>
                ) : (
                  "the platform default fixed policy of its training time"
                )}
                .{gateNote(v.metrics) && ` Gate: ${gateNote(v.metrics)}.`}
              </p>
            )}
            <div className="two-col">
              <div>
                <h3>Offline evaluation</h3>
                <EvalFigures figures={figures} empty="Not evaluated yet." />
                {metrics.length > 0 && (
                  <>
                    <h3>Training metrics</h3>
                    <EvalFigures figures={metrics} />
                  </>
                )}
                {v.datasetNames.length > 0 && (
                  <p className="small">
                    Trained on:{" "}
                    {v.datasetNames.map((d, i) => (
                      <span key={d.id}>
                        {i > 0 && ", "}
                        <Link href={`/datasets/${d.id}`}>{d.name}</Link>
                      </span>
                    ))}
                  </p>
                )}
              </div>
              <div>
                <h3>Training curve</h3>
                {curves.length > 0 ? (
                  curves.map((c) => (
                    <TrainingCurveChart key={c.title} curve={c.curve} label={`${c.title} (v${v.version})`} />
                  ))
                ) : (
                  <p className="muted">{v.jobId ? "No training curve recorded." : "Set by hand, not trained."}</p>
                )}
              </div>
            </div>
            <details>
              <summary>Config</summary>
              <JsonBlock value={v.config} label={`Config of v${v.version}`} />
            </details>
            {v.evaluationJson !== null && (
              <details>
                <summary>Full evaluation</summary>
                <JsonBlock value={v.evaluationJson} label={`Evaluation of v${v.version}`} />
              </details>
            )}
          </section>
        );
      })}
      {canEdit && (evaluate || train) && (
        <section className="card">
          <h2>Jobs for this policy</h2>
          {evaluate && (
            <>
              <h3>Evaluate a version</h3>
              <JobForm
                spec={evaluate}
                label="Evaluate policy version"
                submitLabel="Start evaluation"
                pickers={jobPickers(evaluate, sources)}
                hints={EVALUATE_HINTS}
                initial={{ policyVersionId: versions.find((v) => v.status === "ready")?.id }}
              />
            </>
          )}
          {train && (
            <>
              <h3>Train a new version</h3>
              <TrainPolicyForm
                spec={train}
                sources={sources}
                label="Train policy version"
                initial={{
                  policy: policy.key,
                  type: policy.type,
                  parentVersionId: versions.find((v) => v.status === "ready")?.id,
                }}
              />
            </>
          )}
        </section>
      )}
    </>
  );
}
