import { compileLayer, type Assignment } from "@/lib/assignment";
import { db } from "@/lib/db/client";
import { toPlacement } from "@/lib/experiments/placement";
import { servingPolicy } from "@/lib/serving/policy-cache";

/**
 * What the rank path needs to know about traffic, compiled into lookup tables: layers in priority
 * order with their running experiments, and which policy version serves each arm. Every process
 * keeps a snapshot; a cheap fingerprint query (at most once per REFRESH_MS) tells when to rebuild,
 * and requests keep using the old snapshot while the new one loads.
 */
const REFRESH_MS = 1_000;

export interface ServedArm {
  experimentId: string;
  experimentKey: string;
  armKey: string;
  policyVersionId: string | null;
  /** Interleaving experiments: every arm (a team) with its policy, in arm order; absent for A/B. */
  teams?: ServingTeam[];
}

export interface ServingTeam {
  armKey: string;
  policyVersionId: string | null;
}

export interface ServingSnapshot {
  fingerprint: string;
  /** Layers by priority; the first one that assigns the user serves the request. */
  layers: { key: string; assign: (userId: string) => Assignment }[];
  arms: Map<string, ServedArm>; // `${experimentKey}/${armKey}`
}

async function fingerprint(): Promise<string> {
  const [row] = await db.$queryRaw<{ f: string }[]>`
    SELECT concat_ws('|',
      (SELECT count(*) FROM "Layer"), (SELECT max("updatedAt") FROM "Layer"),
      (SELECT count(*) FROM "Experiment" WHERE status = 'running'),
      (SELECT max("updatedAt") FROM "Experiment")) AS f`;
  return row.f;
}

async function build(fp: string): Promise<ServingSnapshot> {
  const layers = await db.layer.findMany({
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
    include: { experiments: { where: { status: "running" }, include: { arms: true } } },
  });
  const arms = new Map<string, ServedArm>();
  for (const l of layers) {
    for (const e of l.experiments) {
      // An arm the guardrail job stopped keeps its users (decisions still name it) but serves the control's policy.
      const control = e.arms.find((a) => a.isControl);
      const served = (a: (typeof e.arms)[number]) =>
        a.stoppedAt ? (control?.policyVersionId ?? null) : a.policyVersionId;
      const teams =
        e.type === "interleaving"
          ? [...e.arms]
              .sort((a, b) => a.position - b.position)
              .map((a) => ({ armKey: a.key, policyVersionId: served(a) }))
          : undefined;
      for (const a of e.arms)
        arms.set(`${e.key}/${a.key}`, {
          experimentId: e.id,
          experimentKey: e.key,
          armKey: a.key,
          policyVersionId: served(a),
          ...(teams ? { teams } : {}),
        });
    }
  }
  return {
    fingerprint: fp,
    layers: layers.map((l) => ({
      key: l.key,
      assign: compileLayer({ seed: l.key, experiments: l.experiments.map(toPlacement) }),
    })),
    arms,
  };
}

const state = globalThis as unknown as {
  fusionlabServing?: { snapshot: ServingSnapshot | null; checkedAt: number; refreshing: Promise<void> | null };
};
const cache = (state.fusionlabServing ??= { snapshot: null, checkedAt: 0, refreshing: null });

async function refresh(): Promise<void> {
  const fp = await fingerprint();
  if (cache.snapshot?.fingerprint !== fp) {
    const snapshot = await build(fp);
    // Load the arms' policy versions before the new snapshot serves, so no request waits for them.
    await Promise.all(
      [...new Set([...snapshot.arms.values()].map((a) => a.policyVersionId).filter((id): id is string => !!id))].map(
        (id) => servingPolicy(id).catch(() => undefined),
      ),
    );
    cache.snapshot = snapshot;
  }
  cache.checkedAt = Date.now();
}

export async function servingSnapshot(): Promise<ServingSnapshot> {
  const stale = Date.now() - cache.checkedAt > REFRESH_MS;
  if (stale && !cache.refreshing) {
    cache.refreshing = refresh()
      .catch((err: unknown) => {
        // With a snapshot in hand, keep serving it and retry on a later request.
        if (!cache.snapshot) throw err;
        console.error("serving config refresh failed:", err);
      })
      .finally(() => {
        cache.refreshing = null;
      });
  }
  // Only the very first request waits; later ones are served from the previous snapshot.
  if (!cache.snapshot) await cache.refreshing;
  return cache.snapshot!;
}

/** The experiment arm that serves this user, or null (the default policy serves them). */
export function resolveArm(
  snapshot: ServingSnapshot,
  userId: string,
): (ServedArm & { layer: string; bucket: number }) | null {
  for (const layer of snapshot.layers) {
    const a = layer.assign(userId);
    if (a.experiment && a.arm) {
      const arm = snapshot.arms.get(`${a.experiment}/${a.arm}`);
      if (arm) return { ...arm, layer: layer.key, bucket: a.bucket };
    }
  }
  return null;
}
