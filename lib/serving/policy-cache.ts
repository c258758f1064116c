import { db } from "@/lib/db/client";
import { NUM_TASKS } from "@/lib/fusion";
import { processMetrics } from "@/lib/monitoring/process-metrics";
import { AppError } from "@/lib/errors";
import { rlServingPolicy } from "@/lib/serving/rl-serving-policy";
import {
  BUILTIN_DEFAULT_POLICY,
  fixedPolicyConfig,
  fixedServingPolicy,
  type ServingPolicy,
} from "@/lib/serving/serving-policy";

/**
 * Policy versions are immutable once ready, so each process loads a version once and keeps it
 * (bounded). The default policy (latest ready version of the `default-fixed` policy) is re-resolved
 * every DEFAULT_TTL_MS, in the background, so publishing a new default never blocks a request.
 */
export const DEFAULT_POLICY_KEY = "default-fixed";
const MAX_VERSIONS = 64;
const DEFAULT_TTL_MS = 5_000;

const shared = globalThis as unknown as {
  fusionlabPolicies?: {
    versions: Map<string, Promise<ServingPolicy>>;
    defaultPolicy: ServingPolicy | null;
    defaultAt: number;
    defaultLoading: Promise<void> | null;
  };
};
const cache = (shared.fusionlabPolicies ??= {
  versions: new Map(),
  defaultPolicy: null,
  defaultAt: 0,
  defaultLoading: null,
});

/**
 * A few neutral 200-candidate requests through a freshly loaded policy, so that TensorFlow.js's
 * kernels and the JIT are warm before the policy serves (the first calls are many times slower).
 */
async function warm(policy: ServingPolicy): Promise<ServingPolicy> {
  const n = 200;
  const request = {
    n,
    predictions: new Float32Array(n * NUM_TASKS).fill(0.1),
    userFeatures: {},
    itemFeatures: { names: [], values: new Float32Array(0) },
    context: {},
  };
  for (let i = 0; i < 5; i++) await policy.score(request);
  return policy;
}

async function load(versionId: string): Promise<ServingPolicy> {
  const v = await db.policyVersion.findUnique({ where: { id: versionId }, include: { policy: true } });
  if (!v || v.status !== "ready") throw new AppError("internal", `policy version ${versionId} is not servable`);
  const label = `${v.policy.key}@${v.version}`;
  switch (v.policy.type) {
    case "fixed":
      return fixedServingPolicy(v.id, label, fixedPolicyConfig.parse(v.config).action);
    case "user_state":
    case "enhanced_state":
      return warm(await rlServingPolicy(v.id));
  }
}

export function servingPolicy(versionId: string): Promise<ServingPolicy> {
  let p = cache.versions.get(versionId);
  processMetrics.policyCache.inc({ outcome: p ? "hit" : "miss" });
  if (!p) {
    if (cache.versions.size >= MAX_VERSIONS) cache.versions.delete(cache.versions.keys().next().value!);
    p = load(versionId);
    // A failed load is retried by the next request instead of being cached.
    p.catch(() => cache.versions.delete(versionId));
    cache.versions.set(versionId, p);
  }
  return p;
}

async function refreshDefault(): Promise<void> {
  const v = await db.policyVersion.findFirst({
    where: { status: "ready", policy: { key: DEFAULT_POLICY_KEY } },
    orderBy: { version: "desc" },
    select: { id: true },
  });
  cache.defaultPolicy = v ? await servingPolicy(v.id) : BUILTIN_DEFAULT_POLICY;
  cache.defaultAt = Date.now();
}

export async function defaultServingPolicy(): Promise<ServingPolicy> {
  if (Date.now() - cache.defaultAt > DEFAULT_TTL_MS && !cache.defaultLoading) {
    cache.defaultLoading = refreshDefault()
      .catch((err: unknown) => {
        if (!cache.defaultPolicy) throw err;
        console.error("default policy refresh failed:", err);
      })
      .finally(() => {
        cache.defaultLoading = null;
      });
  }
  if (!cache.defaultPolicy) await cache.defaultLoading;
  return cache.defaultPolicy!;
}
