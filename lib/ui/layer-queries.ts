import type { BucketRange } from "@/lib/assignment";
import { listLayers } from "@/lib/experiments/layers";

/** Layers as the experiment form needs them: free buckets and the running experiments' buckets. */
export async function layerOptions() {
  const layers = await listLayers();
  return layers.map((l) => ({
    key: l.key,
    name: l.name,
    freeBuckets: l.freeBuckets as BucketRange[],
    running: l.allocations
      .filter((a) => a.status === "running")
      .map((a) => ({ id: a.experimentId, key: a.experiment, layerBuckets: a.layerBuckets })),
  }));
}
