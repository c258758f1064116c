import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { POST as rankRoute } from "@/app/api/v1/rank/route";
import { POST as eventsRoute } from "@/app/api/v1/events/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { decisionWriter, type DecisionRow } from "@/lib/serving/decision-writer";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { encodeShownItems } from "@/lib/serving/shown-items";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_poison");

const call = (core: typeof rankRoute.core, key: string, body: unknown) =>
  core({
    url: "http://test/api/v1/x",
    authorization: `Bearer ${key}`,
    contentLength: null,
    clientIp: "test",
    params: {},
    bodyBytes: async () => Buffer.from(JSON.stringify(body)),
    request: () => new Request("http://test/api/v1/x"),
  });

const row = (userId: string): DecisionRow => ({
  id: randomUUID(),
  userId,
  requestId: null,
  sessionId: null,
  experimentId: null,
  armKey: null,
  policyVersionId: null,
  candidateCount: 1,
  activity: null,
  platform: null,
  shown: encodeShownItems({ itemIds: ["i"], scores: [1], requestAction: null, itemActions: null, actionDim: 0 }),
});

describe("one bad request never hurts the others", () => {
  it("1 poisoned + 100 valid concurrent rank requests: 100 answers, 1 × 400 naming the field", async () => {
    const { key } = await createApiKey(SYSTEM_ACTOR, { name: "serve", scopes: ["serve"] });
    for (const poison of ["u\u0000x", "\ud800", "a\udc00b"]) {
      const before = await db.decision.count();
      const bodies = Array.from({ length: 101 }, (_, i) =>
        i === 50
          ? { userId: "u-poison", candidates: [{ ...rankCandidates(1)[0], itemId: poison }] }
          : { userId: `u-${i}`, candidates: rankCandidates(5), k: 2 },
      );
      const results = await Promise.all(bodies.map((b) => call(rankRoute.core, key, b)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(100);
      expect(results[50].status).toBe(400);
      expect(results[50].body).toMatchObject({
        error: { code: "bad_request", issues: [{ path: "candidates.0.itemId" }] },
      });
      expect(await db.decision.count()).toBe(before + 100);
    }
  });

  it("the same characters in an eventId or userId of an event are a 400, not a 500", async () => {
    const { key } = await createApiKey(SYSTEM_ACTOR, { name: "serve2", scopes: ["serve"] });
    const res = await call(eventsRoute.core, key, {
      events: [{ eventId: "e\u0000", userId: "u", type: "impression" }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { issues: [{ path: "events.0.eventId" }] } });
    expect(await db.event.count()).toBe(0);
  });

  it("a group commit the database refuses retries its rows one by one: only the bad row fails", async () => {
    const before = await db.decision.count();
    // Bypasses validation on purpose: the writer must hold even for a row nothing checked.
    const writes = [...Array.from({ length: 100 }, (_, i) => row(`ok-${i}`)), row("bad\u0000row")].map((r) =>
      decisionWriter.write(r),
    );
    const settled = await Promise.allSettled(writes);
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(100);
    expect(settled[100].status).toBe("rejected");
    expect(await db.decision.count()).toBe(before + 100);
    // Each decision and its items commit together or not at all.
    expect(await db.decisionItems.count()).toBe(await db.decision.count());
  });
});
