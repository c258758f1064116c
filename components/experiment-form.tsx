"use client";

import { useRouter } from "next/navigation";
import { useEffect, useMemo, useReducer, useRef, useState, useTransition } from "react";
import { createExperimentAction, updateExperimentAction } from "@/app/actions/experiments";
import { BucketBar, colorFor, type BarSegment } from "@/components/bucket-bar";
import { AnalysisPlanFields } from "@/components/analysis-plan-fields";
import {
  type ArmState,
  DEFAULT_POLICY,
  type ExperimentFormAction,
  type ExperimentFormState,
  type FormField,
  experimentFormReducer,
  initialFormState,
} from "@/components/experiment-form-state";
import { Field, FormErrors, issuesByPath } from "@/components/field";
import { NumberField } from "@/components/number-field";
import { allocationIssues, armShares, intersectRanges, segmentSpace, type BucketRange } from "@/lib/assignment";
import { createExperimentInput, EXPERIMENT_TYPES, patchExperimentInput } from "@/lib/experiments/experiment-input";
import { POLICY_TYPE_LABELS } from "@/lib/policies/policy-input";
import { ciPct, num, pct, signedPct } from "@/lib/ui/format";
import type { ExperimentView } from "@/lib/ui/experiment-queries";
import type { VersionOption } from "@/lib/ui/policy-queries";
import { fraction } from "@/lib/ui/percent-text";
import { formatRanges, parseRanges, rangesTotal } from "@/lib/ui/ranges";

export interface LayerOption {
  key: string;
  name: string;
  freeBuckets: BucketRange[];
  running: { id: string; key: string; layerBuckets: BucketRange[] }[];
}

const TYPE_ORDER = ["enhanced_state", "user_state", "fixed"] as const;

const figure = (f: VersionOption["evaluation"][number]) => (f.format === "pct" ? signedPct(f.value) : num(f.value));
const figureCi = (f: VersionOption["evaluation"][number]) =>
  !f.ci ? "" : f.format === "pct" ? ` ${ciPct(f.ci)}` : ` [${num(f.ci[0])}, ${num(f.ci[1])}]`;

function evalLine(v: VersionOption | undefined): string {
  if (!v) return "";
  return v.evaluation.map((f) => `${f.label} ${figure(f)}${figureCi(f)}`).join(" · ");
}

/** Arm shares with the control's first, as the power plan takes its weights. */
const controlFirst = (shares: number[], arms: readonly { control: boolean }[]) => {
  const c = arms.findIndex((a) => a.control);
  return c < 0 ? shares : [shares[c], ...shares.filter((_, i) => i !== c)];
};

/**
 * Create or edit an experiment. Every rule is the API's own zod schema, run here on each change after
 * the first submit, and again by the server action, whose field messages land next to the same fields.
 */
/** A metric of the catalogue, as the form offers it. */
export interface MetricOption {
  key: string;
  name: string;
  description: string;
  allowedHarm: number | null;
}

