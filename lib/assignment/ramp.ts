/**
 * Ramp preview: what a change of an experiment's allocation (coverage, weights, explicit ranges,
 * layer buckets) does to its users, computed exactly over the hash space rather than by sampling
 * users. Users are described as fractions of the layer's traffic.
 */
import { BUCKET_COUNT, type BucketRange } from "@/lib/assignment/buckets";
import { type Allocation, armLookupTable } from "@/lib/assignment/allocation";
import type { Placement } from "@/lib/assignment/assign";

export interface ArmRampDiff {
  key: string;
  /** Fraction of the layer's users in this arm before / after the change. */
  before: number;
  after: number;
  /** Fraction that joins this arm / that leaves it (to no arm or, if unsafe, to another arm). */
  enter: number;
  leave: number;
}

export interface RampDiff {
  /** Fractions of the layer's users: in the same arm before and after, newly in, newly out, moved between arms. */
  stay: number;
  enter: number;
  leave: number;
  switchArms: number;
  /** True when no user moves from one arm to another. */
  safe: boolean;
  arms: ArmRampDiff[];
}

/** Per-level state code: 0 = not in the experiment, i + 1 = arm i of `keys`. */
function armStates(allocation: Allocation, keys: readonly string[]): Uint8Array {
  const table = armLookupTable(allocation);
  const codes = allocation.arms.map((a) => keys.indexOf(a.key) + 1);
  return Uint8Array.from(table, (arm) => (arm < 0 ? 0 : codes[arm]));
}

function layerMembership(ranges: readonly BucketRange[]): Uint8Array {
  const inside = new Uint8Array(BUCKET_COUNT);
  for (const [s, e] of ranges) inside.fill(1, s, e);
  return inside;
}

/**
 * Transition fractions between before and after (arms matched by key). The layer bucket and the
 * experiment hash come from different seeds, so their joint law is the product of the two uniform
 * marginals; with the same seed they are the same number, and only the diagonal counts.
 */
export function rampDiff(layerSeed: string, experimentSeed: string, before: Placement, after: Placement): RampDiff {
  const keys = [...new Set([...before.arms, ...after.arms].map((a) => a.key))];
  const states = keys.length + 1;
  const armB = armStates(before, keys);
  const armA = armStates(after, keys);
  const inB = layerMembership(before.layerBuckets);
  const inA = layerMembership(after.layerBuckets);

  // flow[s * states + t]: fraction of users going from state s to state t.
  const flow = new Float64Array(states * states);
  if (layerSeed === experimentSeed) {
    for (let k = 0; k < BUCKET_COUNT; k++) {
      flow[(inB[k] ? armB[k] : 0) * states + (inA[k] ? armA[k] : 0)] += 1 / BUCKET_COUNT;
    }
  } else {
    const layerPairs = new Float64Array(4);
    const armPairs = new Float64Array(states * states);
    for (let k = 0; k < BUCKET_COUNT; k++) {
      layerPairs[inB[k] * 2 + inA[k]] += 1 / BUCKET_COUNT;
      armPairs[armB[k] * states + armA[k]] += 1 / BUCKET_COUNT;
    }
    for (let l = 0; l < 4; l++) {
      const [wasIn, isIn] = [l >> 1, l & 1];
      for (let s = 0; s < states; s++) {
        for (let t = 0; t < states; t++) {
          flow[(wasIn ? s : 0) * states + (isIn ? t : 0)] += layerPairs[l] * armPairs[s * states + t];
        }
      }
    }
  }

  let stay = 0;
  let enter = 0;
  let leave = 0;
  let switchArms = 0;
  const arms = keys.map((key) => ({ key, before: 0, after: 0, enter: 0, leave: 0 }));
  for (let s = 0; s < states; s++) {
    for (let t = 0; t < states; t++) {
      const f = flow[s * states + t];
      if (s > 0) arms[s - 1].before += f;
      if (t > 0) arms[t - 1].after += f;
      if (s === t) {
        if (s > 0) stay += f;
        continue;
      }
      if (s > 0) arms[s - 1].leave += f;
      if (t > 0) arms[t - 1].enter += f;
      if (s === 0) enter += f;
      else if (t === 0) leave += f;
      else switchArms += f;
    }
  }
  return { stay, enter, leave, switchArms, safe: switchArms === 0, arms };
}
