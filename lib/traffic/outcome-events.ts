import type { RequestOutcome } from "@/lib/simulator";
import { simItemId } from "@/lib/traffic/http-rank-policy";

export interface FeedbackEvent {
  eventId: string;
  decisionId?: string;
  userId: string;
  itemId: string;
  type: string;
  value?: number;
  ts?: string;
}

const FLAGS = [
  ["isClick", "valid_play"],
  ["longView", "long_view"],
  ["isLike", "like"],
  ["isFollow", "follow"],
  ["isComment", "comment"],
  ["isForward", "forward"],
  ["isHate", "hate"],
] as const;

/** The feedback a client would send for one request: per viewed item an impression, its play and its actions. */
export function outcomeEvents(
  prefix: string,
  out: RequestOutcome,
  candidateIds: Int32Array,
  userId: string,
  decisionId: string | undefined,
  ts: string | undefined,
): FeedbackEvent[] {
  const events: FeedbackEvent[] = [];
  for (let p = 0; p < out.numShown; p++) {
    if (!out.viewed[p]) continue;
    const base = {
      userId,
      itemId: simItemId(candidateIds[out.shown[p]]),
      ...(decisionId ? { decisionId } : {}),
      ...(ts ? { ts } : {}),
    };
    events.push({ ...base, eventId: `${prefix}:${p}:impression`, type: "impression" });
    if (out.playTimeMs[p] > 0)
      events.push({ ...base, eventId: `${prefix}:${p}:play`, type: "play", value: out.playTimeMs[p] / 1000 });
    for (const [flag, type] of FLAGS)
      if (out[flag][p]) events.push({ ...base, eventId: `${prefix}:${p}:${type}`, type });
  }
  return events;
}
