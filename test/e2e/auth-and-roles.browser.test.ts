import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createUser } from "@/lib/users/create-user";
import { fitsViewport, screenshot, signInAs, VIEWPORTS } from "@/test/support/browser";
import { startBrowserPlatform } from "@/test/support/browser-platform";
import type { RunningPlatform } from "@/test/support/platform";

const ADMIN = { email: "admin@e2e.test", password: "admin-e2e-password" };
const VIEWER = { email: "viewer@e2e.test", password: "viewer-e2e-password" };
const EDITOR = { email: "editor@e2e.test", password: "editor-e2e-password" };

let platform: RunningPlatform;
let browser: Browser;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ platform, browser, stop } = await startBrowserPlatform({
    pgAdminUrl: inject("pgAdminUrl"),
    dbPrefix: "fl_e2e",
    admin: ADMIN,
    env: { FUSIONLAB_DATA_DIR: ".data/e2e" },
    prepare: async () => {
      await createUser(SYSTEM_ACTOR, { ...VIEWER, name: "Vera Viewer", role: "viewer" });
      await createUser(SYSTEM_ACTOR, { ...EDITOR, name: "Ed Editor", role: "editor" });
    },
  }));
});

afterAll(() => stop?.());

describe("signing in and roles, in Chromium", () => {
  it("admin signs in, sees the dashboard and admin pages, signs out", async () => {
    for (const [label, viewport] of Object.entries(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      await page.goto(platform.url);
      await screenshot(page, `sign-in-${label}`);
      await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await page.getByText("active users").waitFor();
      expect(await fitsViewport(page)).toBe(true);
      await screenshot(page, `dashboard-${label}`);

      // On a phone the links fold behind the Menu button.
      if (label === "mobile") {
        expect(await page.getByRole("link", { name: "Users" }).isVisible()).toBe(false);
        await page.getByRole("button", { name: "Menu" }).click();
      }
      await page.getByRole("link", { name: "Users" }).click();
      await page.waitForURL(`${platform.url}/admin/users`);
      await page.getByRole("table", { name: "Users" }).getByText(VIEWER.email).waitFor();
      expect(await fitsViewport(page)).toBe(true);
      await screenshot(page, `users-${label}`);

      if (label === "mobile") await page.getByRole("button", { name: "Menu" }).click();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(`${platform.url}/`);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      // Signed out means signed out: the dashboard sends us back to sign in.
      await page.goto(`${platform.url}/dashboard`);
      await page.waitForURL(`${platform.url}/?callbackUrl=%2Fdashboard`);
      await page.close();
    }
  });

  it("signing in from a deep link returns to that page; a foreign callbackUrl is ignored", async () => {
    const page = await browser.newPage();
    await page.goto(`${platform.url}/jobs?state=completed`);
    await page.waitForURL(`${platform.url}/?callbackUrl=${encodeURIComponent("/jobs?state=completed")}`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${platform.url}/jobs?state=completed`);
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    // Already signed in: the sign-in page forwards to a local callbackUrl, never to another site.
    await page.goto(`${platform.url}/?callbackUrl=${encodeURIComponent("//evil.example/x")}`);
    await page.waitForURL(`${platform.url}/dashboard`);
    await page.close();
  });

  it("serves a favicon", async () => {
    const res = await fetch(`${platform.url}/icon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("image/svg+xml");
    const page = await browser.newPage();
    await page.goto(platform.url);
    expect(await page.locator('link[rel="icon"]').count()).toBeGreaterThan(0);
    await page.close();
  });

  it("a wrong password shows an error and does not sign in", async () => {
    const page = await browser.newPage();
    await page.goto(platform.url);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Wrong email or password.").waitFor();
    expect(page.url()).toBe(`${platform.url}/`);
    await page.close();
  });

  it("a viewer cannot reach admin-only pages, and the UI does not offer them", async () => {
    const page = await browser.newPage();
    await signInAs(page, platform.url, VIEWER.email, VIEWER.password);
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "API keys" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Run database maintenance" }).count()).toBe(0);
    for (const path of ["/admin/users", "/admin/api-keys"]) {
      const res = await page.goto(`${platform.url}${path}`);
      expect(res?.status()).toBe(403);
      await page.getByRole("heading", { name: /403/ }).waitFor();
    }
    await screenshot(page, "forbidden-desktop");
    await page.close();
  });

  it("admin creates an API key (shown once, with a copy button) that works on /api/v1 until revoked", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: platform.url });
    const page = await context.newPage();
    page.on("dialog", (d) => void d.accept());
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.goto(`${platform.url}/admin/api-keys`);
    await page.getByLabel(/metrics:read/).waitFor();
    await screenshot(page, "api-keys-desktop");
    await page.getByLabel("Name").fill("e2e-ranker");
    await page.getByLabel(/policies:read/).check();
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-api-key").textContent())!.trim();
    expect(key).toMatch(/^flk_/);
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await screenshot(page, "api-keys-desktop");
    const ok = await fetch(`${platform.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    // The metrics port is up, and this key lacks metrics:read.
    expect((await fetch(platform.metricsUrl, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
    await page.reload();
    expect(await page.getByText(key).count()).toBe(0); // never shown again
    await page.getByRole("button", { name: "Revoke e2e-ranker" }).click();
    await page.getByRole("table", { name: "API keys" }).getByText("revoked").waitFor();
    // Processes cache a looked-up key for at most 5 s (authenticate-api-key.ts), so revocation
    // takes effect everywhere within that time.
    let status = 0;
    for (let i = 0; i < 30 && status !== 401; i++) {
      if (i) await new Promise((r) => setTimeout(r, 250));
      status = (await fetch(`${platform.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${key}` } })).status;
    }
    expect(status).toBe(401);
    await context.close();
  });

  it("job progress updates on the page without a reload", async () => {
    const page = await browser.newPage();
    await signInAs(page, platform.url, ADMIN.email, ADMIN.password);
    await page.getByRole("button", { name: "Run database maintenance" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.getByText("completed", { exact: true }).first().waitFor({ timeout: 30_000 });
    expect(await page.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");
    await screenshot(page, "job-desktop");
    await page.close();
  });

  it(
    "admin disables a user on the Users page: the user's open session is refused at its next request; a password " +
      "reset works the same way",
    async () => {
      const editor = await browser.newPage();
      await signInAs(editor, platform.url, EDITOR.email, EDITOR.password);
      const admin = await browser.newPage({ viewport: VIEWPORTS.mobile });
      await signInAs(admin, platform.url, ADMIN.email, ADMIN.password);
      await admin.goto(`${platform.url}/admin/users`);
      await admin.getByRole("button", { name: `Disable ${EDITOR.email}` }).click();
      await admin.getByRole("button", { name: `Enable ${EDITOR.email}` }).waitFor();
      expect(await fitsViewport(admin)).toBe(true);
      await screenshot(admin, "users-disable-mobile");
      // The editor's browser still holds its session cookie; the next request is refused.
      await editor.goto(`${platform.url}/experiments`);
      await editor.waitForURL(`${platform.url}/?callbackUrl=%2Fexperiments`);

      await admin.getByRole("button", { name: `Enable ${EDITOR.email}` }).click();
      await admin.getByRole("button", { name: `Disable ${EDITOR.email}` }).waitFor();
      await signInAs(editor, platform.url, EDITOR.email, EDITOR.password);
      await admin.getByRole("button", { name: `Reset password of ${EDITOR.email}` }).click();
      await admin.getByLabel(`New password of ${EDITOR.email}`).fill("a-brand-new-password");
      await admin.getByRole("button", { name: "Set password", exact: true }).click();
      await admin.getByText("Password reset; their sessions have ended.").waitFor();
      await editor.goto(`${platform.url}/experiments`);
      await editor.waitForURL(`${platform.url}/?callbackUrl=%2Fexperiments`);
      await signInAs(editor, platform.url, EDITOR.email, "a-brand-new-password");
      await editor.close();
      await admin.close();
    },
  );

  it("security headers on pages, Next.js API routes and the serving fast path", async () => {
    const responses = [
      await fetch(`${platform.url}/`),
      await fetch(`${platform.url}/api/v1/jobs`),
      await fetch(`${platform.url}/api/v1/rank`, { method: "POST", body: "{}" }),
    ];
    for (const res of responses) {
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    }
    expect(responses[2].status).toBe(401);
  });
});
