import { colorFor } from "@/components/bucket-bar";
import { CreateLayerForm, LayersTable } from "@/components/layers";
import { segmentSpace } from "@/lib/assignment";
import { requirePageUser } from "@/lib/auth/session";
import { roleAtLeast } from "@/lib/auth/roles";
import { listLayers } from "@/lib/experiments/layers";

export const metadata = { title: "Layers" };

export default async function LayersPage() {
  const user = await requirePageUser();
  const layers = await listLayers();
  return (
    <>
      <div className="page-head">
        <h1>Layers</h1>
        <p className="muted">
          Each layer splits users into 10,000 buckets by a hash of its key. Running experiments in a layer own disjoint
          bucket ranges; different layers are independent.
        </p>
      </div>
      <section className="card">
        <LayersTable
          layers={layers.map((l) => {
            const running = l.allocations.filter((a) => a.status === "running");
            return {
              key: l.key,
              name: l.name,
              description: l.description,
              priority: l.priority,
              running: running.map((a) => a.experiment),
              drafts: l.allocations.filter((a) => a.status === "draft").map((a) => a.experiment),
              free: l.freeBucketCount,
              segments: segmentSpace(running.map((a) => ({ id: a.experiment, ranges: a.layerBuckets }))).map((s) => ({
                start: s.start,
                end: s.end,
                label: s.owner,
                color: s.owner ? colorFor(s.owner) : undefined,
              })),
            };
          })}
        />
      </section>
      {roleAtLeast(user.role, "editor") && (
        <section className="card">
          <h2>Create a layer</h2>
          <CreateLayerForm />
        </section>
      )}
    </>
  );
}
