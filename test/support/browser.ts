import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium driven by playwright-core (no downloaded browser), headless, no network chatter. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!fs.existsSync(executablePath))
    throw new Error(`Chromium not found at ${executablePath} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

export const SCREENSHOT_DIR = path.join(process.cwd(), "test", "e2e", "screenshots");
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, mobile: { width: 390, height: 844 } } as const;

/**
 * Saves a full-page screenshot, after an accessibility scan of the page: every page the e2e suite
 * photographs is also checked by axe-core (WCAG 2 A/AA rules) and must have no violation.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await expectAccessible(page, name);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

const AXE_SOURCE = path.join(
  path.dirname(createRequire(import.meta.url).resolve("axe-core/package.json")),
  "axe.min.js",
);

type AxeViolation = { id: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] };

/** Runs axe-core in the page; throws listing each violation (rule, help, first elements) if any. */
export async function expectAccessible(page: Page, label = page.url()): Promise<void> {
  // Next.js streams a page's metadata after its body: right after a server action re-renders the
  // page the <title> can still be on its way (a flaky document-title violation in CI). Wait for it;
  // a page that never gets one still fails below.
  await page.waitForFunction(() => document.title.trim().length > 0, undefined, { timeout: 5_000 }).catch(() => {});
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  if (violations.length > 0) {
    const text = violations
      .map(
        (v) =>
          `${v.id} (${v.help}):\n` +
          v.nodes
            .map((n) => `  ${JSON.stringify(n.target)} ${n.failureSummary?.split("\n").slice(1, 2).join("") ?? ""}`)
            .join("\n"),
      )
      .join("\n");
    throw new Error(`axe-core: ${violations.length} accessibility violation(s) on ${label}:\n${text}`);
  }
}

/** True when nothing on the page is wider than the viewport (no cut-off content, no sideways scroll). */
export async function fitsViewport(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

export async function signInAs(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${baseUrl}/dashboard`);
}
