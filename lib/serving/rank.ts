import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/errors";
import { decisionWriter } from "@/lib/serving/decision-writer";
import { defaultServingPolicy, servingPolicy } from "@/lib/serving/policy-cache";
import { rankInterleaved } from "@/lib/serving/rank-interleaved";
import { segmentKeys } from "@/lib/serving/segment-keys";
import { isValidRankBody, MAX_CANDIDATES, rankBody } from "@/lib/serving/rank-input";
import { byScore, servingRequest, shownItems, UNBOUNDED_SHOWN } from "@/lib/serving/serving-request";
import { resolveArm, servingSnapshot } from "@/lib/serving/serving-config";
import { parseInput } from "@/lib/validation";

/**
 * POST /api/v1/rank: find the user's arm (first layer by priority that assigns them), score every
 * candidate with that arm's policy (or the default policy), return the candidates by score, and
 * record the decision — committed before the answer goes out.
 */
export async function rank(raw: unknown) {
  // Counted before full validation so a huge body is refused cheaply and with the right status.
  const count = (raw as { candidates?: unknown[] } | null)?.candidates?.length ?? 0;
  if (count > MAX_CANDIDATES)
    throw new AppError("payload_too_large", `at most ${MAX_CANDIDATES} candidates per request (got ${count})`, [
      { path: "candidates", message: "too many" },
    ]);
  const body = isValidRankBody(raw) ? raw : parseInput(rankBody, raw, "rank request");
  const n = body.candidates.length;
  const seen = new Set<string>();
  for (const [i, c] of body.candidates.entries()) {
    if (seen.has(c.itemId))
      throw new AppError("bad_request", `candidates.${i}.itemId: "${c.itemId}" appears twice`, [
        { path: `candidates.${i}.itemId`, message: "duplicate item" },
      ]);
    seen.add(c.itemId);
  }

  const snapshot = await servingSnapshot();
  const arm = resolveArm(snapshot, body.userId);
  // Interleaving experiments rank by team draft over every arm's policy (a branch no other request takes).
  if (arm?.teams) return rankInterleaved(body, arm, arm.teams);
  const policy = arm?.policyVersionId ? await servingPolicy(arm.policyVersionId) : await defaultServingPolicy();

  const result = await policy.score(servingRequest(body));

  const top = byScore(result.scores).slice(0, body.k ?? n);
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
    shown: shownItems(body.candidates, body.k ? top : top.slice(0, UNBOUNDED_SHOWN), result),
  });
  return {
    decisionId,
    experiment: arm?.experimentKey ?? null,
    arm: arm?.armKey ?? null,
    policyVersion: policy.versionId,
    items: top.map((j) => ({ itemId: body.candidates[j].itemId, score: result.scores[j] })),
  };
}
