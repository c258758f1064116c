/**
 * Reward and patience as functions of one shown item's events. Both are LINEAR in the event
 * indicators (valid play, long view, like, follow, comment, forward, hate) and play seconds, so the
 * same function gives the realised value (pass 0/1 indicators) and the expected value (pass the
 * unconditional probabilities and the expected seconds) — the oracle's utility is exactly the
 * expectation of what the environment pays out.
 */
import type { Scenario } from "./scenario";

/** Watch-time reward group: watchMinutes weight × minutes watched. */
export function rewardWatch(weights: Scenario["reward"], playSeconds: number): number {
  return (weights.watchMinutes * playSeconds) / 60;
}

/** Every other reward term (valid play, long view, interactions, hate). */
export function rewardOther(
  weights: Scenario["reward"],
  valid: number,
  longView: number,
  like: number,
  follow: number,
  comment: number,
  forward: number,
  hate: number,
): number {
  return (
    weights.validPlay * valid +
    weights.longView * longView +
    weights.like * like +
    weights.follow * follow +
    weights.comment * comment +
    weights.forward * forward +
    weights.hate * hate
  );
}

/**
 * Change of the user's patience after viewing one item: valid plays, long views and interactions
 * restore it; skips and hates drain it; a clickbait item that got a play but no long view drains it
 * in proportion to its clickbait trait (the user feels tricked). `valid − longView` is the
 * indicator of "played but not long" because a long view is always a valid play.
 */
export function patienceDelta(
  p: Scenario["patience"],
  clickbait: number,
  valid: number,
  longView: number,
  interactions: number,
  hate: number,
): number {
  return (
    p.restoreValid * valid +
    p.restoreLongView * longView +
    p.restoreInteraction * interactions -
    p.drainSkip * (1 - valid) -
    p.drainHate * hate -
    p.drainClickbait * clickbait * (valid - longView)
  );
}
