import { randomUUID } from "node:crypto";
import { teamDraft, teamDraftSeed } from "@/lib/assignment/team-draft";
import { decisionWriter } from "@/lib/serving/decision-writer";
import { segmentKeys } from "@/lib/serving/segment-keys";
import { defaultServingPolicy, servingPolicy } from "@/lib/serving/policy-cache";
import type { RankRequest } from "@/lib/serving/rank-request";
import type { ServedArm, ServingTeam } from "@/lib/serving/serving-config";
import { draftedList } from "@/lib/serving/drafted-list";
import { byScore, servingRequest, UNBOUNDED_SHOWN } from "@/lib/serving/serving-request";

/**
 * The rank path of an interleaving experiment: every arm's policy scores the candidates, the
 * rankings are merged by team draft (lib/assignment/team-draft.ts) with a coin seeded by the user
 * and request id, and the decision records which arm placed each shown item (Decision.teams), so
 * events on an item are credited to that arm at ingestion. Each item's score in the answer and the
 * decision log is its own team's score; the list's order is the draft's.
 */
export async function rankInterleaved(body: RankRequest, arm: ServedArm, teams: readonly ServingTeam[]) {
  const n = body.itemIds.length;
  const request = servingRequest(body);
  const policies = await Promise.all(
    teams.map((t) => (t.policyVersionId ? servingPolicy(t.policyVersionId) : defaultServingPolicy())),
  );
  const results = await Promise.all(policies.map((p) => p.score(request)));
  const decisionId = randomUUID();
  // Each team's first k suffice: a team's scan passes only items already drafted.
  const draft = teamDraft(
    results.map((r) => byScore(r.scores, body.k ?? n)),
    body.k ?? n,
    teamDraftSeed(arm.experimentKey, body.userId, body.requestId ?? decisionId),
  );

  const list = draftedList(
    body.itemIds,
    results,
    draft,
    body.k ?? UNBOUNDED_SHOWN,
    teams.map((t) => t.armKey),
  );
  await decisionWriter.write({
    id: decisionId,
    userId: body.userId,
    requestId: body.requestId ?? null,
    sessionId: body.context?.sessionId ?? null,
    experimentId: arm.experimentId,
    // The arm the user's hash falls in: it only counts the user's requests (exposure), never their events.
    armKey: arm.armKey,
    policyVersionId: null,
    candidateCount: n,
    ...segmentKeys(body.user?.features, body.context),
    shown: list.shown,
    teams: list.teams,
  });
  return {
    decisionId,
    experiment: arm.experimentKey,
    arm: null,
    policyVersion: null,
    items: list.items,
  };
}
