"use client";

import type { ColumnDef } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import { updateExperimentAction } from "@/app/actions/experiments";
import { BucketBar, colorFor, type BarSegment } from "@/components/bucket-bar";
import { DataTable } from "@/components/data-table";
import { NumberField } from "@/components/number-field";
import { Field, FormErrors, issuesByPath } from "@/components/field";
import {
  allocationIssues,
  armShares,
  intersectRanges,
  normalizeRanges,
  rampDiff,
  segmentSpace,
  type ArmRampDiff,
  type BucketRange,
  type Placement,
} from "@/lib/assignment";
import { patchExperimentInput } from "@/lib/experiments/experiment-input";
import { int, pct } from "@/lib/ui/format";
import type { ExperimentView } from "@/lib/ui/experiment-queries";
import { fraction, percentText } from "@/lib/ui/percent-text";
import { formatRanges, parseRanges, rangesTotal } from "@/lib/ui/ranges";

function placementOf(e: ExperimentView): Placement {
  return {
    coverage: e.coverage,
    layerBuckets: e.layerBuckets,
    arms: e.arms.map((a) => ({
      key: a.key,
      ...(a.weight !== null ? { weight: a.weight } : {}),
      ...(a.ranges ? { ranges: a.ranges as unknown as BucketRange[] } : {}),
    })),
  };
}

const armColumns: ColumnDef<ArmRampDiff, unknown>[] = [
  { accessorKey: "key", header: "Arm" },
  { accessorKey: "before", header: "Now", cell: ({ row }) => pct(row.original.before, 2) },
  { accessorKey: "after", header: "After", cell: ({ row }) => pct(row.original.after, 2) },
  {
    accessorKey: "enter",
    header: "Enter",
    cell: ({ row }) => (row.original.enter > 0 ? `+${pct(row.original.enter, 2)}` : "0%"),
  },
  {
    accessorKey: "leave",
    header: "Leave",
    cell: ({ row }) => (row.original.leave > 0 ? `−${pct(row.original.leave, 2)}` : "0%"),
  },
];

/**
 * Allocate a draft (layer buckets, coverage, arm weights or ranges) or ramp a running experiment
 * (coverage, layer buckets). Before saving it shows the new bar, conflicts with other running
 * experiments of the layer, and, for a running one, exactly which share of the layer's users would
 * enter or leave — computed over the hash space with the same code the server checks with, which
 * refuses any change that would move a user between arms.
 */
