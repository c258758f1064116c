import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { fitsViewport, screenshot, signInAs, VIEWPORTS } from "@/test/support/browser";
import { startBrowserPlatform } from "@/test/support/browser-platform";
import type { RunningPlatform } from "@/test/support/platform";

/**
 * Scenarios and datasets in the UI: a scenario from JSON (with its validation messages), a generated
 * dataset that turns ready on the page by itself, a CSV import through the session-authenticated
 * upload route whose bad row is named by its line number.
 */
const ADMIN = { email: "admin@ui-data.test", password: "admin-ui-data-password" };
const FIXTURE = path.join(process.cwd(), "test", "fixtures", "sample-kuairand.csv");

let platform: RunningPlatform;
let browser: Browser;
let stop: (() => Promise<void>) | undefined;
let tmpDir: string;

beforeAll(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "fusionlab-ui-data-"));
  ({ platform, browser, stop } = await startBrowserPlatform({
    pgAdminUrl: inject("pgAdminUrl"),
    dbPrefix: "fl_e2e_ui_data",
    admin: ADMIN,
    env: { FUSIONLAB_DATA_DIR: ".data/e2e-ui-data" },
  }));
});

afterAll(async () => {
  await stop?.();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe("web UI: scenarios and datasets", () => {
  it("creates a scenario from JSON, showing what is wrong with bad JSON first", async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.goto(`${platform.url}/scenarios`);
    const form = page.getByRole("form", { name: "Create scenario" });
    await form.getByLabel("Scenario key").fill("small");
    await form.getByLabel("Scenario name").fill("Small world");
    await form.getByLabel("Edit as JSON").check();
    const json = form.getByLabel("Scenario JSON");
    expect(JSON.parse(await json.inputValue()).world.items).toBeGreaterThan(0); // prefilled with the defaults
    await json.fill("{ world: ");
    await form.getByRole("button", { name: "Create scenario" }).click();
    await form.getByText(/not valid JSON/).waitFor();
    await json.fill(JSON.stringify({ world: { items: 2000, itemz: 1 } }));
    await form.getByRole("button", { name: "Create scenario" }).click();
    await form.locator(".field-error", { hasText: /itemz/ }).waitFor();
    await json.fill(JSON.stringify({ world: { items: 2000 } }));
    await form.getByRole("button", { name: "Create scenario" }).click();
    await page.waitForURL(`${platform.url}/scenarios/small`);
    await page.getByText('"items": 2000').waitFor();
    await screenshot(page, "ui-scenario-desktop");
    await page.goto(`${platform.url}/scenarios`);
    await screenshot(page, "ui-scenarios-desktop");
    await page.close();
  });

  it("generates a dataset whose status turns ready on the page without a reload", async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.goto(`${platform.url}/datasets`);
    const form = page.getByRole("form", { name: "Generate dataset" });
    await form.getByLabel("Dataset name").fill("small logs");
    const scenario = form.getByLabel("Scenario");
    await scenario.selectOption((await scenario.locator("option", { hasText: "(small)" }).getAttribute("value"))!);
    await form.getByLabel("Sessions").fill("150");
    await form.getByRole("button", { name: "Generate dataset" }).click();
    const table = page.getByRole("table", { name: "Datasets" });
    const row = table.getByRole("row").filter({ hasText: "small logs" });
    await row.waitFor();
    await page.evaluate(() => ((window as unknown as { uiMark: number }).uiMark = 7));
    await row.locator(".badge.status-ready").waitFor({ timeout: 120_000 });
    await expect(page.evaluate(() => (window as unknown as { uiMark?: number }).uiMark)).resolves.toBe(7); // no reload
    await row.getByRole("link", { name: "small logs" }).click();
    await page.getByRole("heading", { name: "Summary" }).waitFor();
    await page.close();
  });

  it("imports a CSV through the upload route and its job; a bad row is reported with its line number", async () => {
    const lines = fs.readFileSync(FIXTURE, "utf8").split("\n");
    const header = lines[0].split(",");
    const bad = lines[5].split(",");
    bad[header.indexOf("is_click")] = "maybe";
    const badFile = path.join(tmpDir, "bad.csv");
    fs.writeFileSync(badFile, [...lines.slice(0, 5), bad.join(","), ...lines.slice(6)].join("\n"));

    const page = await browser.newPage({ viewport: VIEWPORTS.mobile });
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.goto(`${platform.url}/datasets`);
    const form = page.getByRole("form", { name: "Import CSV" });
    await form.getByLabel("Dataset name").fill("broken upload");
    await form.getByLabel("CSV file").setInputFiles(badFile);
    await form.getByRole("button", { name: "Import CSV" }).click();
    await form.getByRole("alert").filter({ hasText: "line 6" }).waitFor();
    const alert = (await form.getByRole("alert").textContent()) ?? "";
    expect(alert).toMatch(/Line 6/);
    // Said once: not "Line 6: line 6: …", and the row's problem is not repeated above its line.
    expect(alert.match(/is_click/g)?.length).toBe(1);
    expect(alert).not.toMatch(/line 6: line 6/i);
    // The upload became a dataset whose import job failed: listed as failed, with no data.
    const brokenRow = page
      .getByRole("table", { name: "Datasets" })
      .getByRole("row")
      .filter({ hasText: "broken upload" });
    await brokenRow.getByText("failed").waitFor();

    await form.getByLabel("Dataset name").fill("kuairand sample");
    await form.getByLabel("CSV file").setInputFiles(FIXTURE);
    await form.getByRole("button", { name: "Import CSV" }).click();
    await form.getByText(/Imported "kuairand sample"/).waitFor();
    await page.getByRole("table", { name: "Datasets" }).getByText("kuairand sample").waitFor();
    expect(await fitsViewport(page)).toBe(true);
    await screenshot(page, "ui-datasets-import-mobile");

    // Names are unique: the same name again is refused on its field, before anything is stored.
    await form.getByLabel("Dataset name").fill("kuairand sample");
    await form.getByLabel("CSV file").setInputFiles(FIXTURE);
    await form.getByRole("button", { name: "Import CSV" }).click();
    await form.locator(".field-error", { hasText: "is taken" }).waitFor();
    expect(
      await page
        .getByRole("table", { name: "Datasets" })
        .getByRole("row")
        .filter({ hasText: "kuairand sample" })
        .count(),
    ).toBe(1);

    // A PNG named .csv is refused by its content, not parsed as CSV.
    const png = path.join(tmpDir, "picture.csv");
    fs.writeFileSync(
      png,
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
        Buffer.from("IHDR"),
        Buffer.alloc(64, 7),
      ]),
    );
    await form.getByLabel("Dataset name").fill("not a table");
    await form.getByLabel("CSV file").setInputFiles(png);
    await form.getByRole("button", { name: "Import CSV" }).click();
    await form.getByRole("alert").filter({ hasText: "not a CSV file" }).waitFor();
    expect(await page.getByRole("table", { name: "Datasets" }).getByText("not a table").count()).toBe(0);

    // The imported dataset says what it holds: its sessions, and who logged it, in words.
    await page.getByRole("table", { name: "Datasets" }).getByRole("link", { name: "kuairand sample" }).click();
    await page.getByRole("heading", { name: /kuairand sample/ }).waitFor();
    const facts = (await page.locator("dl.facts").first().textContent()) ?? "";
    expect(facts).toMatch(/Sessions\d/);
    expect(facts).toContain("the production policy that logged the CSV");
    expect(facts).not.toContain("null");
    await screenshot(page, "ui-dataset-mobile");

    // The route is for signed-in editors: without a session it answers 401.
    const anonymous = await fetch(`${platform.url}/api/internal/datasets/import?name=x`, {
      method: "POST",
      body: "a,b\n1,2\n",
    });
    expect(anonymous.status).toBe(401);
    await page.close();
  });
});
