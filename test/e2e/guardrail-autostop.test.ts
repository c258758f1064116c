import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";
import { verifyWebhookSignature } from "@/lib/webhooks/webhook-signature";
import { screenshot, signInAs, VIEWPORTS } from "@/test/support/browser";
import { startBrowserPlatform } from "@/test/support/browser-platform";
import { harmfulExperiment, SCORE_BLIND_ACTION } from "@/test/support/harmful-treatment";
import type { RunningPlatform } from "@/test/support/platform";
import { platformApi } from "@/test/support/route-calls";

/**
 * AC4 of the auto-stop: a running experiment whose treatment is a deliberately harmful fixed action
 * is stopped by the scheduled guardrail job while simulated traffic runs through the real API; the
 * banner, the audit entry and the signed webhook (a receiver on 127.0.0.1) show it, and no user
 * ever changed arm.
 */
const API_KEY = "flk_e2e_guardrail_test_key_0123456789";
const SECRET = "e2e-webhook-secret-0123456789";
const ADMIN = { email: "guard@fusionlab.test", password: "guardrail-admin-pw-1" };

let platform: RunningPlatform;
let browser: Browser;
let stop: () => Promise<void>;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.statusCode = 204;
    res.end();
  });
});
let hookUrl = "";

const api = platformApi(() => platform.url, API_KEY);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fusionlab`;
  ({ platform, browser, stop } = await startBrowserPlatform({
    pgAdminUrl: inject("pgAdminUrl"),
    dbPrefix: "fl_e2e_guard",
    admin: ADMIN,
    env: {
      FUSIONLAB_API_KEY: API_KEY,
      FUSIONLAB_DATA_DIR: ".data/e2e-guardrail",
      // Short enough to act during the run; the default is 300 s.
      FUSIONLAB_GUARDRAIL_CHECK_SECONDS: "5",
      FUSIONLAB_WEBHOOK_SECRET: SECRET,
    },
  }));
});

afterAll(async () => {
  await stop?.();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describe("guardrail auto-stop during simulated traffic", () => {
  it(
    "stops the harmful arm, shows the banner and the audit entry, sends the signed webhook, moves " + "nobody",
    async () => {
      await api("POST", "/api/v1/layers", { key: "guard", name: "Guardrail test" });
      await api("POST", "/api/v1/scenarios", { key: "guard", name: "Guard", config: { world: { items: 3000 } } });
      const harmful = await registerFixedPolicyVersion(SYSTEM_ACTOR, {
        key: "score-blind",
        name: "Score-blind (deliberately harmful)",
        action: SCORE_BLIND_ACTION,
      });
      const exp = await api<{ id: string }>(
        "POST",
        "/api/v1/experiments",
        harmfulExperiment("harmful", "guard", harmful.versionId, hookUrl),
      );
      // The launch gate blocks the start (no offline evaluation against the control); an editor
      // overrides it on the page with a reason.
      const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
      await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
      await page.goto(`${platform.url}/experiments/${exp.id}`);
      const gate = page.getByRole("form", { name: "Launch gate" });
      await gate.getByText(/arm "treatment" has no completed offline evaluation of score-blind@v1/).waitFor();
      expect(await page.getByRole("button", { name: "Start experiment" }).count()).toBe(0);
      await page.getByRole("button", { name: "Queue evaluation" }).waitFor();
      await screenshot(page, "experiment-launch-gate-desktop");
      await gate.getByRole("button", { name: "Start anyway…" }).click();
      const reason = "Guardrail drill: this treatment is harmful on purpose.";
      await gate.getByLabel(/Reason for overriding/).fill(reason);
      await gate.getByRole("button", { name: "Override and start" }).click();
      await page.getByRole("button", { name: "Stop experiment" }).waitFor();
      const job = await api<{ id: string }>("POST", "/api/v1/jobs", {
        type: "simulate-traffic",
        payload: {
          experiment: "harmful",
          scenario: "guard",
          users: 1500,
          sessionsPerUser: 1,
          prePeriodDays: 0,
          concurrency: 8,
        },
      });

      // The scheduled check-guardrails job stops the arm while the traffic still runs.
      const arm = await until(
        "the treatment arm to stop",
        async () =>
          await db.arm.findFirst({ where: { experimentId: exp.id, key: "treatment", stoppedAt: { not: null } } }),
        240_000,
      );
      const traffic = await until(
        "the traffic job to end",
        async () => {
          const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
          return ["completed", "failed", "cancelled"].includes(j.state) && j;
        },
        300_000,
      );
      expect(traffic.error).toBeNull();
      expect(traffic.state).toBe("completed");
      expect(arm.stoppedAt!.getTime()).toBeLessThan(traffic.finishedAt!.getTime());
      expect(arm.stopReason).toMatch(/^Guardrail duration failed by the sequential test: Harmed beyond/);
      const checks = await db.job.findMany({ where: { type: "check-guardrails", state: "completed" } });
      expect(checks.some((c) => (c.result as { stopped: string[] }).stopped.includes("harmful/treatment"))).toBe(true);

      // Nobody changed arm; control users only ever got the control's policy; after the stop the
      // treatment's users got it too (decisions still name their assigned arm).
      const decisions = await db.decision.findMany({
        where: { experimentId: exp.id },
        select: { userId: true, armKey: true, policyVersionId: true, ts: true },
      });
      const arms = new Map<string, Set<string>>();
      for (const d of decisions) arms.set(d.userId, (arms.get(d.userId) ?? new Set()).add(d.armKey!));
      expect([...arms.values()].every((s) => s.size === 1)).toBe(true);
      const control = decisions.filter((d) => d.armKey === "control");
      expect(control.length).toBeGreaterThan(100);
      expect(control.every((d) => d.policyVersionId !== harmful.versionId)).toBe(true);
      const afterStop = decisions.filter(
        (d) => d.armKey === "treatment" && d.ts.getTime() > arm.stoppedAt!.getTime() + 3_000,
      );
      expect(afterStop.length).toBeGreaterThan(0);
      expect(afterStop.every((d) => d.policyVersionId !== harmful.versionId)).toBe(true);

      // The signed webhook reached the receiver.
      const hook = await until(
        "the auto-stop webhook",
        async () => received.find((r) => r.headers["x-fusionlab-event"] === "experiment.arm_stopped"),
        120_000,
      );
      expect(verifyWebhookSignature(SECRET, hook.body, hook.headers["x-fusionlab-signature"] as string)).toBe(true);
      expect(JSON.parse(hook.body)).toMatchObject({
        event: "experiment.arm_stopped",
        experiment: { id: exp.id, key: "harmful" },
        arm: "treatment",
        guardrail: { metric: "duration", allowedHarm: 0.02 },
      });

      // The page: banner, audit entry (and the start's override reason), delivery log, offline/online table.
      await page.goto(`${platform.url}/experiments/${exp.id}`);
      const banner = page.getByTestId("autostop-banner");
      await banner.getByText("Arm treatment was stopped automatically").waitFor();
      expect(await banner.textContent()).toContain(arm.stopReason!);
      const audit = page.getByRole("table", { name: "Audit trail" });
      await audit.getByText("experiment.arm.autostop").waitFor();
      await audit.getByText(reason).waitFor();
      const log = page.getByRole("table", { name: "Webhook deliveries" });
      await log.getByText("experiment.arm_stopped").waitFor();
      await page
        .getByRole("table", { name: "Offline prediction and online result" })
        .getByText("no evaluation")
        .waitFor();
      await screenshot(page, "experiment-autostopped-desktop");
      await page.close();
    },
  );
});
