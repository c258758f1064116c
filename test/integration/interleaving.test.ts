import { describe, expect, it } from "vitest";
import * as eventsRoute from "@/app/api/v1/events/route";
import * as experimentsRoute from "@/app/api/v1/experiments/route";
import * as reportRoute from "@/app/api/v1/experiments/[id]/report/route";
import * as startRoute from "@/app/api/v1/experiments/[id]/start/route";
import * as rankRoute from "@/app/api/v1/rank/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { ALL_SCOPES } from "@/lib/api-keys/scopes";
import { teamDraft, teamDraftSeed } from "@/lib/assignment/team-draft";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { createLayer } from "@/lib/experiments/layers";
import { SCORE_NAMES } from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";
import { interleavingReport, type InterleavingReportView } from "@/lib/reports/interleaving-report";
import { rollupExperiment } from "@/lib/reports/rollup-reports";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_interleaving");

const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const post = (key: string, path: string, body: unknown) =>
  new Request(`http://test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const get = (key: string, path: string) =>
  new Request(`http://test${path}`, { headers: { authorization: `Bearer ${key}` } });

// pClick rises with j and pWatchTime falls: a click-only policy and a watch-time-only policy rank
// the 12 candidates in opposite orders, so the draft mixes two very different lists.
const N = 12;
const candidates = Array.from({ length: N }, (_, j) => ({
  itemId: `item-${j}`,
  scores: Object.fromEntries(
    SCORE_NAMES.map((s) => [s, s === "pClick" ? 0.05 + j * 0.07 : s === "pWatchTime" ? 0.9 - j * 0.07 : 0.3]),
  ),
}));
const weights = (task: number) => [
  ...SCORE_NAMES.map((_, k) => (k === task ? 3 : 0.01)),
  ...SCORE_NAMES.map(() => 0.1),
];
const CLICK_ORDER = [...Array(N).keys()].reverse();
const WATCH_ORDER = [...Array(N).keys()];

describe("interleaving experiment through /api/v1/rank and /api/v1/events", () => {
  it(
    "merges by team draft, credits each event to the arm that placed its item, and reports per-user " + "wins",
    async () => {
      const { key } = await createApiKey(SYSTEM_ACTOR, { name: "all", scopes: ALL_SCOPES });
      const byClick = await registerFixedPolicyVersion(SYSTEM_ACTOR, {
        key: "by-click",
        name: "By click",
        action: weights(0),
      });
      const byWatch = await registerFixedPolicyVersion(SYSTEM_ACTOR, {
        key: "by-watch",
        name: "By watch",
        action: weights(SCORE_NAMES.indexOf("pWatchTime")),
      });
      await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
      const created = await experimentsRoute.POST(
        post(key, "/api/v1/experiments", {
          key: "il",
          name: "Click vs watch",
          type: "interleaving",
          layer: "main",
          primaryMetric: "valid_consumption",
          guardrailMetrics: ["duration", "session_depth"],
          arms: [
            { key: "click", control: true, policyVersionId: byClick.versionId },
            { key: "watch", policyVersionId: byWatch.versionId },
          ],
        }),
        ctx(),
      );
      expect(created.status).toBe(201);
      expect((await created.json()).type).toBe("interleaving");
      expect(
        (
          await startRoute.POST(
            post(key, "/api/v1/experiments/il/start", {
              // Two hand-set fixed versions with no offline evaluation: the launch gate needs a stated reason.
              override: { reason: "interleaving test: hand-set fixed versions, not evaluated offline" },
            }),
            ctx({ id: "il" }),
          )
        ).status,
      ).toBe(200);

      const rng = new Rng("interleaving-integration");
      const expected = { click: new Map<string, number>(), watch: new Map<string, number>() };
      const watchSeconds = { click: new Map<string, number>(), watch: new Map<string, number>() };
      const users = Array.from({ length: 150 }, (_, i) => `user-${i}`);
      const events: Record<string, unknown>[] = [];
      for (const userId of users) {
        for (const req of [0, 1]) {
          const requestId = `${userId}-r${req}`;
          const res = await rankRoute.POST(post(key, "/api/v1/rank", { userId, requestId, candidates, k: 6 }), ctx());
          expect(res.status).toBe(200);
          const answer = (await res.json()) as { decisionId: string; experiment: string; items: { itemId: string }[] };
          expect(answer.experiment).toBe("il");
          // Hand computation: the draft of the two known rankings under this request's coin.
          const draft = teamDraft([CLICK_ORDER, WATCH_ORDER], 6, teamDraftSeed("il", userId, requestId));
          expect(answer.items.map((i) => i.itemId)).toEqual(draft.items.map((j) => `item-${j}`));
          const stored = await db.decision.findFirst({ where: { id: answer.decisionId }, select: { teams: true } });
          expect(stored?.teams).toEqual(
            Object.fromEntries(draft.items.map((j, r) => [`item-${j}`, draft.teams[r] === 0 ? "click" : "watch"])),
          );
          // Users lean to the click policy's items (high j) a little: a valid play on each shown item
          // with probability 0.15 + 0.03·j, 30 s of watch time with each.
          draft.items.forEach((j, r) => {
            const team = draft.teams[r] === 0 ? "click" : "watch";
            if (!rng.bernoulli(0.15 + 0.03 * j)) return;
            expected[team].set(userId, (expected[team].get(userId) ?? 0) + 1);
            watchSeconds[team].set(userId, (watchSeconds[team].get(userId) ?? 0) + 30);
            const base = { decisionId: answer.decisionId, userId, itemId: `item-${j}` };
            events.push({ ...base, eventId: `${requestId}-v${j}`, type: "valid_play" });
            events.push({ ...base, eventId: `${requestId}-p${j}`, type: "play", value: 30 });
          });
          // Feedback on no shown item credits no arm.
          events.push({ eventId: `${requestId}-x`, decisionId: answer.decisionId, userId, type: "valid_play" });
        }
      }
      for (let i = 0; i < events.length; i += 1000) {
        const res = await eventsRoute.POST(post(key, "/api/v1/events", { events: events.slice(i, i + 1000) }), ctx());
        expect(res.status).toBe(200);
      }
      const uncredited = await db.event.count({ where: { experimentId: { not: null }, armKey: null } });
      expect(uncredited).toBe(2 * users.length);

      const res = await reportRoute.GET(get(key, "/api/v1/experiments/il/report"), ctx({ id: "il" }));
      expect(res.status).toBe(200);
      const report = (await res.json()) as InterleavingReportView;
      expect(report.type).toBe("interleaving");
      expect(report.users).toBe(users.length);
      expect(report.notApplicable).toEqual(["session_depth"]);
      const tally = (values: typeof expected) => {
        let [wins, losses, ties] = [0, 0, 0];
        for (const u of users) {
          const [a, b] = [values.click.get(u) ?? 0, values.watch.get(u) ?? 0];
          if (a > b) wins++;
          else if (a < b) losses++;
          else ties++;
        }
        return { wins, losses, ties };
      };
      const primary = report.comparisons.find((c) => c.metric === "valid_consumption")!;
      expect({ a: primary.a, b: primary.b }).toEqual({ a: "click", b: "watch" });
      const hand = tally(expected);
      expect({ wins: primary.wins, losses: primary.losses, ties: primary.ties }).toEqual(hand);
      expect(hand.wins).toBeGreaterThan(hand.losses);
      expect(primary.share).toBeCloseTo(hand.wins / (hand.wins + hand.losses), 12);
      const duration = report.comparisons.find((c) => c.metric === "duration")!;
      expect({ wins: duration.wins, losses: duration.losses, ties: duration.ties }).toEqual(tally(watchSeconds));

      // After the rollup job moved the events into ReportUserDay, the same counts: nothing lost or counted twice.
      const experiment = await db.experiment.findUniqueOrThrow({ where: { key: "il" } });
      expect((await rollupExperiment(experiment.id, 0)).feedbackRows).toBeGreaterThan(0);
      const rolled = await interleavingReport("il");
      expect(rolled.users).toBe(users.length);
      expect(rolled.comparisons.map(({ wins, losses, ties }) => ({ wins, losses, ties }))).toEqual(
        report.comparisons.map(({ wins, losses, ties }) => ({ wins, losses, ties })),
      );
    },
  );
});
