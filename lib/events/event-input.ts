import { z } from "zod";
import { safeString } from "@/lib/validation";

/**
 * Feedback event types, named after KuaiRand's log fields. `play` carries the watch time in seconds
 * as its value; `valid_play` marks a play that counts as valid consumption (≥ 10 s or the whole video).
 */
export const EVENT_TYPES = [
  "impression",
  "play",
  "valid_play",
  "long_view",
  "like",
  "follow",
  "comment",
  "forward",
  "hate",
] as const;
export const INTERACTION_TYPES = ["like", "follow", "comment", "forward"] as const;
export const MAX_EVENTS_PER_CALL = 1_000;

/**
 * Event times are bounded: a year back (late feedback, replays) to a month ahead (clock skew,
 * scheduled sends); far-off times are mistakes that would only fill the default partition.
 */
const DAY_MS = 86_400_000;
export const EVENT_TS_MAX_AGE_DAYS = 365;
export const EVENT_TS_MAX_AHEAD_DAYS = 31;
function plausibleTime(ts: string): boolean {
  const t = Date.parse(ts);
  const now = Date.now();
  return t >= now - EVENT_TS_MAX_AGE_DAYS * DAY_MS && t <= now + EVENT_TS_MAX_AHEAD_DAYS * DAY_MS;
}

export const eventsBody = z.object({
  events: z
    .array(
      z.object({
        eventId: safeString().min(1, "is required").max(200),
        decisionId: z.uuid("must be a decisionId from /api/v1/rank").optional(),
        userId: safeString().min(1, "is required").max(512),
        itemId: safeString().min(1).max(200).optional(),
        type: z.enum(EVENT_TYPES),
        value: z.number().finite().min(0).max(1e9).optional(),
        ts: z.iso
          .datetime({ offset: true })
          .refine(
            plausibleTime,
            `must lie within the last ${EVENT_TS_MAX_AGE_DAYS} days and at most ${EVENT_TS_MAX_AHEAD_DAYS} days ahead`,
          )
          .optional(),
      }),
    )
    .min(1, "send at least one event")
    .max(MAX_EVENTS_PER_CALL, `at most ${MAX_EVENTS_PER_CALL} events per call`),
});
