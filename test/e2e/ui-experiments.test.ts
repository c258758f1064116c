import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createApiKey } from "@/lib/api-keys/create-api-key";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { signedPct } from "@/lib/ui/format";
import { createUser } from "@/lib/users/create-user";
import { setUserRole } from "@/lib/users/set-user-role";
import { fitsViewport, screenshot, signInAs, VIEWPORTS } from "@/test/support/browser";
import { startBrowserPlatform } from "@/test/support/browser-platform";
import type { RunningPlatform } from "@/test/support/platform";

/**
 * The web UI's three jobs in real Chromium against the real `npm start`: create an experiment,
 * allocate its buckets and start it, run traffic and read the uplift report; ramping with its
 * preview (checked through the assignment API); roles (viewers see no controls, and the server
 * refuses them); live job progress; screenshots of the main pages at 1280 and 390 px.
 */
const ADMIN = { email: "admin@ui-e2e.test", password: "admin-ui-e2e-password" };
const NEW_USER = { email: "nina@ui-e2e.test", name: "Nina Newcomer", password: "nina-ui-e2e-password" };
const VIEWER = { email: "vic@ui-e2e.test", password: "vic-ui-e2e-password" };
const DEMOTED = { email: "ted@ui-e2e.test", password: "ted-ui-e2e-password" };
const API_KEY = "flk_e2e_ui_test_key_0123456789abcdef";

/**
 * Which policy the treatment arm serves. "enhanced-state" trains one through the UI's training form
 * (the `train-policy` job, quick preset); "fixed" registers a hand-set fixed version through the UI.
 * Switching the test to the Enhanced-State flow is this one line.
 */
const TREATMENT: "fixed" | "enhanced-state" = "enhanced-state";

let platform: RunningPlatform;
let browser: Browser;
let stop: (() => Promise<void>) | undefined;
let flowExperimentId = "";
let treatmentLabel = "";
const started = Date.now();
const mark = (what: string) => console.log(`[ui-e2e ${((Date.now() - started) / 1000).toFixed(0)}s] ${what}`);

async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  key = API_KEY,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await api<T>(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json;
}

/** The option of a select whose text contains `text` (labels carry evaluation figures). */
async function selectByText(page: Page, label: string, text: string, scope: Page | ReturnType<Page["locator"]> = page) {
  const select = scope.getByLabel(label, { exact: true });
  const value = await select.locator("option", { hasText: text }).first().getAttribute("value");
  if (value === null) throw new Error(`no option "${text}" in ${label}`);
  await select.selectOption(value);
}

async function waitForJob(page: Page, timeoutMs: number): Promise<void> {
  await page.locator(".badge.state-completed, .badge.state-failed").first().waitFor({ timeout: timeoutMs });
  const failed = await page.locator(".badge.state-failed").count();
  if (failed) throw new Error(`job failed: ${await page.locator(".error").allTextContents()}`);
}