export function AllocationEditor({
  layerKey,
  experiments,
  freeBuckets,
  observedUsers,
  initialExperiment,
}: {
  layerKey: string;
  experiments: ExperimentView[];
  freeBuckets: BucketRange[];
  observedUsers: Record<string, number>;
  initialExperiment?: string;
}) {
  const [selected, setSelected] = useState(
    experiments.find((e) => e.id === initialExperiment || e.key === initialExperiment)?.id ?? experiments[0]?.id ?? "",
  );
  const experiment = experiments.find((e) => e.id === selected);
  const [notice, setNotice] = useState<string | null>(null);
  if (experiments.length === 0) return <p className="muted">No draft or running experiment in this layer yet.</p>;
  return (
    <div className="form">
      <div className="grid-form">
        <Field label="Experiment to allocate">
          {(p) => (
            <select
              {...p}
              value={selected}
              onChange={(e) => {
                setSelected(e.target.value);
                setNotice(null);
              }}
            >
              {experiments.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name} ({e.key}, {e.status})
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {notice && (
        <p className="ok" role="status">
          {notice}
        </p>
      )}
      {experiment && (
        <Editor
          key={`${experiment.id}:${experiment.updatedAt}`}
          layerKey={layerKey}
          experiment={experiment}
          others={experiments.filter((e) => e.status === "running" && e.id !== experiment.id)}
          freeBuckets={freeBuckets}
          observedUsers={observedUsers[experiment.id] ?? 0}
          onSaved={setNotice}
        />
      )}
    </div>
  );
}

function Editor({
  layerKey,
  experiment,
  others,
  freeBuckets,
  observedUsers,
  onSaved,
}: {
  layerKey: string;
  experiment: ExperimentView;
  others: ExperimentView[];
  freeBuckets: BucketRange[];
  observedUsers: number;
  onSaved: (message: string) => void;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const running = experiment.status === "running";
  const usesRanges = experiment.arms.some((a) => a.ranges);
  const [coverage, setCoverage] = useState(percentText(experiment.coverage));
  const [buckets, setBuckets] = useState(formatRanges(experiment.layerBuckets));
  const [weights, setWeights] = useState(
    experiment.arms.map((a) => percentText(a.weight ?? 1 / experiment.arms.length)),
  );
  const [armRanges, setArmRanges] = useState(
    experiment.arms.map((a) => formatRanges(a.ranges as BucketRange[] | null)),
  );
  const [result, setResult] = useState<{ error?: string; fields?: Record<string, string> }>({});

  const parsedBuckets = parseRanges(buckets);
  const before = useMemo(() => placementOf(experiment), [experiment]);
  const patch = useMemo(() => {
    const p: Record<string, unknown> = {};
    if (parsedBuckets.ok && formatRanges(parsedBuckets.ranges) !== formatRanges(experiment.layerBuckets))
      p.layerBuckets = parsedBuckets.ranges;
    if (!usesRanges && fraction(coverage) !== experiment.coverage) p.coverage = fraction(coverage);
    if (!running) {
      const newArms = experiment.arms.map((a, i) => {
        const r = parseRanges(armRanges[i]);
        return {
          key: a.key,
          name: a.name,
          control: a.control,
          policyVersionId: a.policyVersionId,
          ...(usesRanges ? { ranges: r.ok ? r.ranges : [] } : { weight: fraction(weights[i]) }),
        };
      });
      const changed = newArms.some((a, i) =>
        "weight" in a
          ? a.weight !== experiment.arms[i].weight
          : formatRanges(a.ranges) !== formatRanges(experiment.arms[i].ranges as BucketRange[] | null),
      );
      if (changed) p.arms = newArms;
    }
    return p;
  }, [parsedBuckets, experiment, usesRanges, coverage, running, armRanges, weights]);

  const after: Placement = useMemo(
    () => ({
      coverage: (patch.coverage as number | undefined) ?? experiment.coverage,
      layerBuckets: parsedBuckets.ok ? parsedBuckets.ranges : experiment.layerBuckets,
      arms:
        (patch.arms as Placement["arms"] | undefined)?.map((a) => ({
          key: a.key,
          ...(a.weight !== undefined ? { weight: a.weight } : {}),
          ...(a.ranges ? { ranges: a.ranges } : {}),
        })) ?? before.arms,
    }),
    [patch, experiment, parsedBuckets, before],
  );

  const issues = useMemo(() => {
    const errs = Object.keys(patch).length
      ? (() => {
          const r = patchExperimentInput.safeParse(patch);
          return r.success ? {} : issuesByPath(r.error.issues);
        })()
      : {};
    if (!parsedBuckets.ok) errs.layerBuckets = parsedBuckets.error;
    for (const m of allocationIssues(after)) errs.arms ??= m;
    return errs;
  }, [patch, parsedBuckets, after]);

  const conflicts = parsedBuckets.ok
    ? others
        .map((o) => ({ key: o.key, overlap: intersectRanges(parsedBuckets.ranges, o.layerBuckets) }))
        .filter((c) => c.overlap.length > 0)
    : [];

  const diff = useMemo(() => {
    if (Object.keys(issues).length > 0) return null;
    try {
      return rampDiff(layerKey, experiment.hashSeed, before, after);
    } catch {
      return null;
    }
  }, [issues, layerKey, experiment.hashSeed, before, after]);

  const shares = diff ? armShares(after) : null;
  const changed = Object.keys(patch).length > 0;
  const layerUsersEstimate =
    diff && diff.stay + diff.leave + (diff.switchArms ?? 0) > 0 && observedUsers > 0
      ? observedUsers / (diff.stay + diff.leave + diff.switchArms)
      : null;

  const segments: BarSegment[] = useMemo(() => {
    const owners = [
      ...others.map((o) => ({ id: o.key, ranges: o.layerBuckets })),
      { id: experiment.key, ranges: parsedBuckets.ok ? parsedBuckets.ranges : experiment.layerBuckets },
    ];
    try {
      return segmentSpace(owners).map((s) => ({
        start: s.start,
        end: s.end,
        label:
          s.owner === null
            ? null
            : s.owner === experiment.key
              ? `${s.owner}${changed ? " (after the change)" : ""}`
              : `${s.owner} (running)`,
        color: s.owner ? colorFor(s.owner) : undefined,
        pattern: s.owner === experiment.key && changed ? "planned" : undefined,
      }));
    } catch {
      return [];
    }
  }, [others, experiment, parsedBuckets, changed]);

  const conflictSegments: BarSegment[] = conflicts.flatMap((c) =>
    c.overlap.map(([s, e]) => ({
      start: s,
      end: e,
      label: `conflict with ${c.key}`,
      color: "#c92a2a",
      pattern: "conflict" as const,
    })),
  );

  function save(e: React.FormEvent) {
    e.preventDefault();
    start(async () => {
      const res = await updateExperimentAction(experiment.id, patch);
      if (!res.ok) return setResult({ error: res.error, fields: res.fieldErrors });
      setResult({});
      onSaved(
        running
          ? `Ramp saved for ${experiment.key}: coverage ${pct(res.data.coverage, 1)}, ` +
              `layer buckets ${formatRanges(res.data.layerBuckets)}. Users entered or left; none switched arms.`
          : `Allocation of ${experiment.key} saved.`,
      );
      router.refresh();
    });
  }

  const err = (p: string) => result.fields?.[p] ?? issues[p] ?? null;
  const blocked = !changed || Object.keys(issues).length > 0 || conflicts.length > 0 || (diff !== null && !diff.safe);

  return (
    <form className="form" aria-label={running ? "Ramp experiment" : "Allocate experiment"} onSubmit={save} noValidate>
      <FormErrors message={result.error} />
      <p className="muted small">
        {running
          ? "Running: change coverage or layer buckets. Users may enter or leave; nobody moves from one arm to another."
          : "Draft: set its layer buckets and split. Buckets must be free of running experiments when it starts."}
      </p>
      <div className="grid-form">
        <Field
          label="Layer buckets"
          error={err("layerBuckets")}
          hint={
            parsedBuckets.ok
              ? `${pct(rangesTotal(parsedBuckets.ranges) / 10000, 1)} of the layer · ` +
                `free: ${formatRanges(freeBuckets) || "none"}`
              : undefined
          }
        >
          {(p) => <input {...p} value={buckets} onChange={(e) => setBuckets(e.target.value)} autoComplete="off" />}
        </Field>
        {!usesRanges && (
          <NumberField
            label="Coverage (%)"
            kind="percent"
            error={err("coverage")}
            hint={`Now ${pct(experiment.coverage, 1)}.`}
            value={coverage}
            onChange={setCoverage}
          />
        )}
        {!running &&
          experiment.arms.map((a, i) =>
            usesRanges ? (
              <Field key={a.key} label={`${a.key} hash ranges`} error={err(`arms.${i}.ranges`)}>
                {(p) => (
                  <input
                    {...p}
                    value={armRanges[i]}
                    onChange={(e) => setArmRanges((r) => r.map((x, j) => (j === i ? e.target.value : x)))}
                  />
                )}
              </Field>
            ) : (
              <NumberField
                key={a.key}
                label={`${a.key} weight (%)`}
                kind="percent"
                error={err(`arms.${i}.weight`)}
                value={weights[i]}
                onChange={(text) => setWeights((w) => w.map((x, j) => (j === i ? text : x)))}
              />
            ),
          )}
      </div>
      {err("arms") && <p className="error small">{err("arms")}</p>}
      <div className="row">
        <button
          type="button"
          className="small"
          onClick={() => setBuckets(formatRanges(normalizeRanges([...experiment.layerBuckets, ...freeBuckets])))}
          disabled={freeBuckets.length === 0}
        >
          Add all free buckets
        </button>
        {!usesRanges &&
          [0.1, 0.25, 0.5, 1].map((c) => (
            <button key={c} type="button" className="small" onClick={() => setCoverage(String(c * 100))}>
              Coverage {c * 100}%
            </button>
          ))}
      </div>
      <BucketBar
        segments={[
          ...segments.filter(
            (s) => !conflictSegments.some((c) => c.start < s.end && c.end > s.start && s.label === experiment.key),
          ),
          ...conflictSegments,
        ].sort((a, b) => a.start - b.start)}
        label={`Layer ${layerKey} after this change`}
      />
      {conflicts.length > 0 && (
        <p className="error" role="alert">
          Conflict:{" "}
          {conflicts
            .map((c) => `buckets ${formatRanges(c.overlap)} belong to running experiment "${c.key}"`)
            .join("; ")}
          .
        </p>
      )}

      <section className="preview" aria-label="Ramp preview" aria-live="polite">
        <h3>Preview</h3>
        {!changed ? (
          <p className="muted">Change the buckets, coverage or split to see who enters and who leaves.</p>
        ) : !diff ? (
          <p className="muted">Fix the fields above to see the preview.</p>
        ) : (
          <>
            <div className="stats small-stats">
              <div className="stat">
                <span className="stat-value ok">{diff.enter > 0 ? `+${pct(diff.enter, 2)}` : "0%"}</span>
                <span className="muted">
                  of the layer&apos;s users enter
                  {layerUsersEstimate ? ` (≈ ${int(layerUsersEstimate * diff.enter)} users)` : ""}
                </span>
              </div>
              <div className="stat">
                <span className="stat-value warn">{diff.leave > 0 ? `−${pct(diff.leave, 2)}` : "0%"}</span>
                <span className="muted">
                  leave{layerUsersEstimate ? ` (≈ ${int(layerUsersEstimate * diff.leave)} users)` : ""}
                </span>
              </div>
              <div className="stat">
                <span className="stat-value">{pct(diff.stay, 2)}</span>
                <span className="muted">stay in their arm</span>
              </div>
              <div className="stat" data-testid="switch-arms">
                <span className={`stat-value ${diff.safe ? "ok" : "error"}`}>
                  {diff.safe ? "none" : pct(diff.switchArms, 2)}
                </span>
                <span className="muted">switch arms</span>
              </div>
            </div>
            {running && !diff.safe && (
              <p className="error" role="alert">
                This change would move {pct(diff.switchArms, 2)} of users from one arm to another, which would spoil the
                comparison. Ramp by coverage or by adding layer buckets instead.
              </p>
            )}
            {!running && (
              <p className="muted small">
                A draft has no users yet; the figures show how its traffic would change against the saved allocation.
              </p>
            )}
            <DataTable label="Per-arm change" data={diff.arms} columns={armColumns} empty={<p>No arms.</p>} />
            {shares && (
              <p className="muted small">
                Split of the experiment&apos;s hash space after:{" "}
                {after.arms.map((a, i) => `${a.key} ${pct(shares[i], 1)}`).join(" · ")}
              </p>
            )}
          </>
        )}
      </section>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending || blocked}>
          {pending ? "Saving…" : running ? "Save ramp" : "Save allocation"}
        </button>
      </div>
    </form>
  );
}
