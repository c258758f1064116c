/**
 * MTF-GAUC: how well a policy's fusion scores order a user's impressions by valid consumption.
 *
 * Definition. Take every logged impression the user actually reached (viewed = 1), score it with
 * the policy (replayed on the logged request, its candidates being the shown items), and label it
 * with valid consumption (is_click: play ≥ 10 s). For user u with P_u > 0 positives and N_u > 0
 * negatives,
 *   AUC_u = P(score of a random positive > score of a random negative), ties counting ½,
 * over all of the user's impressions (across requests). Users are weighted by their instant
 * reward, w_u = max(0, Σ over the user's viewed impressions of reward_watch + reward_other), so
 * users who bring more value count more:
 *   MTF-GAUC = Σ_u w_u · AUC_u / Σ_u w_u   over users with P_u > 0, N_u > 0 and w_u > 0.
 * 0.5 is a random ranking; higher is better. It measures pointwise ordering quality only — not
 * the session-level effects (patience, depth) that rollout value captures.
 */
import type { Policy } from "@/lib/simulator/simulator-policy";
import type { LogSource } from "@/lib/rl/logs";
import { replay } from "./replay";

export interface ScoredImpression {
  user: number;
  score: number;
  /** 1 = valid consumption. */
  label: number;
  /** Instant reward of the impression. */
  reward: number;
}

export interface GaucResult {
  gauc: number;
  /** Users that entered the average, and impressions scored. */
  users: number;
  impressions: number;
}

/** AUC with ties counting ½, by the rank-sum (Mann–Whitney) formula; NaN without both classes. */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]]) {
        rankSumPos += midRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = order.length - pos;
  return pos && neg ? (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
}

/** Reward-weighted mean of per-user AUCs (see the module comment). */
export function groupAuc(impressions: readonly ScoredImpression[]): GaucResult {
  const byUser = new Map<number, ScoredImpression[]>();
  for (const x of impressions) {
    const list = byUser.get(x.user);
    if (list) list.push(x);
    else byUser.set(x.user, [x]);
  }
  let num = 0;
  let den = 0;
  let users = 0;
  for (const list of byUser.values()) {
    const a = auc(
      list.map((x) => x.score),
      list.map((x) => x.label),
    );
    const w = Math.max(
      0,
      list.reduce((s, x) => s + x.reward, 0),
    );
    if (Number.isNaN(a) || w <= 0) continue;
    num += w * a;
    den += w;
    users++;
  }
  return { gauc: den > 0 ? num / den : NaN, users, impressions: impressions.length };
}

/** MTF-GAUC of `policy` on held-out logs. */
export async function mtfGauc(policy: Policy, source: LogSource): Promise<GaucResult> {
  const S = source.slate;
  const impressions: ScoredImpression[] = [];
  for await (const { log, rows, decisions } of replay(policy, source)) {
    rows.forEach((r, i) => {
      for (let p = 0; p < log.numShown[r]; p++) {
        const k = r * S + p;
        if (!log.viewed[k]) continue;
        impressions.push({
          user: log.userId[r],
          score: decisions[i].scores[p],
          label: log.isClick[k],
          reward: log.rewardWatch[k] + log.rewardOther[k],
        });
      }
    });
  }
  return groupAuc(impressions);
}
