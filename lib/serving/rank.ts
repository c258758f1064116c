import { randomUUID } from "node:crypto";
import { NUM_TASKS, SCORE_NAMES } from "@/lib/fusion";
import { AppError } from "@/lib/errors";
import { decisionWriter } from "@/lib/serving/decision-writer";
import { defaultServingPolicy, servingPolicy } from "@/lib/serving/policy-cache";
import { isValidRankBody, MAX_CANDIDATES, rankBody, type RankBody } from "@/lib/serving/rank-input";
import type { ServingResult } from "@/lib/serving/serving-policy";
import { segmentKeys } from "@/lib/serving/segment-keys";
import { encodeShownItems } from "@/lib/serving/shown-items";
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
  const policy = arm?.policyVersionId ? await servingPolicy(arm.policyVersionId) : await defaultServingPolicy();

  const predictions = new Float32Array(n * NUM_TASKS);
  body.candidates.forEach((c, j) =>
    SCORE_NAMES.forEach((name, k) => (predictions[j * NUM_TASKS + k] = c.scores[name])),
  );
  const result = await policy.score({
    n,
    predictions,
    userFeatures: body.user?.features ?? {},
    itemFeatures: body.candidates.map((c) => c.features),
    context: body.context ?? {},
  });

  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => result.scores[b] - result.scores[a] || a - b);
  const top = order.slice(0, body.k ?? n);
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
    // Without k the caller shows an unknown prefix; the first 100 cover any realistic page.
    shown: shownItems(body.candidates, body.k ? top : top.slice(0, 100), result),
  });
  return {
    decisionId,
    experiment: arm?.experimentKey ?? null,
    arm: arm?.armKey ?? null,
    policyVersion: policy.versionId,
    items: top.map((j) => ({ itemId: body.candidates[j].itemId, score: result.scores[j] })),
  };
}

function shownItems(candidates: RankBody["candidates"], shown: number[], result: ServingResult): Buffer {
  const actionDim = result.perCandidate ? result.actions.length / candidates.length : result.actions.length;
  const itemActions = result.perCandidate ? new Float64Array(shown.length * actionDim) : null;
  if (itemActions)
    shown.forEach((j, r) =>
      itemActions.set(result.actions.subarray(j * actionDim, (j + 1) * actionDim), r * actionDim),
    );
  return encodeShownItems({
    itemIds: shown.map((j) => candidates[j].itemId),
    scores: shown.map((j) => result.scores[j]),
    requestAction: result.perCandidate ? null : result.actions,
    itemActions,
    actionDim,
  });
}
