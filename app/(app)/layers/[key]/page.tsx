import Link from "next/link";
import { notFound } from "next/navigation";
import { AllocationEditor } from "@/components/allocation-editor";
import { StatusBadge } from "@/components/badges";
import { BucketBar, colorFor, PALETTE } from "@/components/bucket-bar";
import { freeRanges, intersectRanges, rangesSize, segmentSpace, type BucketRange } from "@/lib/assignment";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { db } from "@/lib/db/client";
import { layerExperiments, safeReport } from "@/lib/ui/experiment-queries";
import { pct } from "@/lib/ui/format";
import { formatRanges } from "@/lib/ui/ranges";

export const metadata = { title: "Layer traffic" };

export default async function LayerPage({
  params,
  searchParams,
}: {
  params: Promise<{ key: string }>;
  searchParams: Promise<{ experiment?: string }>;
}) {
  const user = await requirePageUser();
  const [{ key }, { experiment: initialExperiment }] = await Promise.all([params, searchParams]);
  const layer = await db.layer.findUnique({ where: { key: decodeURIComponent(key) } });
  if (!layer) notFound();
  const experiments = await layerExperiments(layer.id);
  const running = experiments.filter((e) => e.status === "running");
  const drafts = experiments.filter((e) => e.status === "draft");
  const free = freeRanges(running.map((e) => ({ id: e.key, ranges: e.layerBuckets })));
  const color = colorFor;
  const reports = await Promise.all(
    running.map(async (e) => [e.id, (await safeReport(e.id))?.arms.reduce((s, a) => s + a.users, 0) ?? 0] as const),
  );
  const canEdit = roleAtLeast(user.role, "editor");

  return (
    <>
      <div className="page-head">
        <p className="muted small">
          <Link href="/layers">Layers</Link> /
        </p>
        <h1>Layer {layer.name}</h1>
        <p className="muted">
          <code>{layer.key}</code> · priority {layer.priority} · {pct(rangesSize(free) / 10000, 1)} free
          {layer.description ? ` · ${layer.description}` : ""}
        </p>
      </div>

      <section className="card" aria-labelledby="buckets-h">
        <div className="section-head">
          <h2 id="buckets-h">Who owns which buckets</h2>
          {canEdit && (
            <Link className="button" href={`/experiments/new?layer=${layer.key}`}>
              New experiment in this layer
            </Link>
          )}
        </div>
        <p className="muted small">
          Running experiments (solid) and free buckets. A user&apos;s bucket is hash(layer key, user id) × 10,000.
        </p>
        <BucketBar
          label={`Layer ${layer.key}`}
          segments={segmentSpace(running.map((e) => ({ id: e.key, ranges: e.layerBuckets }))).map((s) => ({
            start: s.start,
            end: s.end,
            label: s.owner,
            color: s.owner ? color(s.owner) : undefined,
          }))}
        />
        {drafts.length > 0 && (
          <>
            <h3>Planned by drafts</h3>
            {drafts.map((d) => {
              const clash = running.flatMap((r) =>
                intersectRanges(d.layerBuckets, r.layerBuckets).map((x) => ({ key: r.key, range: x })),
              );
              return (
                <div key={d.id} className="draft-plan">
                  <p className="small">
                    <Link href={`/experiments/${d.id}`}>{d.key}</Link> <StatusBadge status="draft" /> buckets{" "}
                    {formatRanges(d.layerBuckets)}
                    {clash.length > 0 && (
                      <span className="error">
                        {" "}
                        — conflicts with running {[...new Set(clash.map((c) => c.key))].join(", ")} on{" "}
                        {formatRanges(clash.map((c) => c.range))}; it cannot start until they are free
                      </span>
                    )}
                  </p>
                  <BucketBar
                    label={`Draft ${d.key}`}
                    legend={false}
                    segments={segmentSpace([{ id: d.key, ranges: d.layerBuckets }]).map((s) => ({
                      start: s.start,
                      end: s.end,
                      label: s.owner,
                      color: color(d.key),
                      pattern: s.owner ? "planned" : undefined,
                    }))}
                  />
                </div>
              );
            })}
          </>
        )}
        {running.length > 0 && <h3>Arms inside each running experiment</h3>}
        {running.map((e) => (
          <div key={e.id} className="arm-split">
            <p className="small">
              <Link href={`/experiments/${e.id}`}>{e.key}</Link>: its users are split among arms by the experiment hash
              (10,000 slots; arms own hash ranges of it) · coverage {pct(e.coverage, 1)}
            </p>
            <BucketBar
              label={`Arms of ${e.key}`}
              freeLabel="not in the experiment"
              segments={segmentSpace(
                e.arms.map((a) => ({
                  id: `${a.key}${a.control ? " (control)" : ""}`,
                  ranges: a.hashRanges as BucketRange[],
                })),
              ).map((s, _i, all) => ({
                start: s.start,
                end: s.end,
                label: s.owner ? s.owner : null,
                color: s.owner
                  ? PALETTE[
                      ([...new Set(all.map((x) => x.owner).filter(Boolean))].indexOf(s.owner) + 1) % PALETTE.length
                    ]
                  : undefined,
              }))}
            />
          </div>
        ))}
        {experiments.length === 0 && (
          <p className="empty">
            No experiment uses this layer yet.{" "}
            {canEdit ? (
              <Link href={`/experiments/new?layer=${layer.key}`}>Create one</Link>
            ) : (
              "An editor can create one."
            )}
          </p>
        )}
      </section>

      {canEdit && experiments.length > 0 && (
        <section className="card" aria-labelledby="alloc-h">
          <h2 id="alloc-h">Allocate and ramp</h2>
          <AllocationEditor
            layerKey={layer.key}
            experiments={experiments}
            freeBuckets={free}
            observedUsers={Object.fromEntries(reports)}
            initialExperiment={initialExperiment}
          />
        </section>
      )}
    </>
  );
}
