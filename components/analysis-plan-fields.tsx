"use client";

import { useEffect, useMemo, useState } from "react";
import { powerBaselineAction } from "@/app/actions/experiments";
import type { AnalysisPlanState } from "@/components/experiment-form-state";
import { Field } from "@/components/field";
import { NumberField } from "@/components/number-field";
import type { PowerBaseline } from "@/lib/experiments/power-baseline";
import { planPower, type PowerResult } from "@/lib/stats/power";
import { int, num, pct } from "@/lib/ui/format";
import { fraction } from "@/lib/ui/percent-text";

interface Props {
  value: AnalysisPlanState;
  onChange: (patch: Partial<AnalysisPlanState>) => void;
  disabled: boolean;
  err: (path: string) => string | null;
  layer: string;
  metric: { key: string; name: string };
  guardrails: { key: string; name: string; allowedHarm: number | null }[];
  /** Arm traffic weights, control first; null while the allocation is invalid. */
  weights: number[] | null;
  /** The experiment's share of all users: its layer buckets × coverage; null while invalid. */
  trafficShare: number | null;
}

const perArm = (users: number[]) => users.map(int).join(" / ");
const days = (d: number | null) => (d === null ? "" : ` · about ${int(d)} ${d === 1 ? "day" : "days"}`);

/**
 * The analysis plan (how verdicts are decided, minimum data, guardrail margins) and a power panel:
 * from the primary metric's history (the control arm of a recent experiment) or a baseline typed in,
 * the users per arm and days an MDE needs under the fixed-horizon and the sequential plan, computed
 * in the browser with the same lib/stats/power as POST /api/v1/power.
 */
