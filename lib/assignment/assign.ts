/**
 * Two-level, stateless assignment (docs/architecture.md §4): the layer hash picks at most one experiment of the
 * layer (the one whose layer buckets hold the user's bucket), then the experiment hash picks the
 * arm. Layers and experiments are compiled once into lookup tables so that serving costs two
 * hashes and two array reads per user.
 */
import { layerBucket, hashLevel } from "@/lib/assignment/hash";
import { BUCKET_COUNT, type BucketRange, containsBucket, findOverlaps, rangeIssues } from "@/lib/assignment/buckets";
import { type Allocation, armLookupTable } from "@/lib/assignment/allocation";

/** An experiment's allocation together with its share of the layer. */
export interface Placement extends Allocation {
  /** The experiment's buckets of its layer. */
  layerBuckets: readonly BucketRange[];
}

export interface ExperimentPlacement extends Placement {
  /** Identifies the experiment in results (its key or id). */
  key: string;
  /** Experiment hash seed: the experiment key unless set. */
  seed: string;
}

export interface LayerPlacement {
  seed: string;
  /** The experiments that currently serve traffic (running ones); their layer buckets must be disjoint. */
  experiments: readonly ExperimentPlacement[];
}

/** `experiment` and `arm` are both set (the user is in that experiment) or both null. */
export interface Assignment {
  experiment: string | null;
  arm: string | null;
  /** The user's bucket in the layer, in [0, 10000). */
  bucket: number;
}

export interface CompiledExperiment {
  key: string;
  seed: string;
  armKeys: readonly string[];
  /** Arm index per experiment hash level, -1 = not in the experiment. */
  armTable: Int16Array;
}

function requireUserId(userId: string): void {
  // GrowthBook skips users without a hash attribute; an empty id is a caller bug here.
  if (userId.length === 0) throw new RangeError("userId must be a non-empty string");
}

export function compileExperiment(experiment: ExperimentPlacement): CompiledExperiment {
  return {
    key: experiment.key,
    seed: experiment.seed,
    armKeys: experiment.arms.map((a) => a.key),
    armTable: armLookupTable(experiment),
  };
}

/** The arm key of a user who is in the experiment's layer buckets, or null (not covered). */
export function armOf(compiled: CompiledExperiment, userId: string): string | null {
  requireUserId(userId);
  const arm = compiled.armTable[hashLevel(compiled.seed, userId)];
  return arm < 0 ? null : compiled.armKeys[arm];
}

/**
 * Compiles a layer for serving: validates that every experiment's layer buckets are valid and that
 * experiments are disjoint, then returns the assignment function.
 */
export function compileLayer(layer: LayerPlacement): (userId: string) => Assignment {
  const issues = layer.experiments.flatMap((e) =>
    rangeIssues(e.layerBuckets).map((m) => `experiment "${e.key}": ${m}`),
  );
  for (const o of findOverlaps(layer.experiments.map((e) => ({ id: e.key, ranges: e.layerBuckets })))) {
    issues.push(`experiments "${o.a}" and "${o.b}" share layer buckets`);
  }
  if (issues.length > 0) throw new Error(`invalid layer "${layer.seed}": ${issues.join("; ")}`);

  const compiled = layer.experiments.map(compileExperiment);
  const owner = new Int16Array(BUCKET_COUNT).fill(-1);
  layer.experiments.forEach((e, i) => {
    for (const [s, end] of e.layerBuckets) owner.fill(i, s, end);
  });
  return (userId) => {
    requireUserId(userId);
    const bucket = layerBucket(layer.seed, userId);
    const index = owner[bucket];
    const arm = index < 0 ? null : armOf(compiled[index], userId);
    // Inside the experiment's layer buckets but outside its coverage counts as not in it.
    return arm === null ? { experiment: null, arm: null, bucket } : { experiment: compiled[index].key, arm, bucket };
  };
}

/**
 * One experiment's view of a user (GET /experiments/{id}/assignment): in it only if in its layer buckets and an arm.
 */
export function assignInExperiment(
  layerSeed: string,
  experiment: ExperimentPlacement,
  userId: string,
): { inExperiment: boolean; arm: string | null; bucket: number } {
  requireUserId(userId);
  const bucket = layerBucket(layerSeed, userId);
  const arm = containsBucket(experiment.layerBuckets, bucket) ? armOf(compileExperiment(experiment), userId) : null;
  return { inExperiment: arm !== null, arm, bucket };
}
