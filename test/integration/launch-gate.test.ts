import { describe, expect, it } from "vitest";
import * as experimentRoute from "@/app/api/v1/experiments/[id]/route";
import * as startRoute from "@/app/api/v1/experiments/[id]/start/route";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { createExperiment } from "@/lib/experiments/create-experiment";
import { createLayer } from "@/lib/experiments/layers";
import type { JobContext } from "@/lib/jobs/define-job";
import { enqueueJob } from "@/lib/jobs/job-service";
import { runEvaluation } from "@/lib/jobs/handlers/evaluate-policy";
import { createScenario } from "@/lib/scenarios/scenario-service";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";
import { SCORE_BLIND_ACTION } from "@/test/support/harmful-treatment";
import { routeContext, routeRequest } from "@/test/support/route-calls";
import { setupTestDatabase } from "@/test/support/test-database";

setupTestDatabase("fl_launch_gate");

const ctx = routeContext;
const req = routeRequest;
const jobCtx: JobContext = {
  jobId: "00000000-0000-4000-8000-00000000e001",
  attempt: 1,
  signal: new AbortController().signal,
  progress: async () => {},
  log: async () => {},
  enqueue: async (type, payload) => enqueueJob(SYSTEM_ACTOR, type, payload),
};
const NEUTRAL = [1, 1, 1, 1, 1, 1, 1, 0.1, 0.1, 0.02, 0.005, 0.005, 0.005, 0.1];
const evaluate = (policyVersionId: string, baselineVersionId?: string) =>
  runEvaluation(
    { policyVersionId, baselineVersionId, scenario: "gate", seeds: 3, sessionsPerSeed: 40, users: 200 },
    jobCtx,
  );

describe("offline launch gate", () => {
  it(
    "refuses a start without an evaluation against the control, then with the numbers, and starts with an " +
      "override",
    async () => {
      const key = (await createApiKey(SYSTEM_ACTOR, { name: "w", scopes: ["experiments:read", "experiments:write"] }))
        .key;
      await createLayer(SYSTEM_ACTOR, { key: "main", name: "Main" });
      await createScenario(SYSTEM_ACTOR, { key: "gate", name: "Gate", config: { world: { items: 3000 } } });
      const harmful = await registerFixedPolicyVersion(SYSTEM_ACTOR, {
        key: "blind",
        name: "Blind",
        action: SCORE_BLIND_ACTION,
      });
      const other = await registerFixedPolicyVersion(SYSTEM_ACTOR, { key: "other", name: "Other", action: NEUTRAL });
      const e = await createExperiment(SYSTEM_ACTOR, {
        key: "gated",
        name: "Gated",
        layer: "main",
        primaryMetric: "valid_consumption",
        guardrailMetrics: ["duration"],
        coverage: 0.5,
        arms: [
          { key: "control", control: true, weight: 0.5 },
          { key: "treatment", weight: 0.5, policyVersionId: harmful.versionId },
        ],
      });
      const start = async (body?: unknown) => {
        const res = await startRoute.POST(
          req(`/api/v1/experiments/gated/start`, key, { method: "POST", body }),
          ctx({ id: "gated" }),
        );
        return { status: res.status, json: await res.json() };
      };

      // No evaluation at all: refused, naming the arm and what to run.
      let res = await start();
      expect(res.status).toBe(409);
      expect(res.json.error.message).toMatch(
        /arm "treatment" has no completed offline evaluation of blind@v1 against the control's policy built-in default/,
      );
      expect(res.json.error.issues).toEqual([
        { path: "arms.treatment", message: expect.stringContaining("run evaluate-policy") },
      ]);

      // An evaluation against another baseline is not one against the control's policy.
      await evaluate(harmful.versionId, other.versionId);
      res = await start();
      expect(res.status).toBe(409);
      expect(res.json.error.message).toMatch(/no completed offline evaluation/);

      // Against the platform default (what the control serves): significantly worse, with the numbers.
      await evaluate(harmful.versionId);
      const stored = await db.offlineEvaluation.findFirstOrThrow({
        where: { policyVersionId: harmful.versionId, baselineVersionId: null },
      });
      const vc = (stored.result as { vsBaseline: Record<string, { relative: { mean: number; ci: [number, number] } }> })
        .vsBaseline.validConsumption.relative;
      expect(vc.ci[1]).toBeLessThan(0);
      const pct = (x: number) => `${x > 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}%`;
      res = await start();
      expect(res.status).toBe(409);
      expect(res.json.error.message).toContain(`significantly worse offline than the control's built-in default`);
      expect(res.json.error.message).toContain(
        `valid_consumption ${pct(vc.mean)} [${pct(vc.ci[0])}, ${pct(vc.ci[1])}]`,
      );
      expect(res.json.error.message).toMatch(/duration −\d+\.\d% \[.*\] \(allowed harm −2\.0%\)/);
      expect((await db.experiment.findUniqueOrThrow({ where: { id: e.id } })).status).toBe("draft");

      // A too-short reason is a 400 naming the field; a real one starts it and is audited.
      res = await start({ override: { reason: "ok" } });
      expect(res.status).toBe(400);
      expect(res.json.error.issues[0].path).toBe("override.reason");
      const reason = "Deliberately harmful arm for the guardrail drill; stopped by hand within the hour.";
      res = await start({ override: { reason } });
      expect(res.status).toBe(200);
      expect(res.json.status).toBe("running");
      const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: e.id, action: "experiment.start" } });
      const gate = (
        audit.after as {
          launchGate: {
            override: { reason: string; overrode: string[] };
            arms: { key: string; status: string; evaluationId: string }[];
          };
        }
      ).launchGate;
      expect(gate.override).toEqual({ reason, overrode: ["treatment"] });
      expect(gate.arms[0]).toMatchObject({ key: "treatment", status: "harmful", evaluationId: stored.id });

      // Ramping users into the harmful treatment passes the gate again; ramping down does not.
      const patch = async (body: unknown) =>
        (
          await experimentRoute.PATCH(
            req(`/api/v1/experiments/gated`, key, { method: "PATCH", body }),
            ctx({ id: "gated" }),
          )
        ).status;
      expect(await patch({ coverage: 1 })).toBe(409);
      expect(await patch({ coverage: 0.25 })).toBe(200);
      expect(await patch({ coverage: 1, override: { reason } })).toBe(200);
      const ramp = await db.auditLog.findFirstOrThrow({
        where: { entityId: e.id, action: "experiment.ramp" },
        orderBy: { id: "desc" },
      });
      expect(JSON.stringify(ramp.after)).toContain(reason);
    },
  );
});
