import { db } from "@/lib/db/client";
import { parseSavedPolicy, type SavedPolicy } from "@/lib/rl/saved";

/** A version's saved document (lib/rl format), stored as UTF-8 JSON in PolicyVersion.weights. */
export async function savedPolicyOf(
  versionId: string,
): Promise<{ saved: SavedPolicy; key: string; version: number; type: string }> {
  const v = await db.policyVersion.findUnique({ where: { id: versionId }, include: { policy: true } });
  if (!v) throw new Error(`no policy version ${versionId}`);
  if (!v.weights) throw new Error(`policy version ${versionId} has no saved weights`);
  return {
    saved: parseSavedPolicy(Buffer.from(v.weights).toString("utf8")),
    key: v.policy.key,
    version: v.version,
    type: v.policy.type,
  };
}
