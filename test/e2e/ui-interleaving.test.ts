import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { SCORE_NAMES } from "@/lib/fusion";
import { Rng } from "@/lib/random/rng";
import { registerFixedPolicyVersion } from "@/lib/policies/register-fixed-version";
import { expectAccessible, fitsViewport, screenshot, signInAs, VIEWPORTS } from "@/test/support/browser";
import { startBrowserPlatform } from "@/test/support/browser-platform";
import type { RunningPlatform } from "@/test/support/platform";

/**
 * An interleaving experiment in real Chromium against the real `npm start`: created with the form's
 * Design choice, started, served through /api/v1/rank and /api/v1/events, and its interleaving
 * report read on the experiment page (screenshots at 1280 and 390 px, axe-core scan).
 */
const ADMIN = { email: "admin@il-e2e.test", password: "admin-il-e2e-password" };
const API_KEY = "flk_e2e_interleaving_key_0123456789abc";

let platform: RunningPlatform;
let browser: Browser;
let stop: (() => Promise<void>) | undefined;
const versions: Record<string, string> = {};

async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

const weights = (task: number) => [
  ...SCORE_NAMES.map((_, k) => (k === task ? 3 : 0.01)),
  ...SCORE_NAMES.map(() => 0.1),
];

beforeAll(async () => {
  ({ platform, browser, stop } = await startBrowserPlatform({
    pgAdminUrl: inject("pgAdminUrl"),
    dbPrefix: "fl_e2e_il",
    admin: ADMIN,
    env: { FUSIONLAB_API_KEY: API_KEY, FUSIONLAB_DATA_DIR: ".data/e2e-il" },
    prepare: async () => {
      versions.click = (
        await registerFixedPolicyVersion(SYSTEM_ACTOR, { key: "by-click", name: "By click", action: weights(0) })
      ).versionId;
      versions.watch = (
        await registerFixedPolicyVersion(SYSTEM_ACTOR, { key: "by-watch", name: "By watch", action: weights(6) })
      ).versionId;
    },
  }));
});

afterAll(() => stop?.());

describe("web UI: interleaving experiments", () => {
  it("creates an interleaving experiment in the form, serves it and shows the interleaving report", async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.goto(`${platform.url}/experiments/new`);
    const form = page.getByRole("form", { name: "Create experiment" });
    await form.getByLabel("Key", { exact: true }).fill("click-vs-watch");
    await form.getByLabel("Name", { exact: true }).fill("Click vs watch (interleaved)");
    await form.getByLabel("Experiment type").selectOption("interleaving");
    for (const [i, version] of [versions.click, versions.watch].entries())
      await form
        .getByRole("group", { name: `Arm ${i + 1}` })
        .getByLabel("Policy version", { exact: true })
        .selectOption(version);
    await form.getByRole("button", { name: "Create experiment" }).click();
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
    await page.getByText("· interleaving ·").waitFor();
    const id = page.url().split("/").pop()!;
    // Hand-set fixed versions with no offline evaluation: the launch gate needs a stated reason.
    await ok("POST", `/api/v1/experiments/${id}/start`, {
      override: { reason: "interleaving e2e: hand-set fixed versions, not evaluated offline" },
    });

    const candidates = Array.from({ length: 12 }, (_, j) => ({
      itemId: `item-${j}`,
      scores: Object.fromEntries(
        SCORE_NAMES.map((s) => [s, s === "pClick" ? 0.05 + j * 0.07 : s === "pWatchTime" ? 0.9 - j * 0.07 : 0.3]),
      ),
    }));
    const events = [];
    for (let u = 0; u < 120; u++) {
      const rank = () =>
        ok<{ decisionId: string; experiment: string | null; arm: null; items: { itemId: string }[] }>(
          "POST",
          "/api/v1/rank",
          { userId: `user-${u}`, requestId: `r-${u}`, candidates, k: 6 },
        );
      let answer = await rank();
      // Web processes pick up a started experiment within a second (lib/serving/serving-config.ts).
      for (let tries = 0; u === 0 && answer.experiment === null && tries < 50; tries++) {
        await new Promise((r) => setTimeout(r, 200));
        answer = await rank();
      }
      expect(answer.experiment).toBe("click-vs-watch");
      expect(answer.arm).toBeNull();
      // Users lean to the click policy's favourites (high j), with per-user variety: wins, losses and ties.
      const rng = new Rng(`play-${u}`);
      for (const item of answer.items) {
        const j = Number(item.itemId.split("-")[1]);
        if (!rng.bernoulli(0.2 + 0.03 * j)) continue;
        const base = { decisionId: answer.decisionId, userId: `user-${u}`, itemId: item.itemId };
        events.push({ ...base, eventId: `${answer.decisionId}:${j}:v`, type: "valid_play" });
        events.push({ ...base, eventId: `${answer.decisionId}:${j}:p`, type: "play", value: 10 + j });
      }
    }
    for (let i = 0; i < events.length; i += 1000)
      await ok("POST", "/api/v1/events", { events: events.slice(i, i + 1000) });
    const report = await ok<{
      type: string;
      users: number;
      comparisons: { metric: string; wins: number; losses: number; ties: number }[];
    }>("GET", `/api/v1/experiments/${id}/report`);
    expect(report.type).toBe("interleaving");
    expect(report.users).toBe(120);
    const primary = report.comparisons.find((c) => c.metric === "valid_consumption")!;

    await page.goto(`${platform.url}/experiments/${id}`);
    await page.getByRole("heading", { name: "Interleaving report" }).waitFor();
    expect(await page.getByRole("heading", { name: "Uplift report" }).count()).toBe(0);
    const table = page.getByRole("table", { name: "Valid consumption: preference by pair" });
    const row = table.getByRole("row", { name: /control vs treatment/ });
    expect(await row.getByRole("cell").nth(2).textContent()).toBe(
      `${primary.wins} · ${primary.losses} · ${primary.ties}`,
    );
    expect(primary.wins).toBeGreaterThan(0);
    expect(primary.losses).toBeGreaterThan(0);
    await expectAccessible(page);
    await screenshot(page, "interleaving-report-desktop");
    await page.setViewportSize(VIEWPORTS.mobile);
    expect(await fitsViewport(page)).toBe(true);
    await screenshot(page, "interleaving-report-mobile");
    await page.close();
  });
});
