import { randomUUID } from "node:crypto";
import { decisionWriter } from "@/lib/serving/decision-writer";
import { defaultServingPolicy, servingPolicy } from "@/lib/serving/policy-cache";
import { rankInterleaved } from "@/lib/serving/rank-interleaved";
import { segmentKeys } from "@/lib/serving/segment-keys";
import { readRankRequest } from "@/lib/serving/read-rank-request";
import { byScore, servingRequest, shownItems, UNBOUNDED_SHOWN } from "@/lib/serving/serving-request";
import { resolveArm, servingSnapshot } from "@/lib/serving/serving-config";

/**
 * POST /api/v1/rank: find the user's arm (first layer by priority that assigns them), score every
 * candidate with that arm's policy (or the default policy), return the candidates by score, and
 * record the decision — committed before the answer goes out.
 */
export async function rank(raw: unknown) {
  const body = readRankRequest(raw);
  const n = body.itemIds.length;

  const snapshot = await servingSnapshot();
  const arm = resolveArm(snapshot, body.userId);
  // Interleaving experiments rank by team draft over every arm's policy (a branch no other request takes).
  if (arm?.teams) return rankInterleaved(body, arm, arm.teams);
  const policy = arm?.policyVersionId ? await servingPolicy(arm.policyVersionId) : await defaultServingPolicy();

  const result = await policy.score(servingRequest(body));

  const top = byScore(result.scores, body.k ?? n);
  const decisionId = randomUUID();
  await decisionWriter.write({
    id: decisionId,
    userId: body.userId,
    requestId: body.requestId ?? null,
    sessionId: body.context?.sessionId ?? null,
    experimentId: arm?.experimentId ?? null,
    armKey: arm?.armKey ?? null,
    policyVersionId: policy.versionId,
    candidateCount: n,
    ...(arm ? segmentKeys(body.user?.features, body.context) : { activity: null, platform: null }),
    shown: shownItems(body.itemIds, body.k ? top : top.slice(0, UNBOUNDED_SHOWN), result),
  });
  return {
    decisionId,
    experiment: arm?.experimentKey ?? null,
    arm: arm?.armKey ?? null,
    policyVersion: policy.versionId,
    items: top.map((j) => ({ itemId: body.itemIds[j], score: result.scores[j] })),
  };
}
