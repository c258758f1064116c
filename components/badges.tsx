import { POLICY_TYPE_LABELS } from "@/lib/policies/policy-input";
import { ciPct, liftTone, signedPct, VERDICT_LABELS } from "@/lib/ui/format";

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

export function PolicyTypeBadge({ type }: { type: string }) {
  return <span className={`badge type-${type}`}>{POLICY_TYPE_LABELS[type] ?? type}</span>;
}

/** "+3.1% [−0.4%, +6.6%]": green/red as `tone` says (an experiment's verdict), else when the interval excludes 0. */
export function LiftWithCi({
  lift,
  ci,
  compact,
  tone = liftTone(ci),
}: {
  lift: number | null;
  ci: [number, number] | null;
  compact?: boolean;
  tone?: "up" | "down" | "flat";
}) {
  if (lift === null) return <span className="muted">not estimable</span>;
  return (
    <span className={`lift lift-${tone}`}>
      <strong>{signedPct(lift)}</strong>
      {compact ? " " : <br />}
      <span className="small">{ciPct(ci)}</span>
    </span>
  );
}

/** A version whose training passed no promotion gate: it acts exactly like the behaviour it started from. */
export function NotImprovedBadge() {
  return (
    <span
      className="badge status-not-improved"
      title={
        "No checkpoint passed the promotion gate: this version acts exactly like the policy its training " +
        "started from"
      }
    >
      not improved
    </span>
  );
}

/** A job's state; a running job asked to stop reads "cancelling…" until it reaches its next progress report. */
export function JobStateBadge({ state, cancelling }: { state: string; cancelling: boolean }) {
  return cancelling ? (
    <span className="badge state-cancelling">cancelling…</span>
  ) : (
    <span className={`badge state-${state}`}>{state}</span>
  );
}

/** The version (or policy) the platform serves to users outside experiments and to arms without a version. */
export function PlatformDefaultBadge({ past = false }: { past?: boolean }) {
  return past ? (
    <span className="badge" title="This version was the platform default earlier">
      former platform default
    </span>
  ) : (
    <span
      className="badge status-default"
      title="Served to every user outside an experiment, and by arms without a version of their own"
    >
      platform default
    </span>
  );
}

/** An experiment arm's verdict: ship / don't ship / keep running / inconclusive / not enough data. */
export function VerdictBadge({ verdict, reason }: { verdict: string; reason?: string }) {
  return (
    <span className={`badge verdict-${verdict}`} title={reason}>
      {VERDICT_LABELS[verdict] ?? verdict}
    </span>
  );
}