export function ExperimentForm({
  layers,
  versions,
  metrics,
  platformDefault,
  experiment,
  defaultLayer,
}: {
  layers: LayerOption[];
  versions: VersionOption[];
  /** What arms without a version serve, e.g. "platform default (default-fixed@1)". */
  platformDefault: string;
  metrics: MetricOption[];
  experiment?: ExperimentView;
  defaultLayer?: string;
}) {
  const router = useRouter();
  const editing = !!experiment;
  const draft = !experiment || experiment.status === "draft";
  const [pending, start] = useTransition();
  const [form, dispatch] = useReducer(experimentFormReducer, undefined, () =>
    initialFormState(experiment, {
      layer: defaultLayer ?? layers[0]?.key ?? "",
      freeBuckets:
        layers.find((l) => l.key === (experiment?.layer ?? defaultLayer ?? layers[0]?.key))?.freeBuckets ?? null,
    }),
  );
  const {
    key,
    name,
    hypothesis,
    type,
    layer,
    hashSeed,
    primaryMetric,
    guardrails,
    mode,
    coverage,
    attributionDays,
    layerBuckets,
    arms,
    control,
    analysis,
  } = form;
  /** A setter for one plain field, as the inputs call it. */
  const set =
    <F extends FormField>(field: F) =>
    (value: ExperimentFormState[F]) =>
      dispatch({ kind: "set", field, value } as ExperimentFormAction);
  const setKey = set("key");
  const setName = set("name");
  const setHypothesis = set("hypothesis");
  const setType = set("type");
  const setLayer = set("layer");
  const setHashSeed = set("hashSeed");
  const setPrimaryMetric = set("primaryMetric");
  const setMode = set("mode");
  const setCoverage = set("coverage");
  const setAttributionDays = set("attributionDays");
  const setLayerBuckets = set("layerBuckets");
  const layerInfo = layers.find((l) => l.key === layer);
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<{ message: string; fields: Record<string, string> } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [focusError, setFocusError] = useState(0);

  const parsedBuckets = parseRanges(layerBuckets);

  const payload = useMemo(() => {
    const armPayload = arms.map((a) => {
      const r = parseRanges(a.ranges);
      return {
        key: a.key.trim(),
        ...(a.name.trim() ? { name: a.name.trim() } : {}),
        control: a.uid === control,
        policyVersionId: a.policyVersionId === DEFAULT_POLICY || a.policyVersionId === "" ? null : a.policyVersionId,
        ...(mode === "weights" ? { weight: fraction(a.weight) } : { ranges: r.ok ? r.ranges : [] }),
      };
    });
    return {
      key: key.trim(),
      name: name.trim(),
      ...(hypothesis.trim() ? { hypothesis: hypothesis.trim() } : {}),
      type,
      layer,
      ...(hashSeed.trim() ? { hashSeed: hashSeed.trim() } : {}),
      layerBuckets: parsedBuckets.ok ? parsedBuckets.ranges : [],
      primaryMetric,
      guardrailMetrics: guardrails.filter((g) => g !== primaryMetric),
      coverage: mode === "weights" ? fraction(coverage) : 1,
      // Empty: events count from first exposure until the stop.
      attributionWindowDays: attributionDays.trim() ? Number(attributionDays) : null,
      arms: armPayload,
      analysisPlan: analysis.analysisPlan,
      plannedUsers: analysis.plannedUsers.trim() === "" ? null : Number(analysis.plannedUsers),
      minUsersPerArm: Number(analysis.minUsersPerArm),
      minEventsPerArm: Number(analysis.minEventsPerArm || 0),
      guardrailHarm: Object.fromEntries(
        Object.entries(analysis.guardrailHarm)
          .filter(([k, v]) => v.trim() !== "" && guardrails.includes(k) && k !== primaryMetric)
          .map(([k, v]) => [k, fraction(v)]),
      ),
    };
  }, [
    arms,
    control,
    mode,
    key,
    name,
    hypothesis,
    type,
    layer,
    hashSeed,
    parsedBuckets,
    primaryMetric,
    guardrails,
    coverage,
    analysis,
    attributionDays,
  ]);

  /** What is sent when editing: everything editable for a draft, only wording once started. */
  const patch = useMemo(() => {
    if (!editing) return null;
    if (!draft) return { name: payload.name, hypothesis: payload.hypothesis ?? null };
    const { key: _k, layer: _l, hashSeed: _h, ...rest } = payload;
    return { ...rest, hypothesis: payload.hypothesis ?? null };
  }, [editing, draft, payload]);

  const clientErrors = useMemo(() => {
    const result = editing ? patchExperimentInput.safeParse(patch) : createExperimentInput.safeParse(payload);
    const errs = result.success ? {} : issuesByPath(result.error.issues);
    if (draft && !parsedBuckets.ok) errs.layerBuckets = parsedBuckets.error;
    if (draft && mode === "ranges") {
      arms.forEach((a, i) => {
        const r = parseRanges(a.ranges);
        if (!r.ok) errs[`arms.${i}.ranges`] = r.error;
      });
    }
    // A treatment left on the default would be an accidental A/A test: the choice must be explicit.
    if (draft) {
      arms.forEach((a, i) => {
        if (a.policyVersionId === "") errs[`arms.${i}.policyVersionId`] = "choose the version this arm serves";
      });
    }
    if (draft && mode === "weights") {
      arms.forEach((a, i) => {
        if (!Number.isFinite(fraction(a.weight))) errs[`arms.${i}.weight`] = "give a weight in %";
      });
      if (!Number.isFinite(fraction(coverage))) errs.coverage = "give a coverage in %";
    }
    return errs;
  }, [editing, patch, payload, draft, parsedBuckets, mode, arms, coverage]);

  const errors: Record<string, string> = { ...(submitted ? clientErrors : {}), ...(serverErrors?.fields ?? {}) };
  const err = (path: string) => errors[path] ?? null;
  const claimed = new Set([
    "key",
    "name",
    "hypothesis",
    "type",
    "layer",
    "hashSeed",
    "primaryMetric",
    "guardrailMetrics",
    "coverage",
    "attributionWindowDays",
    "layerBuckets",
    "arms",
    "analysisPlan",
    "plannedUsers",
    "minUsersPerArm",
    "minEventsPerArm",
    ...guardrails.map((g) => `guardrailHarm.${g}`),
    ...arms.flatMap((_, i) =>
      ["key", "name", "control", "policyVersionId", "weight", "ranges"].map((f) => `arms.${i}.${f}`),
    ),
  ]);
  const leftovers = Object.entries(errors).filter(([p]) => !claimed.has(p));

  useEffect(() => {
    if (focusError === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusError]);

  // Conflicts with running experiments of the layer, shown before saving.
  const conflicts = useMemo(() => {
    if (!layerInfo || !parsedBuckets.ok) return [];
    return layerInfo.running
      .filter((r) => r.id !== experiment?.id)
      .map((r) => ({ key: r.key, overlap: intersectRanges(parsedBuckets.ranges, r.layerBuckets) }))
      .filter((c) => c.overlap.length > 0);
  }, [layerInfo, parsedBuckets, experiment?.id]);

  const barSegments: BarSegment[] = useMemo(() => {
    if (!layerInfo) return [];
    const others = layerInfo.running.filter((r) => r.id !== experiment?.id);
    const base = segmentSpace(others.map((r) => ({ id: r.key, ranges: r.layerBuckets })));
    const segs: BarSegment[] = base.map((s) => ({
      start: s.start,
      end: s.end,
      label: s.owner ? `${s.owner} (running)` : null,
      color: s.owner ? colorFor(s.owner) : undefined,
    }));
    if (!parsedBuckets.ok) return segs;
    // Overlay this experiment's buckets: free parts hatched, overlapping parts marked as conflicts.
    const mine = segmentSpace([{ id: "mine", ranges: parsedBuckets.ranges }]).filter((s) => s.owner);
    const out: BarSegment[] = [];
    const cuts = [
      ...new Set([0, 10000, ...segs.flatMap((s) => [s.start, s.end]), ...mine.flatMap((s) => [s.start, s.end])]),
    ].sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [s, e] = [cuts[i], cuts[i + 1]];
      const under = segs.find((x) => x.start <= s && x.end >= e);
      const isMine = mine.some((m) => m.start <= s && m.end >= e);
      if (isMine && under?.label)
        out.push({ start: s, end: e, label: "conflict", color: "#c92a2a", pattern: "conflict" });
      else if (isMine)
        out.push({
          start: s,
          end: e,
          label: `${key || "this experiment"}`,
          color: colorFor(key || "this experiment"),
          pattern: "planned",
        });
      else out.push({ start: s, end: e, label: under?.label ?? null, color: under?.color });
    }
    return out;
  }, [layerInfo, parsedBuckets, experiment?.id, key]);

  const shares = useMemo(() => {
    const alloc = {
      coverage: payload.coverage,
      arms: payload.arms.map((a) => ({
        key: a.key || "?",
        ...("weight" in a ? { weight: a.weight } : { ranges: a.ranges }),
      })),
    };
    if (allocationIssues(alloc).length > 0) return null;
    try {
      return armShares(alloc);
    } catch {
      return null;
    }
  }, [payload]);

  const setArm = (uid: number, patch: Partial<Omit<ArmState, "uid">>) => {
    setServerErrors(null);
    dispatch({ kind: "setArm", uid, patch });
  };
  const addArm = () => dispatch({ kind: "addArm" });
  const removeArm = (uid: number) => dispatch({ kind: "removeArm", uid });

  function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    setServerErrors(null);
    if (Object.keys(clientErrors).length > 0) {
      setFocusError((n) => n + 1);
      return;
    }
    start(async () => {
      const res = experiment
        ? await updateExperimentAction(experiment.id, patch)
        : await createExperimentAction(payload);
      if (res.ok) {
        router.push(`/experiments/${res.data.id}`);
        router.refresh();
      } else {
        setServerErrors({ message: res.error, fields: res.fieldErrors ?? {} });
        setFocusError((n) => n + 1);
      }
    });
  }

  const versionsByType = TYPE_ORDER.map((t) => ({ type: t, items: versions.filter((v) => v.type === t) })).filter(
    (g) => g.items.length > 0,
  );
  const errorCount = Object.keys(errors).length;

  return (
    <form
      ref={formRef}
      className="form experiment-form"
      aria-label={editing ? "Edit experiment" : "Create experiment"}
      onSubmit={onSubmit}
      noValidate
    >
      <FormErrors
        message={
          serverErrors?.message ??
          (submitted && errorCount > 0
            ? `Please fix ${errorCount === 1 ? "the field" : `the ${errorCount} fields`} marked below.`
            : null)
        }
        leftovers={leftovers}
      />

      <section className="form-section" aria-labelledby="sec-basics">
        <h2 id="sec-basics">Basics</h2>
        <div className="grid-form">
          <Field
            label="Key"
            error={err("key")}
            hint={
              editing
                ? "The key cannot change (it seeds the hash)."
                : "Lowercase, e.g. es-rl-vs-fixed. Also the hash seed unless set below."
            }
          >
            {(p) => (
              <input
                {...p}
                name="key"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                disabled={editing}
                autoComplete="off"
                required
              />
            )}
          </Field>
          <Field label="Name" error={err("name")}>
            {(p) => <input {...p} name="name" value={name} onChange={(e) => setName(e.target.value)} required />}
          </Field>
        </div>
        <Field
          label="Hypothesis"
          error={err("hypothesis")}
          hint="What you expect and why, e.g. per-item fusion weights raise valid consumption."
        >
          {(p) => (
            <textarea
              {...p}
              name="hypothesis"
              rows={2}
              value={hypothesis}
              onChange={(e) => setHypothesis(e.target.value)}
            />
          )}
        </Field>
      </section>

      <fieldset className="form-section" disabled={!draft}>
        <legend>Design</legend>
        <Field
          label="Experiment type"
          error={err("type")}
          hint={
            "Interleaving compares rankers with far fewer users; confirm the winner with an A/B test " +
            "(docs/interleaving.md)."
          }
        >
          {(p) => (
            <select
              {...p}
              name="type"
              value={type}
              onChange={(e) => setType(e.target.value as (typeof EXPERIMENT_TYPES)[number])}
            >
              <option value="ab">A/B: each user sees one arm&apos;s ranking</option>
              <option value="interleaving">
                Interleaving: each user sees one list merged from every arm&apos;s ranking
              </option>
            </select>
          )}
        </Field>
      </fieldset>

      <fieldset className="form-section" disabled={!draft}>
        <legend>Metrics</legend>
        <div className="grid-form">
          <Field label="Primary metric" error={err("primaryMetric")}>
            {(p) => (
              <select
                {...p}
                name="primaryMetric"
                value={primaryMetric}
                onChange={(e) => setPrimaryMetric(e.target.value)}
              >
                {metrics.map((m) => (
                  <option key={m.key} value={m.key} title={m.description}>
                    {m.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="field">
            <span className="field-label" id="guardrails-label">
              Guardrail metrics
            </span>
            <div className="checks" role="group" aria-labelledby="guardrails-label">
              {metrics
                .filter((m) => m.key !== primaryMetric)
                .map((m) => (
                  <label key={m.key} className="check" title={m.description}>
                    <input
                      type="checkbox"
                      checked={guardrails.includes(m.key)}
                      onChange={(e) => dispatch({ kind: "toggleGuardrail", metric: m.key, on: e.target.checked })}
                    />{" "}
                    {m.name}
                  </label>
                ))}
            </div>
            {err("guardrailMetrics") && <span className="error small">{err("guardrailMetrics")}</span>}
          </div>
          <NumberField
            label="Attribution window (days)"
            kind="count"
            min={1}
            name="attributionWindowDays"
            placeholder="until stop"
            error={err("attributionWindowDays")}
            hint="Events count for this many days after a user's first exposure. Empty: until the experiment stops."
            value={attributionDays}
            onChange={setAttributionDays}
          />
        </div>
      </fieldset>

      <fieldset className="form-section" disabled={!draft}>
        <legend>Layer and traffic</legend>
        {!draft && (
          <p className="muted small">
            A started experiment changes its traffic only by ramping, on its layer&apos;s traffic page.
          </p>
        )}
        <div className="grid-form">
          <Field
            label="Layer"
            error={err("layer")}
            hint={
              editing ? "Fixed once created." : layers.length === 0 ? "Create a layer first (Traffic page)." : undefined
            }
          >
            {(p) => (
              <select
                {...p}
                name="layer"
                value={layer}
                disabled={editing}
                onChange={(e) => {
                  setLayer(e.target.value);
                  const l = layers.find((x) => x.key === e.target.value);
                  if (l) setLayerBuckets(formatRanges(l.freeBuckets.length ? l.freeBuckets : [[0, 10000]]));
                }}
              >
                {layers.map((l) => (
                  <option key={l.key} value={l.key}>
                    {l.name} ({l.key})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Layer buckets"
            error={err("layerBuckets")}
            hint={
              <>
                Ranges [start, end) of the layer&apos;s 10,000 buckets, e.g. 0-5000, 6000-8000.
                {parsedBuckets.ok && (
                  <>
                    {" "}
                    This experiment gets {pct(rangesTotal(parsedBuckets.ranges) / 10000, 1)} of the layer&apos;s users.
                  </>
                )}
              </>
            }
          >
            {(p) => (
              <input
                {...p}
                name="layerBuckets"
                value={layerBuckets}
                onChange={(e) => setLayerBuckets(e.target.value)}
                autoComplete="off"
              />
            )}
          </Field>
        </div>
        {layerInfo && draft && (
          <div className="row">
            <button
              type="button"
              className="small"
              onClick={() => setLayerBuckets(formatRanges(layerInfo.freeBuckets))}
              disabled={layerInfo.freeBuckets.length === 0}
            >
              Use all free buckets
            </button>
            <span className="muted small">Free now: {formatRanges(layerInfo.freeBuckets) || "none"}</span>
          </div>
        )}
        {layerInfo && <BucketBar segments={barSegments} label={`Layer ${layer}`} />}
        {conflicts.length > 0 && (
          <p className="error" role="alert">
            Conflict:{" "}
            {conflicts
              .map((c) => `buckets ${formatRanges(c.overlap)} belong to running experiment "${c.key}"`)
              .join("; ")}
            . Pick free buckets before saving.
          </p>
        )}
        {!editing && (
          <details className="advanced">
            <summary>Advanced: hash seed</summary>
            <Field
              label="Hash seed"
              error={err("hashSeed")}
              hint="Defaults to the key. Reuse a GrowthBook experiment's key to assign users identically."
            >
              {(p) => <input {...p} name="hashSeed" value={hashSeed} onChange={(e) => setHashSeed(e.target.value)} />}
            </Field>
          </details>
        )}
      </fieldset>

      <fieldset className="form-section" disabled={!draft}>
        <legend>Arms and allocation</legend>
        <div className="row" role="radiogroup" aria-label="Allocation method">
          <label className="check">
            <input type="radio" name="mode" checked={mode === "weights"} onChange={() => setMode("weights")} /> Weights
            + coverage
          </label>
          <label className="check">
            <input type="radio" name="mode" checked={mode === "ranges"} onChange={() => setMode("ranges")} /> Explicit
            ranges of the experiment&apos;s hash space
          </label>
        </div>
        {mode === "weights" && (
          <div className="grid-form">
            <NumberField
              label="Coverage (%)"
              kind="percent"
              name="coverage"
              error={err("coverage")}
              hint={
                "Share of each arm's weight that is in the experiment; ramp it up later without moving anyone " +
                "between arms."
              }
              value={coverage}
              onChange={setCoverage}
            />
          </div>
        )}
        {err("arms") && (
          <p className="error small" role="alert">
            {err("arms")}
          </p>
        )}
        <div className="arms">
          {arms.map((a, i) => {
            const v = versions.find((x) => x.id === a.policyVersionId);
            return (
              <fieldset key={a.uid} className="arm" aria-label={`Arm ${i + 1}`}>
                <legend>
                  Arm {i + 1}
                  {a.uid === control ? " · control" : ""}
                  {shares ? (
                    <span className="muted small"> · {pct(shares[i], 1)} of the experiment&apos;s users</span>
                  ) : null}
                </legend>
                <div className="arm-grid">
                  <Field label="Arm key" error={err(`arms.${i}.key`)}>
                    {(p) => (
                      <input
                        {...p}
                        value={a.key}
                        onChange={(e) => setArm(a.uid, { key: e.target.value })}
                        autoComplete="off"
                      />
                    )}
                  </Field>
                  <Field label="Arm name" error={err(`arms.${i}.name`)}>
                    {(p) => (
                      <input
                        {...p}
                        value={a.name}
                        placeholder={a.key}
                        onChange={(e) => setArm(a.uid, { name: e.target.value })}
                      />
                    )}
                  </Field>
                  <Field
                    label="Policy version"
                    error={err(`arms.${i}.policyVersionId`)}
                    className="span-2"
                    hint={
                      v
                        ? evalLine(v) || "No offline evaluation yet."
                        : a.policyVersionId === DEFAULT_POLICY
                          ? `Serves the ${platformDefault}, as users outside experiments get.`
                          : undefined
                    }
                  >
                    {(p) => (
                      <select
                        {...p}
                        value={a.policyVersionId}
                        onChange={(e) => setArm(a.uid, { policyVersionId: e.target.value })}
                      >
                        <option value="" disabled>
                          Choose a version…
                        </option>
                        <option value={DEFAULT_POLICY}>
                          {platformDefault[0].toUpperCase() + platformDefault.slice(1)}
                        </option>
                        {versionsByType.map((g) => (
                          <optgroup key={g.type} label={POLICY_TYPE_LABELS[g.type]}>
                            {g.items.map((o) => (
                              <option key={o.id} value={o.id}>
                                {o.label} — {POLICY_TYPE_LABELS[o.type]}
                                {o.evaluation[0]
                                  ? ` · ${o.evaluation[0].label} ${figure(o.evaluation[0])}`
                                  : " · not evaluated"}
                              </option>
                            ))}
                          </optgroup>
                        ))}
                      </select>
                    )}
                  </Field>
                  {mode === "weights" ? (
                    <NumberField
                      label="Weight (%)"
                      kind="percent"
                      error={err(`arms.${i}.weight`)}
                      value={a.weight}
                      onChange={(weight) => setArm(a.uid, { weight })}
                    />
                  ) : (
                    <Field
                      label="Hash ranges"
                      error={err(`arms.${i}.ranges`)}
                      hint="Of the experiment's own hash (10,000 slots, independent of the layer buckets), e.g. 0-2500."
                    >
                      {(p) => (
                        <input
                          {...p}
                          value={a.ranges}
                          onChange={(e) => setArm(a.uid, { ranges: e.target.value })}
                          autoComplete="off"
                        />
                      )}
                    </Field>
                  )}
                  <div className="arm-actions">
                    <label className="check">
                      <input
                        type="radio"
                        name="control"
                        checked={a.uid === control}
                        onChange={() => dispatch({ kind: "setControl", uid: a.uid })}
                      />{" "}
                      Control
                    </label>
                    {arms.length > 2 && (
                      <button
                        type="button"
                        className="small danger"
                        onClick={() => removeArm(a.uid)}
                        aria-label={`Remove arm ${i + 1}`}
                      >
                        Remove
                      </button>
                    )}
                  </div>
                </div>
              </fieldset>
            );
          })}
        </div>
        <div className="row">
          <button type="button" onClick={addArm} disabled={arms.length >= 20}>
            Add a treatment arm
          </button>
        </div>
      </fieldset>

      <AnalysisPlanFields
        value={analysis}
        onChange={(change) => {
          setServerErrors(null);
          dispatch({ kind: "setAnalysis", patch: change });
        }}
        disabled={!draft}
        err={err}
        layer={layer}
        metric={{ key: primaryMetric, name: metrics.find((m) => m.key === primaryMetric)?.name ?? primaryMetric }}
        guardrails={metrics.filter((m) => guardrails.includes(m.key) && m.key !== primaryMetric)}
        weights={shares ? controlFirst(shares, payload.arms) : null}
        trafficShare={
          shares && parsedBuckets.ok
            ? (rangesTotal(parsedBuckets.ranges) / 10000) * shares.reduce((t, x) => t + x, 0)
            : null
        }
      />

      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending || (draft && conflicts.length > 0)}>
          {pending ? "Saving…" : editing ? "Save changes" : "Create experiment"}
        </button>
        <span className="muted small">
          {editing ? "" : "It starts as a draft: nothing is served until you start it."}
        </span>
      </div>
    </form>
  );
}
