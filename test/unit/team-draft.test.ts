import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { teamCredit, teamDraft, teamDraftSeed } from "@/lib/assignment/team-draft";
import { preferenceTest } from "@/lib/stats/interleaving-preference";

/** 2–4 rankings, each a permutation of the same n candidates (as the rank path gives them). */
const rankings = fc
  .record({ n: fc.integer({ min: 1, max: 30 }), teams: fc.integer({ min: 2, max: 4 }) })
  .chain(({ n, teams }) =>
    fc.tuple(
      fc.array(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), {
        minLength: teams,
        maxLength: teams,
      }),
      fc.integer({ min: 0, max: n + 3 }),
      fc.string(),
    ),
  );

describe("team-draft interleaving", () => {
  it("keeps each team's picks in the team's own order, with distinct items and balanced teams", () => {
    fc.assert(
      fc.property(rankings, ([lists, length, seed]) => {
        const { items, teams } = teamDraft(lists, length, seed);
        const n = lists[0].length;
        expect(items.length).toBe(Math.min(length, n));
        expect(new Set(items).size).toBe(items.length);
        for (const [t, list] of lists.entries()) {
          const picks = items.filter((_, r) => teams[r] === t);
          const positions = picks.map((item) => list.indexOf(item));
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
        }
        // Every team picks once per round: sizes differ by at most one.
        const sizes = lists.map((_, t) => teams.filter((x) => x === t).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500, seed: 15 },
    );
  });

  it("needs only each ranking's first `length` items (the rank path sorts no further)", () => {
    // A team's scan passes only items already in the list, so it never looks past position length − 1.
    fc.assert(
      fc.property(rankings, ([lists, length, seed]) => {
        expect(
          teamDraft(
            lists.map((l) => l.slice(0, length)),
            length,
            seed,
          ),
        ).toEqual(teamDraft(lists, length, seed));
      }),
      { numRuns: 500, seed: 16 },
    );
  });

  it("a team picks its highest-ranked item not yet taken", () => {
    fc.assert(
      fc.property(rankings, ([lists, length, seed]) => {
        const { items, teams } = teamDraft(lists, length, seed);
        items.forEach((item, r) => {
          const before = new Set(items.slice(0, r));
          expect(item).toBe(lists[teams[r]].find((x) => !before.has(x)));
        });
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it("reproduces a request's list from its seed", () => {
    const lists = [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
    ];
    const seed = teamDraftSeed("exp", "user-1", "req-9");
    expect(teamDraft(lists, 5, seed)).toEqual(teamDraft(lists, 5, seed));
  });

  it("gives the first pick to each team equally often over requests (2 and 3 teams)", () => {
    for (const t of [2, 3]) {
      const lists = Array.from({ length: t }, (_, i) => [i, ...[0, 1, 2, 3].filter((x) => x !== i)]);
      const first = new Array<number>(t).fill(0);
      const requests = 6000;
      for (let i = 0; i < requests; i++) first[teamDraft(lists, 2, teamDraftSeed("e", "u", `r${i}`)).teams[0]]++;
      // Binomial(6000, 1/t): 4 standard deviations is at most ~0.026 of the requests.
      for (const c of first) expect(Math.abs(c / requests - 1 / t)).toBeLessThan(0.026);
    }
  });

  it("credits an item both teams rank equally to the team that picked it (ties and duplicates)", () => {
    // Identical rankings: every item is a tie, and each goes to whoever picked it.
    const same = [
      [7, 8, 9, 10],
      [7, 8, 9, 10],
    ];
    const draft = teamDraft(same, 4, "tie");
    expect(draft.items).toEqual([7, 8, 9, 10]);
    // Round by round each team picks one item, so each team gets exactly two.
    expect(draft.teams.filter((t) => t === 0)).toHaveLength(2);
    expect([draft.teams[0], draft.teams[1]].sort()).toEqual([0, 1]);
    // A click on position r credits teams[r] and no one else.
    const clicks = [1, 0, 1, 1];
    const credit = teamCredit(draft, clicks, 2);
    expect(credit[0] + credit[1]).toBe(3);
    expect(credit).toEqual([0, 1].map((t) => draft.teams.reduce((s, x, r) => s + (x === t ? clicks[r] : 0), 0)));
  });

  it("credit sums to the total feedback and follows the picking team", () => {
    fc.assert(
      fc.property(
        rankings,
        fc.array(fc.nat(3), { minLength: 40, maxLength: 40 }),
        ([lists, length, seed], feedback) => {
          const draft = teamDraft(lists, length, seed);
          const credit = teamCredit(draft, feedback, lists.length);
          expect(credit.reduce((s, x) => s + x, 0)).toBe(
            feedback.slice(0, draft.items.length).reduce((s, x) => s + x, 0),
          );
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });

  it("stops a team whose ranking is used up and fills from the others", () => {
    const draft = teamDraft([[0], [1, 2, 3]], 4, "short");
    expect([...draft.items].sort()).toEqual([0, 1, 2, 3]);
    expect(draft.teams.filter((t) => t === 0)).toHaveLength(1);
  });
});

describe("interleaving preference test", () => {
  it("computes the share, its Wilson interval and the sign test from counts", () => {
    const r = preferenceTest({ wins: 60, losses: 40, ties: 100 });
    expect(r.users).toBe(200);
    expect(r.share).toBeCloseTo(0.6, 12);
    // Wilson 95% for 60/100: [0.5020, 0.6906].
    expect(r.shareCi![0]).toBeCloseTo(0.502, 3);
    expect(r.shareCi![1]).toBeCloseTo(0.6906, 3);
    // Sign test with continuity correction: z = (20 − 1)/10 = 1.9 → p = 0.0574.
    expect(r.pValue).toBeCloseTo(0.0574, 3);
    expect(r.delta).toBeCloseTo(0.1, 12);
  });

  it("says not enough data below the minimum and prefers A only when the always-valid interval is above 0", () => {
    expect(preferenceTest({ wins: 30, losses: 0, ties: 0 }).verdict).toBe("notEnoughData");
    expect(preferenceTest({ wins: 700, losses: 300, ties: 1000 }).verdict).toBe("aPreferred");
    expect(preferenceTest({ wins: 300, losses: 700, ties: 1000 }).verdict).toBe("bPreferred");
    const even = preferenceTest({ wins: 505, losses: 495, ties: 1000 });
    expect(even.verdict).toBe("keepRunning");
    expect(even.deltaCi![0]).toBeLessThan(0);
    expect(even.deltaCi![1]).toBeGreaterThan(0);
  });

  it("is symmetric: swapping A and B mirrors everything", () => {
    fc.assert(
      fc.property(fc.nat(500), fc.nat(500), fc.nat(500), (wins, losses, ties) => {
        const ab = preferenceTest({ wins, losses, ties });
        const ba = preferenceTest({ wins: losses, losses: wins, ties });
        expect(ba.delta).toBeCloseTo(-ab.delta, 12);
        if (ab.share !== null) expect(ba.share!).toBeCloseTo(1 - ab.share, 12);
        const mirror = { aPreferred: "bPreferred", bPreferred: "aPreferred" } as Record<string, string>;
        expect(ba.verdict).toBe(mirror[ab.verdict] ?? ab.verdict);
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});
