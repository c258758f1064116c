import { JobForm } from "@/components/job-form";
import { PoliciesTable, VersionsTable } from "@/components/policies-table";
import { RegisterFixedPolicyForm } from "@/components/register-fixed-policy-form";
import { TrainPolicyForm } from "@/components/train-policy-form";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { ACTION_NAMES, DEFAULT_ACTION_BOUNDS } from "@/lib/fusion";
import { jobFormSpec } from "@/lib/ui/job-forms";
import { jobPickers } from "@/lib/ui/job-pickers";
import { pickerSources } from "@/lib/ui/picker-sources";
import { EVALUATE_HINTS } from "@/lib/ui/job-hints";
import { policiesOverview } from "@/lib/ui/policy-queries";

export const metadata = { title: "Policies" };

export default async function PoliciesPage() {
  const user = await requirePageUser();
  const canEdit = roleAtLeast(user.role, "editor");
  const [{ policies, versions }, sources] = await Promise.all([
    policiesOverview(),
    canEdit ? pickerSources() : Promise.resolve({}),
  ]);
  const train = jobFormSpec("train-policy");
  const evaluate = jobFormSpec("evaluate-policy");
  return (
    <>
      <div className="page-head">
        <h1>Policies</h1>
        <p className="muted">
          Fusion policies turn a candidate&apos;s predicted scores into one ranking score. Fixed policies use one action
          for everyone; user-state RL one per request; Enhanced-State RL one per user–item pair.
        </p>
      </div>
      <section className="card">
        <h2>Policies</h2>
        <PoliciesTable policies={policies} />
      </section>
      <section className="card">
        <h2>Versions</h2>
        <p className="muted small">
          Each version is immutable once ready. Parent = the version it was trained or tuned from (lineage).
        </p>
        <VersionsTable versions={versions} />
      </section>
      {canEdit && (
        <>
          <section className="card" aria-labelledby="train-h">
            <h2 id="train-h">Train a policy</h2>
            {train ? (
              <>
                <p className="muted small">
                  {train.description}. Runs as a background job; its progress and log are on the job page.
                </p>
                <TrainPolicyForm spec={train} sources={sources} label="Train policy" />
              </>
            ) : (
              <p className="empty">Training jobs (train-policy) are not part of this build yet.</p>
            )}
          </section>
          <section className="card" aria-labelledby="eval-h">
            <h2 id="eval-h">Evaluate a version offline</h2>
            {evaluate ? (
              <>
                <p className="muted small">
                  {evaluate.description}. MTF-GAUC, importance-sampling estimate and simulator rollout value with CI.
                </p>
                <JobForm
                  spec={evaluate}
                  label="Evaluate policy"
                  submitLabel="Start evaluation"
                  pickers={jobPickers(evaluate, sources)}
                  hints={EVALUATE_HINTS}
                />
              </>
            ) : (
              <p className="empty">Evaluation jobs (evaluate-policy) are not part of this build yet.</p>
            )}
          </section>
          <section className="card" aria-labelledby="fixed-h">
            <h2 id="fixed-h">Register a fixed policy version</h2>
            <p className="muted small">
              A hand-set fusion action, e.g. the formula baseline used before RL. Prefilled with the centre of the
              action box.
            </p>
            <RegisterFixedPolicyForm actionNames={[...ACTION_NAMES]} defaults={[...DEFAULT_ACTION_BOUNDS.centre]} />
          </section>
        </>
      )}
    </>
  );
}
