import { loadPolicy, type LoadedPolicy } from "@/lib/rl/saved";
import { savedPolicyOf } from "@/lib/policies/load-saved-policy";
import { loadTf } from "@/lib/tf/backend";

/** A stored version as a simulator/serving Policy (TF.js loaded only when the version is an RL one). */
export async function loadVersionPolicy(versionId: string): Promise<LoadedPolicy & { label: string }> {
  const { saved, key, version } = await savedPolicyOf(versionId);
  const label = `${key}@${version}`;
  const tf = saved.type === "fixed" ? (undefined as never) : (await loadTf()).tf;
  return { ...loadPolicy(tf, saved, label), label };
}
