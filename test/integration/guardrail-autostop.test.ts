import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ingestEvents } from "@/lib/events/ingest-events";
import { startExperiment } from "@/lib/experiments/change-status";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { runGuardrailCheck } from "@/lib/jobs/handlers/check-guardrails";
import { createLayer } from "@/lib/experiments/layers";
import type { JobContext } from "@/lib/jobs/define-job";
import { enqueueJob } from "@/lib/jobs/job-service";
import { Rng } from "@/lib/random/rng";
import { rank } from "@/lib/serving/rank";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";
import { deliverWebhook } from "@/lib/jobs/handlers/deliver-webhook";
import { verifyWebhookSignature } from "@/lib/webhooks/webhook-signature";
import { harmfulExperiment, SCORE_BLIND_ACTION } from "@/test/support/harmful-treatment";
import { rankCandidates } from "@/test/support/rank-fixtures";
import { setupTestDatabase } from "@/test/support/test-database";

// Read by lib/config/env.ts on first use, which comes after this line.
const SECRET = "integration-webhook-secret-0123";
process.env.FUSIONLAB_WEBHOOK_SECRET = SECRET;

setupTestDatabase("fl_guardrail");

const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let failNext = 0;
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.statusCode = failNext-- > 0 ? 503 : 204;
    res.end();
  });
});
const listening = new Promise<string>((resolve) =>
  receiver.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`)),
);
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

const logs: string[] = [];
const jobCtx: JobContext = {
  jobId: "00000000-0000-4000-8000-00000000e002",
  attempt: 1,
  signal: new AbortController().signal,
  progress: async () => {},
  log: async (m) => void logs.push(m),
  enqueue: async (type, payload) => enqueueJob(SYSTEM_ACTOR, type, payload),
};

describe("guardrail auto-stop job", () => {
  it(
    "stops a harmful arm (its users then get the control policy), audits it and sends signed webhooks " + "once",
    async () => {
      const url = await listening;
      await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
      const v = await registerFixedPolicyVersion(SYSTEM_ACTOR, {
        key: "blind",
        name: "Blind",
        action: SCORE_BLIND_ACTION,
      });
      const e = await createExperiment(SYSTEM_ACTOR, harmfulExperiment("harm", "main", v.versionId, url));
      await startExperiment(SYSTEM_ACTOR, e.id, { override: { reason: "integration test of the auto-stop" } });

      // Treatment users watch about a third as much as control users (the harm the job must catch).
      const rng = new Rng("guardrail");
      const armOf = new Map<string, string>();
      const events = [];
      for (let i = 0; i < 800; i++) {
        const u = `u${i}`;
        const r = await rank({ userId: u, candidates: rankCandidates(10), k: 5 });
        armOf.set(u, r.arm!);
        const seconds = Math.max(0, rng.normal(r.arm === "treatment" ? 10 : 30, 6));
        events.push({ eventId: `${u}-p`, decisionId: r.decisionId, userId: u, type: "play" as const, value: seconds });
        events.push({ eventId: `${u}-v`, decisionId: r.decisionId, userId: u, type: "valid_play" as const });
      }
      for (let i = 0; i < events.length; i += 1000) await ingestEvents({ events: events.slice(i, i + 1000) });

      const first = (await runGuardrailCheck({}, jobCtx)) as { stopped: string[]; verdicts: string[] };
      expect(first.stopped).toEqual(["harm/treatment"]);
      expect(first.verdicts).toEqual(["harm/treatment: dontShip"]);
      const arm = await db.arm.findFirstOrThrow({ where: { experimentId: e.id, key: "treatment" } });
      expect(arm.stoppedAt).not.toBeNull();
      expect(arm.stopReason).toMatch(
        /^Guardrail duration failed by the sequential test: Harmed beyond the allowed harm of −2\.0%/,
      );
      const audit = await db.auditLog.findFirstOrThrow({
        where: { entityId: e.id, action: "experiment.arm.autostop" },
      });
      expect(audit.actorUserId).toBeNull();
      expect(JSON.stringify(audit.after)).toContain(arm.stopReason!);

      // A second run changes nothing and announces nothing again.
      expect(await runGuardrailCheck({}, jobCtx)).toMatchObject({ stopped: [], verdicts: [] });

      // Two messages were recorded and queued; deliver them as the worker would (the first answer fails once).
      const deliveries = await db.webhookDelivery.findMany({
        where: { experimentId: e.id },
        orderBy: { createdAt: "asc" },
      });
      expect(deliveries.map((d) => d.event).sort()).toEqual(["experiment.arm_stopped", "experiment.verdict"]);
      expect(await db.job.count({ where: { type: "deliver-webhook" } })).toBe(2);
      const stoppedMsg = deliveries.find((d) => d.event === "experiment.arm_stopped")!;
      failNext = 1;
      await expect(deliverWebhook({ deliveryId: stoppedMsg.id }, jobCtx)).rejects.toThrow(/answered 503/);
      await deliverWebhook({ deliveryId: stoppedMsg.id }, jobCtx);
      const after = await db.webhookDelivery.findUniqueOrThrow({ where: { id: stoppedMsg.id } });
      expect(after).toMatchObject({ status: "delivered", attempts: 2, responseStatus: 204 });
      expect(received).toHaveLength(2);
      const got = received[1];
      expect(got.headers["x-fusionlab-event"]).toBe("experiment.arm_stopped");
      expect(got.headers["x-fusionlab-delivery"]).toBe(stoppedMsg.id);
      expect(verifyWebhookSignature(SECRET, got.body, got.headers["x-fusionlab-signature"] as string)).toBe(true);
      expect(
        verifyWebhookSignature("another-secret-0123456", got.body, got.headers["x-fusionlab-signature"] as string),
      ).toBe(false);
      const body = JSON.parse(got.body);
      expect(body).toMatchObject({
        event: "experiment.arm_stopped",
        experiment: { id: e.id, key: "harm" },
        arm: "treatment",
        guardrail: { metric: "duration", allowedHarm: 0.02 },
      });
      expect(body.guardrail.interval[1]).toBeLessThan(-0.02);

      // After the stop (serving re-reads its configuration within a second) nobody changes arm, and the
      // treatment's users are served the control's policy: the platform default here (no version).
      // The first request after the refresh interval starts the rebuild and is still served the old snapshot.
      await new Promise((r) => setTimeout(r, 1_100));
      await rank({ userId: "warm-up", candidates: rankCandidates(10), k: 5 });
      await new Promise((r) => setTimeout(r, 300));
      const sample = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"];
      expect(new Set(sample.map((u) => armOf.get(u)))).toEqual(new Set(["control", "treatment"]));
      for (const u of sample) {
        const r = await rank({ userId: u, candidates: rankCandidates(10), k: 5 });
        expect(r.arm).toBe(armOf.get(u));
        const d = await db.decision.findFirstOrThrow({ where: { id: r.decisionId } });
        expect(d.armKey).toBe(armOf.get(u));
        expect(d.policyVersionId).toBeNull();
      }
    },
  );
});
