/**
 * Team-draft interleaving (Radlinski, Kurup & Joachims 2008) and its multileaving generalisation
 * (team-draft multileaving, Schuth et al. 2014): two or more rankers ("teams") draft one list. In
 * every round the teams pick in an order drawn by a seeded coin (a random permutation of the teams
 * for more than two), each taking its highest-ranked item not yet in the list; the item is credited
 * to the team that picked it, even when another team ranks it as high. Every team picks once per
 * round, so team sizes differ by at most one (the draft is balanced), and over requests each team
 * picks first equally often. The coin is seeded from the request, so a request's list reproduces.
 */
import { Rng } from "@/lib/random/rng";

export interface TeamDraft {
  /** The merged list: indices into the candidates, best first. */
  items: number[];
  /** teams[r]: the index of the ranking (team) that picked items[r]. */
  teams: number[];
}

/**
 * Merges `rankings` (each a list of candidate indices, best first; they may differ in length and
 * content) into at most `length` distinct items. A team whose ranking is used up stops picking.
 */
export function teamDraft(rankings: readonly (readonly number[])[], length: number, seed: string): TeamDraft {
  const t = rankings.length;
  if (t === 0) throw new RangeError("team draft needs at least one ranking");
  const rng = new Rng(seed);
  const taken = new Set<number>();
  const next = new Array<number>(t).fill(0);
  const items: number[] = [];
  const teams: number[] = [];
  const order = Array.from({ length: t }, (_, i) => i);
  let live = t;
  while (items.length < length && live > 0) {
    if (t === 2) {
      // Two teams: one coin flip per round (the classic form; same distribution as a shuffle).
      if (rng.next() < 0.5) [order[0], order[1]] = [order[1], order[0]];
    } else rng.shuffle(order);
    live = 0;
    for (const team of order) {
      if (items.length >= length) break;
      const ranking = rankings[team];
      while (next[team] < ranking.length && taken.has(ranking[next[team]])) next[team]++;
      if (next[team] >= ranking.length) continue;
      live++;
      const item = ranking[next[team]++];
      taken.add(item);
      items.push(item);
      teams.push(team);
    }
  }
  return { items, teams };
}

/** Credited feedback per team: `credited[r]` (e.g. 1 for a click) goes to the team of position r. */
export function teamCredit(draft: TeamDraft, credited: ArrayLike<number>, numTeams: number): number[] {
  const out = new Array<number>(numTeams).fill(0);
  draft.teams.forEach((team, r) => (out[team] += credited[r] ?? 0));
  return out;
}

/** The seed of a rank request's coin: the same user and request id give the same list. */
export function teamDraftSeed(experimentKey: string, userId: string, requestId: string): string {
  return `${experimentKey}\u0000${userId}\u0000${requestId}`;
}