/** Creates the treatment arm's policy version through the UI and returns its label ("key@vN"). */
async function createTreatmentVersion(page: Page): Promise<string> {
  await page.goto(`${platform.url}/policies`);
  if (TREATMENT === "enhanced-state") {
    const form = page.getByRole("form", { name: "Train policy" });
    // The preset starts on quick, each with its run times; Type sends what it shows.
    expect(await form.getByLabel("Preset", { exact: true }).inputValue()).toBe("quick");
    await form
      .getByLabel("Preset", { exact: true })
      .locator("option", { hasText: "~7–9 min Enhanced-State" })
      .waitFor({ state: "attached" });
    // Submitting with Policy empty flags Policy only, not Type (which shows "Fixed").
    await form.getByRole("button", { name: "Start training" }).click();
    await form
      .locator(".field", { has: page.getByLabel("Policy", { exact: true }) })
      .locator(".field-error")
      .waitFor();
    expect(
      await form
        .locator(".field", { has: page.getByLabel("Type", { exact: true }) })
        .locator(".field-error")
        .count(),
    ).toBe(0);
    await form.getByLabel("Policy", { exact: true }).fill("es-quick");
    await form.getByLabel("Type", { exact: true }).selectOption("enhanced_state");
    await selectByText(page, "Scenario", "ui-e2e", form);
    // Training settings are inputs (the JSON stays under "advanced"); the quick preset's own value.
    await form.getByLabel("Gradient steps per round").fill("60");
    await form.getByRole("button", { name: "Start training" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const trainJobId = page.url().split("/").pop()!;
    expect((await db.job.findUniqueOrThrow({ where: { id: trainJobId } })).payload).toMatchObject({
      preset: "quick",
      trainingConfig: { stepsPerRound: 60 },
    });
    await waitForJob(page, 240_000);
    // The job page links the version it registered (marked "not improved" when no checkpoint passed the gate).
    await page.getByRole("link", { name: "es-quick v1" }).waitFor();
    // It reads like a product: what it trained, 100% when done, settings in words, the JSON put away.
    await page.getByRole("heading", { name: "train-policy · es-quick (Enhanced-State RL)" }).waitFor();
    expect(await page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");
    expect(await page.locator("pre.json").first().isVisible()).toBe(false);
    await page.getByText("Advanced: payload and result as JSON").waitFor();
    // Evaluate it offline (small, quick) so that the version picker shows its evaluation.
    await page.goto(`${platform.url}/policies/es-quick`);
    const evaluate = page.getByRole("form", { name: "Evaluate policy version" });
    await selectByText(page, "Scenario", "ui-e2e", evaluate);
    await evaluate.getByLabel("Seeds").fill("2");
    await evaluate.getByLabel("Sessions per seed").fill("20");
    await evaluate.getByRole("button", { name: "Start evaluation" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await waitForJob(page, 120_000);
    // Its rollouts report progress without awaiting it: finished still means 100%, here and in lists.
    await page.getByRole("heading", { name: "evaluate-policy · es-quick@v1" }).waitFor();
    expect(await page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");
    for (const list of ["/jobs", "/dashboard"]) {
      await page.goto(`${platform.url}${list}`);
      const rows = page
        .getByRole("table", { name: "Jobs" })
        .getByRole("row")
        .filter({ has: page.locator(".badge.state-completed") });
      await rows.first().waitFor();
      for (const value of await rows
        .getByRole("progressbar")
        .evaluateAll((bars) => bars.map((b) => b.getAttribute("aria-valuenow"))))
        expect(value).toBe("100");
    }
    await page
      .getByRole("table", { name: "Jobs" })
      .getByRole("link", { name: "train-policy · es-quick (Enhanced-State RL)" })
      .waitFor();
    await page.goto(`${platform.url}/policies/es-quick`);
    await page.getByText("vs default fixed: valid plays").first().waitFor();
    return "es-quick@v1";
  }
  const form = page.getByRole("form", { name: "Register fixed policy" });
  await form.getByLabel("Policy key").fill("long-view-boost");
  await form.getByLabel("Policy name").fill("Long-view boost (fixed)");
  await form.getByLabel("w_long_view").fill("1.8");
  await form.getByLabel("w_watch_time").fill("1.5");
  await form.getByRole("button", { name: "Register version" }).click();
  await form.getByText("Registered long-view-boost@v1.").waitFor();
  return "long-view-boost@v1";
}

beforeAll(async () => {
  ({ platform, browser, stop } = await startBrowserPlatform({
    pgAdminUrl: inject("pgAdminUrl"),
    dbPrefix: "fl_e2e_ui",
    admin: ADMIN,
    env: { FUSIONLAB_API_KEY: API_KEY, FUSIONLAB_DATA_DIR: ".data/e2e-ui" },
    prepare: async () => {
      await createUser(SYSTEM_ACTOR, { ...VIEWER, name: "Vic Viewer", role: "viewer" });
      await createUser(SYSTEM_ACTOR, { ...DEMOTED, name: "Ted Soon-Viewer", role: "editor" });
    },
  }));
});

afterAll(() => stop?.());

describe("web UI: experiments, traffic, reports", () => {
  it(
    "a new user creates an experiment, allocates and starts it, runs traffic and reads a lift with its CI — " +
      "progress live",
    async () => {
      // An administrator adds the new user through the Users page.
      const admin = await browser.newPage();
      await signInAs(admin, platform.url, ADMIN.email, ADMIN.password);
      await admin.goto(`${platform.url}/admin/users`);
      const userForm = admin.getByRole("form", { name: "Create user" });
      await userForm.getByLabel("Name").fill(NEW_USER.name);
      await userForm.getByLabel("Email").fill(NEW_USER.email);
      await userForm.getByLabel("Password").fill(NEW_USER.password);
      await userForm.getByLabel("Role").selectOption("editor");
      await userForm.getByRole("button", { name: "Create user" }).click();
      await userForm.getByText(`Created ${NEW_USER.email}.`).waitFor();
      await admin.close();

      const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
      page.on("dialog", (d) => void d.accept());
      await signInAs(page, platform.url, NEW_USER.email, NEW_USER.password);
      await page.getByRole("heading", { name: "Getting started" }).waitFor();

      // A scenario for the simulator (small world: quick), from JSON.
      await page.goto(`${platform.url}/scenarios`);
      const scenarioForm = page.getByRole("form", { name: "Create scenario" });
      await scenarioForm.getByLabel("Scenario key").fill("ui-e2e");
      await scenarioForm.getByLabel("Scenario name").fill("UI e2e world");
      await scenarioForm.getByLabel("Edit as JSON").check();
      await scenarioForm.getByLabel("Scenario JSON").fill(JSON.stringify({ world: { items: 3000 } }));
      await scenarioForm.getByRole("button", { name: "Create scenario" }).click();
      await page.waitForURL(`${platform.url}/scenarios/ui-e2e`);

      mark("signed in, scenario created");
      treatmentLabel = await createTreatmentVersion(page);
      mark(`treatment version ${treatmentLabel} ready`);

      // A layer of its own.
      await page.goto(`${platform.url}/layers`);
      const layerForm = page.getByRole("form", { name: "Create layer" });
      await layerForm.getByLabel("Layer key").fill("feed");
      await layerForm.getByLabel("Layer name").fill("Feed ranking");
      await layerForm.getByRole("button", { name: "Create layer" }).click();
      await page.waitForURL(`${platform.url}/layers/feed`);

      // A metric of its own in the catalogue: the share of users who liked something.
      await page.goto(`${platform.url}/metrics`);
      const metricForm = page.getByRole("form", { name: "Define metric" });
      await metricForm.getByLabel("Metric key").fill("like_rate");
      await metricForm.getByLabel("Metric name").fill("Like rate");
      await metricForm.getByLabel("Description").fill("Users with at least one like / exposed users.");
      await metricForm.getByLabel("Kind").selectOption("proportion");
      await metricForm.getByRole("button", { name: "Create metric" }).click();
      // No event type picked: the field says so, and nothing is created.
      await metricForm.getByText("pick at least one event type", { exact: true }).waitFor();
      await metricForm
        .getByRole("group", { name: "Numerator: event types" })
        .getByLabel("like", { exact: true })
        .check();
      await metricForm.getByRole("button", { name: "Create metric" }).click();
      await page.getByRole("table", { name: "Metrics" }).getByText("share of users with ≥ 1 of like events").waitFor();

      // Create: validation messages appear next to their fields first, from the same zod rules as the API.
      await page.goto(`${platform.url}/experiments/new?layer=feed`);
      const form = page.getByRole("form", { name: "Create experiment" });
      await form.getByLabel("Key", { exact: true }).fill("Bad Key!");
      await form.getByRole("group", { name: "Arm 1" }).getByLabel("Weight (%)").fill("60");
      // The control starts on the platform default, shown with what it is; a treatment has no default.
      const arm1 = form.getByRole("group", { name: "Arm 1" });
      expect(await arm1.getByLabel("Policy version", { exact: true }).locator("option:checked").textContent()).toMatch(
        /^Platform default \(/,
      );
      await form.getByRole("button", { name: "Create experiment" }).click();
      await form
        .getByRole("group", { name: "Arm 2" })
        .locator(".field-error", { hasText: "choose the version this arm serves" })
        .waitFor();
      const keyField = form.locator(".field", { has: page.getByLabel("Key", { exact: true }) });
      await expect(keyField.locator(".field-error").textContent()).resolves.toMatch(/lowercase/);
      await expect(
        form
          .locator(".field", { has: page.getByLabel("Name", { exact: true }) })
          .locator(".field-error")
          .textContent(),
      ).resolves.toMatch(/required/);
      await expect(form.getByText("weights must sum to 100%, got 110%").first().isVisible()).resolves.toBe(true);
      // Focus moved to the first invalid field (keyboard users land on it).
      await expect(page.evaluate(() => document.activeElement?.getAttribute("name"))).resolves.toBe("key");

      await form.getByLabel("Key", { exact: true }).fill("es-vs-fixed");
      await form.getByLabel("Name", { exact: true }).fill("Enhanced-State vs fixed baseline");
      await form.getByLabel("Hypothesis").fill("Per-item fusion weights raise valid consumption.");
      await form.getByLabel("Layer buckets").fill("0-5000");
      await form.getByRole("group", { name: "Guardrail metrics" }).getByLabel("Like rate").check();
      // A small demo run: a verdict (and the lifts in the tables) from 30 users per arm.
      await form.getByLabel("Minimum users per arm").fill("30");
      await form.getByRole("group", { name: "Arm 1" }).getByLabel("Weight (%)").fill("50");
      const arm2 = form.getByRole("group", { name: "Arm 2" });
      await arm2.getByLabel("Arm key").fill("treatment");
      await selectByText(page, "Policy version", treatmentLabel, arm2);
      await expect(form.locator("option:checked", { hasText: treatmentLabel }).count()).resolves.toBe(1);
      // The picker shows each version's offline evaluation.
      if (TREATMENT === "enhanced-state")
        await arm2.locator("span.muted", { hasText: /rollout value: valid plays\/session \d/ }).waitFor();
      await form.getByRole("button", { name: "Create experiment" }).click();
      await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
      flowExperimentId = page.url().split("/").pop()!;
      await page.getByRole("heading", { name: /Enhanced-State vs fixed baseline/ }).waitFor();

      // Allocate its buckets on the layer's traffic page: take the whole layer.
      await page.getByRole("link", { name: "Allocate buckets" }).click();
      await page.waitForURL(new RegExp(`/layers/feed\\?experiment=${flowExperimentId}`));
      const alloc = page.getByRole("form", { name: "Allocate experiment" });
      await alloc.getByRole("button", { name: "Add all free buckets" }).click();
      await expect(alloc.getByLabel("Layer buckets").inputValue()).resolves.toBe("0-10000");
      await alloc.getByRole("button", { name: "Save allocation" }).click();
      await page.getByText("Allocation of es-vs-fixed saved.").waitFor();
      expect(
        (await ok<{ layerBuckets: number[][] }>("GET", `/api/v1/experiments/${flowExperimentId}`)).layerBuckets,
      ).toEqual([[0, 10000]]);

      // Start it.
      await page.goto(`${platform.url}/experiments/${flowExperimentId}`);
      await page.getByRole("button", { name: "Start experiment" }).click();
      await page.getByRole("button", { name: "Stop experiment" }).waitFor();

      // Run a traffic simulation from the page and watch its progress bar move without reloading.
      const sim = page.getByRole("form", { name: "Run traffic simulation" });
      await selectByText(page, "Scenario", "ui-e2e", sim);
      await sim.getByLabel("Users", { exact: true }).fill("180");
      await sim.getByLabel("Sessions per user").fill("1");
      await sim.getByLabel("Pre period days").fill("2");
      // A mark on the window survives in-place refreshes and dies with a reload.
      await page.evaluate(() => ((window as unknown as { uiMark: number }).uiMark = 42));
      await sim.getByRole("button", { name: "Run traffic simulation" }).click();
      mark("experiment created, allocated, started; simulation queued");
      const jobs = page.getByRole("table", { name: "Jobs" });
      await jobs.waitFor();
      const seen = new Set<number>();
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline) {
        const v = await jobs
          .getByRole("progressbar")
          .first()
          .getAttribute("aria-valuenow")
          .catch(() => null);
        if (v !== null) seen.add(Number(v));
        if (await jobs.locator(".badge.state-completed").count()) break;
        if (await jobs.locator(".badge.state-failed").count())
          throw new Error(`simulation failed: ${await jobs.textContent()}`);
        await page.waitForTimeout(250);
      }
      await jobs.locator(".badge.state-completed").waitFor({ timeout: 5_000 });
      // No reload: the mark is still on the window.
      await expect(page.evaluate(() => (window as unknown as { uiMark?: number }).uiMark)).resolves.toBe(42);
      expect([...seen].filter((v) => v > 0 && v < 100).length).toBeGreaterThanOrEqual(2);

      mark("simulation completed");
      // The report: per-arm table with lift and 95% CI, matching the report API.
      const table = page.getByRole("table", { name: "Valid consumption by arm" });
      await table.waitFor({ timeout: 30_000 });
      const row = table.getByRole("row").filter({ hasText: "treatment" });
      const cells = await row.getByRole("cell").allTextContents();
      type Cmp = { lift: number; ci: [number, number]; pValue: number; adjustedPValue: number; mean: number };
      const report = await ok<{
        arms: { key: string; users: number; metrics: Record<string, Cmp & { cuped: Cmp | null }> }[];
        srm: { ok: boolean };
        health: { multiArmUsers: { count: number }; preExposureEvents: number; prePeriod: { usersWithPre: number } };
        segments: { exploratory: boolean; dimensions: { dimension: string; segments: { segment: string }[] }[] };
      }>("GET", `/api/v1/experiments/${flowExperimentId}/report`);
      const t = report.arms.find((a) => a.key === "treatment")!;
      expect(t.users).toBeGreaterThan(30);
      const vc = t.metrics.valid_consumption;
      // One lift per metric: CUPED's by default (this run has a pre-period), the plain one with the toggle off.
      expect(vc.cuped).toBeTruthy();
      const cuped = vc.cuped!;
      expect(cells[3]).toBe(signedPct(cuped.lift, 2));
      expect(cells[4]).toBe(`[${signedPct(cuped.ci[0], 2)}, ${signedPct(cuped.ci[1], 2)}]`);
      // The Holm-adjusted p is shown.
      expect(cells[6]).toBe(cuped.adjustedPValue < 0.001 ? "<0.001" : cuped.adjustedPValue.toFixed(3));
      await page.getByLabel(/CUPED/).uncheck();
      const plain = await row.getByRole("cell").allTextContents();
      expect(plain[3]).toBe(signedPct(vc.lift, 2));
      expect(plain[4]).toBe(`[${signedPct(vc.ci[0], 2)}, ${signedPct(vc.ci[1], 2)}]`);
      expect(vc.ci[0]).toBeLessThan(vc.ci[1]);
      await page.getByLabel(/CUPED/).check();
      // Every number is explained: headers on hover, and a legend with the metric definitions.
      expect(await table.locator("th abbr[title]").count()).toBeGreaterThanOrEqual(7);
      await page.getByText("How to read these numbers").click();
      await page
        .getByText(/Holm-adjusted across the experiment's treatment arms/)
        .first()
        .waitFor();
      await page
        .getByText(/Valid plays \(at least 10 s or the whole video\) per exposed user/)
        .first()
        .waitFor();
      // The summary says who is in the experiment, who was served outside it, and for how long.
      const summary = page.getByRole("region", { name: "Report summary" });
      await summary.getByText("users in the experiment").waitFor();
      await summary.getByText("users served outside it").waitFor();
      expect(await summary.textContent()).toContain(String(report.arms.reduce((n, a) => n + a.users, 0)));
      // The control arm serves the platform default, with its version.
      await page
        .getByRole("table", { name: "Arms" })
        .getByText(/^platform default \(/)
        .waitFor();
      // Lift chart ticks are evenly spaced round numbers.
      const ticks = (
        await page
          .getByRole("figure", { name: "Lift with 95% CI: Valid consumption" })
          .locator(".recharts-cartesian-axis-tick-value")
          .allTextContents()
      )
        .filter((x) => x.endsWith("%"))
        .map((x) => Number(x.replace("−", "-").replace("%", "")));
      const steps = new Set(ticks.slice(1).map((x, i) => Number((x - ticks[i]).toFixed(6))));
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(steps.size).toBe(1);
      // The user-defined metric has its own table, with the report API's numbers.
      const likeRow = page
        .getByRole("table", { name: "Like rate by arm" })
        .getByRole("row")
        .filter({ hasText: "treatment" });
      await expect(likeRow.getByRole("cell").nth(3).textContent()).resolves.toBe(
        signedPct((t.metrics.like_rate.cuped ?? t.metrics.like_rate).lift, 2),
      );
      expect(t.metrics.like_rate.mean).toBeGreaterThan(0);
      // The chart of lift with CI and the cumulative lift chart are drawn.
      await page
        .getByRole("figure", { name: "Lift with 95% CI: Valid consumption" })
        .locator(".recharts-bar-rectangle")
        .first()
        .waitFor();
      await page
        .getByRole("figure", { name: /Cumulative lift over time/ })
        .locator(".recharts-line-dot")
        .first()
        .waitFor();
      if (!report.srm.ok) await page.getByText("Sample ratio mismatch.").waitFor();
      // Health checks: what the data-quality rules left out, with the report API's counts.
      const health = page.getByRole("region", { name: "Health checks" });
      await health.getByText("Users in more than one arm").waitFor();
      const healthText = await health.textContent();
      expect(healthText).toContain(`${report.health.multiArmUsers.count} excluded from the analysis`);
      expect(healthText).toContain(`${report.health.preExposureEvents} excluded`);
      expect(healthText).toMatch(/Events count from each user's first exposure until the experiment stops/);
      expect(report.health.prePeriod.usersWithPre).toBeGreaterThan(0); // the simulation's pre-period
      // Segments: exploratory, by the simulator's activity levels (user features activity_<level>).
      expect(report.segments.exploratory).toBe(true);
      const activity = report.segments.dimensions.find((d) => d.dimension === "activity")!;
      expect(activity.segments.length).toBeGreaterThanOrEqual(2);
      await page.getByText("Segments (exploratory)").click();
      const segmentRows = page.getByRole("table", { name: "segments" }).getByRole("row");
      await segmentRows.filter({ hasText: activity.segments[0].segment }).first().waitFor();
      await page.getByLabel("Segment by").selectOption("tenure");
      await segmentRows.filter({ hasText: "returning" }).first().waitFor();
      await screenshot(page, "ui-report-health-desktop");
      // Audit trail: created, allocated, started — by the new user.
      const audit = page.getByRole("table", { name: "Audit trail" });
      for (const action of ["experiment.create", "experiment.update", "experiment.start"])
        await audit.getByText(action).waitFor();
      expect(await audit.getByText(NEW_USER.email).count()).toBeGreaterThanOrEqual(3);
      await page.close();
    },
  );

  it("ramping in the UI previews who enters and leaves, blocks conflicts, and moves no user between arms", async () => {
    // A running experiment on 50% of layer "main" at 20% coverage, and a neighbour on [9000, 10000).
    const ramp = await ok<{ id: string }>("POST", "/api/v1/experiments", {
      key: "ramp-me",
      name: "Ramp me",
      layer: "main",
      layerBuckets: [[0, 5000]],
      coverage: 0.2,
      primaryMetric: "valid_consumption",
      arms: [
        { key: "control", control: true, weight: 0.5 },
        { key: "treatment", weight: 0.5 },
      ],
    });
    await ok("POST", `/api/v1/experiments/${ramp.id}/start`);
    const neighbour = await ok<{ id: string }>("POST", "/api/v1/experiments", {
      key: "neighbour",
      name: "Neighbour",
      layer: "main",
      layerBuckets: [[9000, 10000]],
      primaryMetric: "duration",
      arms: [{ key: "a", control: true }, { key: "b" }],
    });
    await ok("POST", `/api/v1/experiments/${neighbour.id}/start`);

    const users = Array.from({ length: 400 }, (_, i) => `ramp-user-${i}`);
    const assign = async () =>
      Promise.all(
        users.map(
          async (u) =>
            (await ok<{ arm: string | null }>("GET", `/api/v1/experiments/${ramp.id}/assignment?userId=${u}`)).arm,
        ),
      );
    const before = await assign();

    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signInAs(page, platform.url, NEW_USER.email, NEW_USER.password);
    await page.goto(`${platform.url}/layers/main?experiment=${ramp.id}`);
    const form = page.getByRole("form", { name: "Ramp experiment" });
    // A conflict with the neighbour shows before saving, and saving is impossible.
    await form.getByLabel("Layer buckets").fill("0-10000");
    await form.getByText(/Conflict: buckets 9000-10000 belong to running experiment "neighbour"/).waitFor();
    await expect(form.getByRole("button", { name: "Save ramp" }).isDisabled()).resolves.toBe(true);
    // Ramp: more layer buckets and more coverage.
    await form.getByLabel("Layer buckets").fill("0-8000");
    await form.getByLabel("Coverage (%)").fill("50");
    const preview = page.getByRole("region", { name: "Ramp preview" });
    await expect(preview.getByTestId("switch-arms").textContent()).resolves.toMatch(/^none/);
    const enterText = await preview.locator(".stat-value.ok").first().textContent();
    expect(Number(enterText!.replace(/[+%]/g, ""))).toBeGreaterThan(10); // 5% of the layer before, 40% after
    await expect(preview.getByRole("table", { name: "Per-arm change" }).getByRole("row").count()).resolves.toBe(3);
    await screenshot(page, "ui-ramp-preview-desktop");
    await form.getByRole("button", { name: "Save ramp" }).click();
    await page.getByText(/Ramp saved for ramp-me: coverage 50\.0%, layer buckets 0-8000/).waitFor();
    // The audit trail reads the ramp as what moved, in the form's units, not as JSON.
    await page.goto(`${platform.url}/experiments/${ramp.id}`);
    const audit = page.getByRole("table", { name: "Audit trail" });
    const coverage = audit
      .getByRole("listitem")
      .filter({ hasText: /^coverage:/ })
      .first();
    await expect(coverage.textContent()).resolves.toBe("coverage: 20.0% → 50.0%");
    await expect(
      audit
        .getByRole("listitem")
        .filter({ hasText: /^layerBuckets:/ })
        .first()
        .textContent(),
    ).resolves.toBe("layerBuckets: 0-5000 (5,000 buckets) → 0-8000 (8,000 buckets)");
    await page.close();

    const after = await assign();
    const stayed = before.filter((a) => a !== null).length;
    expect(stayed).toBeGreaterThan(5);
    for (let i = 0; i < users.length; i++) if (before[i] !== null) expect(after[i]).toBe(before[i]);
    expect(after.filter((a) => a !== null).length).toBeGreaterThan(stayed * 2.5);
  });

  it(
    "viewers see no lifecycle or allocation controls, and the server refuses start/stop to them (action and " + "API)",
    async () => {
      const draft = await ok<{ id: string }>("POST", "/api/v1/experiments", {
        key: "viewer-check",
        name: "Viewer check",
        layer: "main",
        layerBuckets: [[8000, 9000]],
        primaryMetric: "valid_consumption",
        arms: [{ key: "control", control: true }, { key: "treatment" }],
      });
      const viewer = await browser.newPage({ viewport: VIEWPORTS.mobile });
      await signInAs(viewer, platform.url, VIEWER.email, VIEWER.password);
      for (const id of [draft.id, flowExperimentId]) {
        await viewer.goto(`${platform.url}/experiments/${id}`);
        await viewer.getByRole("heading", { name: "Audit trail" }).waitFor();
        for (const name of ["Start experiment", "Stop experiment", "Run traffic simulation"])
          expect(await viewer.getByRole("button", { name }).count()).toBe(0);
        expect(await viewer.getByRole("link", { name: "Edit", exact: true }).count()).toBe(0);
      }
      await viewer.getByRole("table", { name: "Valid consumption by arm" }).waitFor(); // but the report is there
      await viewer.goto(`${platform.url}/layers/main`);
      expect(await viewer.getByRole("heading", { name: "Allocate and ramp" }).count()).toBe(0);
      await viewer.goto(`${platform.url}/experiments`);
      expect(await viewer.getByRole("link", { name: "New experiment" }).count()).toBe(0);
      expect((await viewer.goto(`${platform.url}/experiments/new`))?.status()).toBe(403);
      await viewer.goto(`${platform.url}/policies`);
      expect(await viewer.getByRole("button", { name: "Register version" }).count()).toBe(0);
      await viewer.close();

      // An editor's open page, then the role drops to viewer: the server action refuses the click.
      const ted = await browser.newPage();
      ted.on("dialog", (d) => void d.accept());
      await signInAs(ted, platform.url, DEMOTED.email, DEMOTED.password);
      await ted.goto(`${platform.url}/experiments/${draft.id}`);
      await ted.getByRole("button", { name: "Start experiment" }).waitFor();
      const tedRunning = await browser.newPage();
      tedRunning.on("dialog", (d) => void d.accept());
      await signInAs(tedRunning, platform.url, DEMOTED.email, DEMOTED.password);
      await tedRunning.goto(`${platform.url}/experiments/${flowExperimentId}`);
      await tedRunning.getByRole("button", { name: "Stop experiment" }).waitFor();
      const tedRow = await db.user.findUniqueOrThrow({ where: { email: DEMOTED.email } });
      await setUserRole(SYSTEM_ACTOR, { userId: tedRow.id, role: "viewer" });
      await ted.getByRole("button", { name: "Start experiment" }).click();
      await ted.getByRole("alert").filter({ hasText: "this needs the editor role" }).waitFor();
      await tedRunning.getByRole("button", { name: "Stop experiment" }).click();
      const tedStop = tedRunning.getByRole("form", { name: "Stop and record the decision" });
      await tedStop.getByLabel("Ship nothing (keep control)").check();
      await tedStop.getByRole("button", { name: "Stop and record decision" }).click();
      await tedRunning.getByRole("alert").filter({ hasText: "this needs the editor role" }).waitFor();
      expect((await ok<{ status: string }>("GET", `/api/v1/experiments/${draft.id}`)).status).toBe("draft");
      expect((await ok<{ status: string }>("GET", `/api/v1/experiments/${flowExperimentId}`)).status).toBe("running");
      await ted.reload();
      await ted.getByRole("heading", { name: "Audit trail" }).waitFor();
      expect(await ted.getByRole("button", { name: "Start experiment" }).count()).toBe(0);
      await ted.close();
      await tedRunning.close();

      // The API: a read-only key gets 403 on start and stop.
      const readOnly = await createApiKey(SYSTEM_ACTOR, { name: "read only", scopes: ["experiments:read"] });
      expect((await api("POST", `/api/v1/experiments/${draft.id}/start`, undefined, readOnly.key)).status).toBe(403);
      expect(
        (await api("POST", `/api/v1/experiments/${flowExperimentId}/stop`, { decision: "rerun" }, readOnly.key)).status,
      ).toBe(403);
      expect((await ok<{ status: string }>("GET", `/api/v1/experiments/${flowExperimentId}`)).status).toBe("running");
    },
  );

  it(
    "the platform default is visible: badge, history of which version was default when, arms name it with its " +
      "version",
    async () => {
      const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
      await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
      await page.goto(`${platform.url}/policies`);
      const form = page.getByRole("form", { name: "Register fixed policy" });
      await form.getByLabel("Policy key").fill("default-fixed");
      await form.getByLabel("Policy name").fill("Platform default");
      await form.getByRole("button", { name: "Register version" }).click();
      await form.getByText("Registered default-fixed@v1.").waitFor();
      await page
        .getByRole("table", { name: "Policies" })
        .getByRole("row")
        .filter({ hasText: "default-fixed" })
        .locator(".badge", { hasText: "platform default" })
        .waitFor();
      await page.goto(`${platform.url}/policies/default-fixed`);
      await page
        .getByRole("heading", { name: /Platform default/ })
        .first()
        .locator(".badge", { hasText: "platform default" })
        .waitFor();
      const history = await page
        .getByRole("table", { name: "Platform default history" })
        .getByRole("row")
        .allTextContents();
      expect(history.slice(1).map((r) => r.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/g, "T"))).toEqual([
        "default-fixed@v1Tnow",
        "built-in default (centre of the action box)platform startT",
      ]);
      // The running experiment's control served the built-in default, then this version.
      await page.goto(`${platform.url}/experiments/${flowExperimentId}`);
      await page
        .getByRole("table", { name: "Arms" })
        .getByText("platform default (built-in default (centre of the action box), then default-fixed@v1)")
        .waitFor();
      // The key the traffic simulation made for itself is listed apart from the keys people made.
      await page.goto(`${platform.url}/admin/api-keys`);
      await page.getByText(/1 key made by traffic simulations \(0 still active\)/).waitFor();
      expect(
        await page
          .getByRole("table", { name: "API keys" })
          .getByText(/^traffic driver/)
          .count(),
      ).toBe(0);
      await page.getByText(/made by traffic simulations/).click();
      await page
        .getByRole("table", { name: "Traffic simulation API keys" })
        .getByText(/^traffic driver \(job [0-9a-f]{8}\)$/)
        .waitFor();
      await screenshot(page, "ui-api-keys-desktop");
      await page.close();
    },
  );

  it("main pages fit 1280 px and 390 px without sideways overflow (screenshots)", async () => {
    const policyKey = treatmentLabel.split("@")[0];
    const job = await db.job.findFirstOrThrow({ where: { type: "simulate-traffic" }, orderBy: { createdAt: "desc" } });
    const training = await db.job.findFirst({ where: { type: "train-policy" }, orderBy: { createdAt: "desc" } });
    const pages: [string, string, string][] = [
      ["dashboard", "/dashboard", "Dashboard"],
      ["experiments", "/experiments", "Experiments"],
      ["metrics", "/metrics", "Metrics"],
      ["experiment-new", "/experiments/new?layer=feed", "New experiment"],
      ["experiment-report", `/experiments/${flowExperimentId}`, "Audit trail"],
      ["experiment-edit", `/experiments/${flowExperimentId}/edit`, "Edit Enhanced-State vs fixed baseline"],
      ["metrics", "/metrics", "Metrics"],
      ["layers", "/layers", "Layers"],
      ["layer", "/layers/main", "Allocate and ramp"],
      ["policies", "/policies", "Versions"],
      ["policy", `/policies/${policyKey}`, "Versions and lineage"],
      ["default-policy", "/policies/default-fixed", "Platform default"],
      ["scenarios", "/scenarios", "Scenarios"],
      ["datasets", "/datasets", "Datasets"],
      ["jobs", "/jobs", "Jobs"],
      ["job", `/jobs/${job.id}`, "Log"],
      ...(training ? [["training-job", `/jobs/${training.id}`, "Log"] as [string, string, string]] : []),
    ];
    // Both widths at once (each in its own page): most of the time is spent waiting on the server.
    const results = await Promise.all(
      Object.entries(VIEWPORTS).map(async ([label, viewport]) => {
        const page = await browser.newPage({ viewport });
        await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
        const fits: { page: string; viewport: string; fits: boolean }[] = [];
        for (const [name, path, heading] of pages) {
          await page.goto(`${platform.url}${path}`);
          await page.getByRole("heading", { name: heading, exact: true }).first().waitFor();
          await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
          if (name === "experiment-report") await page.locator(".recharts-bar-rectangle").first().waitFor();
          fits.push({ page: name, viewport: label, fits: await fitsViewport(page) });
          await screenshot(page, `ui-${name}-${label}`);
        }
        await page.close();
        return fits;
      }),
    );
    expect(results.flat().filter((r) => !r.fits)).toEqual([]);
  });

  it("stopping asks for the decision and a note; both show on the page and in the audit trail", async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.goto(`${platform.url}/experiments/${flowExperimentId}`);
    await page.getByRole("button", { name: "Stop experiment" }).click();
    const stop = page.getByRole("form", { name: "Stop and record the decision" });
    // No choice made yet: the browser refuses the submit and nothing stops.
    await stop.getByRole("button", { name: "Stop and record decision" }).click();
    expect((await ok<{ status: string }>("GET", `/api/v1/experiments/${flowExperimentId}`)).status).toBe("running");
    await stop.getByLabel(/Ship (?!nothing)/).check();
    await stop.getByLabel(/^Note/).fill("Valid plays up, duration flat: ship it.");
    await screenshot(page, "ui-experiment-stop-decision-desktop");
    await stop.getByRole("button", { name: "Stop and record decision" }).click();
    await page.getByText("Valid plays up, duration flat: ship it.").first().waitFor();
    const e = await ok<{ status: string; decision: { decision: string; arm: string; note: string } }>(
      "GET",
      `/api/v1/experiments/${flowExperimentId}`,
    );
    expect(e.status).toBe("stopped");
    expect(e.decision).toEqual({ decision: "ship", arm: "treatment", note: "Valid plays up, duration flat: ship it." });
    await page
      .getByText(/^Ship .* \(treatment\)$/)
      .first()
      .waitFor();
    await page.close();
  });
});
