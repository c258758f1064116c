import { z } from "zod";
import { ACTION_DIM, DEFAULT_ACTION_BOUNDS, scoreCandidates } from "@/lib/fusion";
import type { ItemFeatureTable } from "@/lib/serving/rank-request";

/** One rank request as a policy sees it: n candidates' predicted scores (n × K) and raw features. */
export interface ServingRequest {
  n: number;
  predictions: Float32Array;
  userFeatures: Record<string, number>;
  itemFeatures: ItemFeatureTable;
  context: Record<string, string | number | boolean>;
}

export interface ServingResult {
  scores: Float64Array;
  /** One action for the request (2K) or one per candidate (n × 2K). */
  actions: Float64Array;
  perCandidate: boolean;
}

export interface ServingPolicy {
  /** Null for the built-in default. */
  versionId: string | null;
  label: string;
  score(req: ServingRequest): ServingResult | Promise<ServingResult>;
}

export const fixedPolicyConfig = z.object({ action: z.array(z.number().positive()).length(ACTION_DIM) });

/** A fixed fusion policy: the same action (weights and biases) for every request and candidate. */
export function fixedServingPolicy(versionId: string | null, label: string, action: ArrayLike<number>): ServingPolicy {
  const a = Float64Array.from(action);
  return {
    versionId,
    label,
    score: (req) => ({ scores: scoreCandidates(req.predictions, req.n, a), actions: a, perCandidate: false }),
  };
}

/** The built-in fallback when no default-fixed policy version is registered: the centre of the action box. */
export const BUILTIN_DEFAULT_POLICY = fixedServingPolicy(
  null,
  "built-in default (action box centre)",
  DEFAULT_ACTION_BOUNDS.centre,
);