export function AnalysisPlanFields(props: Props) {
  const { value, onChange, disabled, err, layer, metric, guardrails, weights, trafficShare } = props;
  // The history looked up for a layer|metric pair; another pair is still loading.
  const lookup = `${layer}|${metric.key}`;
  const [found, setFound] = useState<{ lookup: string; baseline: PowerBaseline | null } | null>(null);
  const [manual, setManual] = useState({ mean: "", sd: "" });
  const [mde, setMde] = useState("2");
  const [alpha, setAlpha] = useState("5");
  const [power, setPower] = useState("80");

  useEffect(() => {
    let live = true;
    if (layer)
      powerBaselineAction({ layer, metric: metric.key }).then((res) => {
        if (live) setFound({ lookup: `${layer}|${metric.key}`, baseline: res.ok ? res.data : null });
      });
    return () => {
      live = false;
    };
  }, [layer, metric.key]);

  const loading = !!layer && found?.lookup !== lookup;
  const history = !loading ? (found?.baseline ?? null) : null;
  const mean = history ? history.baselineMean : Number(manual.mean);
  const sd = history ? history.baselineSd : Number(manual.sd);
  const plan = useMemo((): PowerResult | { error: string } | null => {
    if (!weights) return { error: "Fix the arms' allocation to plan the size." };
    if (!(Number.isFinite(mean) && mean !== 0 && Number.isFinite(sd) && sd > 0)) return null;
    try {
      const daily = history?.dailyUsersPerLayer && trafficShare ? history.dailyUsersPerLayer * trafficShare : undefined;
      return planPower({
        metric: metric.key,
        baselineMean: mean,
        baselineSd: sd,
        mde: fraction(mde),
        alpha: fraction(alpha),
        power: fraction(power),
        weights,
        dailyTraffic: daily,
        cupedCorrelation: history?.cupedCorrelation ?? undefined,
      });
    } catch {
      return { error: "Give an MDE > 0%, α and power between 0% and 100%." };
    }
  }, [weights, mean, sd, history, trafficShare, metric.key, mde, alpha, power]);

  const sized = plan && "totalUsers" in plan ? plan : null;
  const chosen = sized ? (value.analysisPlan === "sequential" ? sized.sequential : sized) : null;

  return (
    <fieldset className="form-section" disabled={disabled}>
      <legend>Analysis plan and power</legend>
      <div className="grid-form">
        <Field
          label="Decide by"
          error={err("analysisPlan")}
          hint={
            value.analysisPlan === "sequential"
              ? "Always-valid intervals: the verdict is safe to read every day and to stop on."
              : "Ordinary 95% intervals, read once at the planned users; no verdict before."
          }
        >
          {(p) => (
            <select
              {...p}
              value={value.analysisPlan}
              onChange={(e) => onChange({ analysisPlan: e.target.value as AnalysisPlanState["analysisPlan"] })}
            >
              <option value="sequential">Sequential (read any day)</option>
              <option value="fixedHorizon">Fixed horizon (read once)</option>
            </select>
          )}
        </Field>
        <NumberField
          label="Planned users"
          kind="count"
          error={err("plannedUsers")}
          hint={value.analysisPlan === "fixedHorizon" ? "Required: the verdict waits for them." : "Optional target."}
          value={value.plannedUsers}
          onChange={(plannedUsers) => onChange({ plannedUsers })}
        />
        <NumberField
          label="Minimum users per arm"
          kind="count"
          error={err("minUsersPerArm")}
          hint="Below it the report says “not enough data” instead of intervals."
          value={value.minUsersPerArm}
          onChange={(minUsersPerArm) => onChange({ minUsersPerArm })}
        />
        <NumberField
          label="Minimum events per arm"
          kind="count"
          error={err("minEventsPerArm")}
          hint="Of an event metric's types (conversions): fewer, and that metric gets no verdict. 0: no such rule."
          value={value.minEventsPerArm}
          onChange={(minEventsPerArm) => onChange({ minEventsPerArm })}
        />
        {guardrails.map((g) => (
          <NumberField
            key={g.key}
            label={`${g.name}: allowed harm (%)`}
            kind="percent"
            error={err(`guardrailHarm.${g.key}`)}
            hint={`Empty: ${g.allowedHarm !== null ? `the catalogue's ${pct(g.allowedHarm, 1)}` : "the 2% default"}.`}
            value={value.guardrailHarm[g.key] ?? ""}
            onChange={(harm) => onChange({ guardrailHarm: { ...value.guardrailHarm, [g.key]: harm } })}
          />
        ))}
      </div>

      <div className="power-panel card" aria-label="Power and duration">
        <h3>How many users, how many days</h3>
        {loading ? (
          <p className="muted small">Looking up {metric.name} in recent experiments…</p>
        ) : history ? (
          <p className="muted small">
            Baseline from the control arm of <strong>{history.source.experimentName}</strong> (layer{" "}
            {history.source.layer}, {int(history.source.users)} users over {history.source.days} days):
            {` ${metric.name}`} mean {num(history.baselineMean)}, SD {num(history.baselineSd)}
            {history.cupedCorrelation !== null
              ? `, pre-period correlation ${num(history.cupedCorrelation, 2)} ` +
                `(CUPED shrinks the variance by ${pct(history.cupedCorrelation ** 2)})`
              : ""}
            {history.dailyUsersPerLayer !== null && trafficShare
              ? `; about ${int(history.dailyUsersPerLayer * trafficShare)} new users a day ` +
                `at this experiment's traffic share`
              : ""}
            .
          </p>
        ) : (
          <>
            <p className="muted small">
              No experiment has measured {metric.name} yet: enter a baseline per-user mean and standard deviation.
            </p>
            <div className="grid-form">
              <NumberField
                label="Baseline mean"
                value={manual.mean}
                onChange={(mean) => setManual((m) => ({ ...m, mean }))}
              />
              <NumberField
                label="Baseline SD"
                min={0}
                value={manual.sd}
                onChange={(sd) => setManual((m) => ({ ...m, sd }))}
              />
            </div>
          </>
        )}
        <div className="grid-form">
          <NumberField
            label="Minimum detectable effect (%)"
            kind="percent"
            hint="Relative change of the primary metric"
            value={mde}
            onChange={setMde}
          />
          <NumberField label="α (%)" kind="percent" hint="Two-sided" value={alpha} onChange={setAlpha} />
          <NumberField label="Power (%)" kind="percent" value={power} onChange={setPower} />
        </div>
        {plan && "error" in plan && <p className="error small">{plan.error}</p>}
        {sized && (
          <ul className="plain power-result" aria-label="Planned size">
            <li>
              Fixed horizon: <strong>{int(sized.totalUsers)} users</strong> ({perArm(sized.usersPerArm)} per arm)
              {days(sized.days)}
            </li>
            <li>
              Sequential: <strong>{int(sized.sequential.totalUsers)} users</strong> (
              {perArm(sized.sequential.usersPerArm)} per arm){days(sized.sequential.days)} — ×
              {num(sized.sequential.inflation, 2)} for reading every day
            </li>
          </ul>
        )}
        {chosen && (
          <button
            type="button"
            className="secondary"
            onClick={() => onChange({ plannedUsers: String(chosen.totalUsers) })}
          >
            Plan for {int(chosen.totalUsers)} users (
            {value.analysisPlan === "sequential" ? "sequential" : "fixed horizon"})
          </button>
        )}
      </div>
    </fieldset>
  );
}
