// The approver inbox in a real browser: playwright-core driving Debian's Chromium
// (/usr/bin/chromium, or $WARDEN_CHROMIUM) against warden serve on loopback. lena signs in with
// her token, sees the paused 750 refund with its SLA countdown, opens it with its full context and
// approves it; the agent's long-poll returns approved, its resume runs the action once, the chain
// verifies. carla (cfo) neither sees nor opens it. Modify shows the policy's new decision before
// it is submitted. The kill switch, behind a confirmation, halts a running action. Controls are
// found by their labels and roles, as a screen reader finds them. Screenshots go to
// test/output/serve/ (not committed).
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookup, refund750, serve, type Served } from "./fixture.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const OUT = join(ROOT, "test/output/serve");
const CHROMIUM = process.env.WARDEN_CHROMIUM ?? "/usr/bin/chromium";
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set WARDEN_CHROMIUM): browser tests skipped`;
if (missing) console.warn(missing);

let s: Served;
let browser: Browser;

beforeAll(async () => {
  if (missing) return;
  mkdirSync(OUT, { recursive: true });
  s = await serve(`sqlite:${join(mkdtempSync(join(tmpdir(), "warden-inbox-")), "w.db")}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function signIn(as: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${s.url}/inbox`);
  expect(page.url()).toBe(`${s.url}/inbox/login`);
  await page.getByLabel("API token").fill(s.tokens[as]!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${s.url}/inbox`);
  return page;
}

/** Presses Tab until the target has focus (at most 60 times): what a keyboard user does. */
async function tabTo(page: Page, target: ReturnType<Page["getByRole"]>): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Form controls and links a screen reader could not name, and what the page misses around them. */
async function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    if (!document.documentElement.lang) problems.push("<html> has no lang");
    if (!document.title) problems.push("no <title>");
    if (!document.querySelector("main")) problems.push("no <main> landmark");
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("input:not([type=hidden]), textarea, select"))) {
      const named = (el as HTMLInputElement).labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
      if (!named) problems.push(`${el.tagName.toLowerCase()}#${el.id || "?"} has no label`);
    }
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("button, a[href]"))) if (!(el.textContent ?? "").trim() && !el.getAttribute("aria-label")) problems.push(`${el.tagName.toLowerCase()} has no text`);
    for (const f of Array.from(document.querySelectorAll("form"))) if (!f.getAttribute("aria-label") && !f.getAttribute("aria-labelledby") && !f.closest("nav")) problems.push(`a form posting to ${f.getAttribute("action")} has no name`);
    return problems;
  });
}

describe.skipIf(missing !== undefined)(`the approver inbox in Chromium${missing ? ` (${missing})` : ""}`, { timeout: 120_000 }, () => {
  it("lena approves the paused 750 refund; the agent's long-poll returns approved; it runs once; the chain verifies; carla cannot see it", async () => {
    const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750(), effect: "state" });
    expect(p.status).toBe(202);
    const { approval_id, action_id, ticket } = p.body;
    const waited = s.call("support-bot-1", "GET", `/v1/approvals/${approval_id}/wait?timeout_s=60`);

    const page = await signIn("lena");
    const table = page.getByRole("table", { name: "Pending approvals" });
    const link = table.getByRole("link", { name: approval_id.slice(0, 8) });
    await expect(link.count()).resolves.toBe(1);
    await expect(table.getByText(/due in \d+ min/).count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(OUT, "inbox.png"), fullPage: true });

    await link.click();
    await page.waitForURL(`${s.url}/inbox/approvals/${approval_id}`);
    const main = page.getByRole("main");
    await expect(main.getByText("I was charged twice for order A-1001").count()).resolves.toBe(1);
    await expect(main.getByText(/amount 750 exceeds the approval threshold/).count()).resolves.toBe(1);
    await expect(main.getByText(ticket.request_hash).count()).resolves.toBe(1);
    await page.screenshot({ path: join(OUT, "approval.png"), fullPage: true });

    await page.getByRole("form", { name: "Approve or reject" }).getByLabel("Comment").fill("charged twice: refund");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toMatch(/Recorded: approve\. The approval is now approved/);
    await page.screenshot({ path: join(OUT, "approved.png"), fullPage: true });

    const w = await waited;
    expect(w.body.status).toBe("approved");
    const go = await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/resume`, { ticket, effect: "state" });
    expect(go.body.status).toBe("go");
    const done = await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/outcome`, { status: "succeeded", change: { resource: "orders/A-1001", before: { refunded: 0 }, after: { refunded: 750 } } });
    expect(done.body.status).toBe("executed");
    expect((await s.call("support-bot-1", "POST", `/v1/actions/${action_id}/resume`, { ticket, effect: "state" })).body.code).toBe("already_executed");
    let intents = 0;
    for await (const r of s.audit.list({ action_id, type: "intent" })) if (r) intents++;
    expect(intents).toBe(1);
    expect((await s.call("auditor", "GET", "/v1/audit/verify")).body.ok).toBe(true);

    // carla (cfo): not routed to her role.
    const other = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750("A-2002") });
    const carla = await signIn("carla");
    await expect(carla.getByText("No approvals are waiting for you.").count()).resolves.toBe(1);
    const res = await carla.goto(`${s.url}/inbox/approvals/${other.body.approval_id}`);
    expect(res?.status()).toBe(404);
    await carla.screenshot({ path: join(OUT, "wrong-role.png"), fullPage: true });
  });

  it("modify shows the policy's new decision before it is submitted", async () => {
    const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750("A-3003") });
    const page = await signIn("lena");
    await page.goto(`${s.url}/inbox/approvals/${p.body.approval_id}`);
    await page.getByLabel("Modified parameters (JSON, merged over the request's)").fill(JSON.stringify({ amount: 400 }));
    await page.getByRole("button", { name: "Preview the policy's decision" }).click();
    await expect(page.locator("#redecided-category").textContent()).resolves.toBe("notify");
    await page.screenshot({ path: join(OUT, "modify-preview.png"), fullPage: true });
    await page.getByRole("form", { name: "Submit the modification" }).getByLabel("Comment").fill("partial refund");
    await page.getByRole("button", { name: "Submit the modification" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toMatch(/now modified/);
    const w = await s.call("support-bot-1", "GET", `/v1/approvals/${p.body.approval_id}/wait?timeout_s=0`);
    expect(w.body.status).toBe("modified");
  });

  it("the kill switch, confirmed, halts a running action", async () => {
    const go = await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() });
    expect(go.body.status).toBe("go");
    const page = await signIn("ops");
    await page.getByRole("link", { name: "Kill switch" }).click();
    await page.getByRole("button", { name: /Turn the kill switch on/ }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/Are you sure/);
    await page.getByLabel("Reason").fill("drill");
    await page.getByRole("button", { name: "Yes, turn it on" }).click();
    await expect(page.locator("#kill-state").textContent()).resolves.toBe("ON");
    await page.screenshot({ path: join(OUT, "kill-switch.png"), fullPage: true });
    expect((await s.call("support-bot-1", "GET", `/v1/actions/${go.body.action_id}`)).body.abort_requested).toBe(true);
    expect((await s.call("support-bot-1", "POST", `/v1/actions/${go.body.action_id}/outcome`, { status: "failed", error: "aborted" })).body.status).toBe("aborted");
    expect((await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() })).status).toBe(403);
  });

  it("the notify queue is reviewed in the inbox; the audit page shows the chain verifying", async () => {
    expect((await s.call("ops", "POST", "/v1/kill-switch", { on: false })).body.on).toBe(false); // the previous test threw it
    const go = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750("A-4004", 20), effect: "state" });
    expect(go.body.status).toBe("go");
    const done = await s.call("support-bot-1", "POST", `/v1/actions/${go.body.action_id}/outcome`, { status: "succeeded", change: { resource: "orders/A-4004", before: { refunded: 0 }, after: { refunded: 20 } } });
    expect(done.body.queued_for_review).toBe(true);
    const page = await signIn("lena");
    await page.getByRole("link", { name: "Notify queue" }).click();
    const form = page.getByRole("form", { name: `Review ${go.body.action_id.slice(0, 8)}` });
    await form.getByLabel("Comment").fill("fine");
    await form.getByRole("button", { name: "Mark reviewed" }).click();
    await expect(page.getByText("Nothing to review.").count()).resolves.toBe(1);
    const auditor = await signIn("auditor");
    await auditor.getByRole("link", { name: "Audit trail" }).click();
    await expect(auditor.locator("#audit-status").textContent()).resolves.toMatch(/The chain verifies/);
    await auditor.screenshot({ path: join(OUT, "audit.png"), fullPage: true });
  });

  it("by keyboard alone, lena signs in and approves; every page names its controls for a screen reader", async () => {
    const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750("A-5005") });
    expect(p.status).toBe(202);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${s.url}/inbox`);
    expect(await unlabelled(page)).toEqual([]);
    await tabTo(page, page.getByLabel("API token"));
    await page.keyboard.type(s.tokens.lena!);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${s.url}/inbox`);
    expect(await unlabelled(page)).toEqual([]);
    await tabTo(page, page.getByRole("link", { name: p.body.approval_id.slice(0, 8) }));
    await page.keyboard.press("Enter");
    await page.waitForURL(`${s.url}/inbox/approvals/${p.body.approval_id}`);
    expect(await unlabelled(page)).toEqual([]);
    const decide = page.getByRole("form", { name: "Approve or reject" });
    await tabTo(page, decide.getByLabel("Comment"));
    await page.keyboard.type("by keyboard");
    await tabTo(page, page.getByRole("button", { name: "Approve" }));
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").textContent()).resolves.toMatch(/Recorded: approve\. The approval is now approved/);
    expect((await s.call("support-bot-1", "GET", `/v1/approvals/${p.body.approval_id}/wait?timeout_s=0`)).body.status).toBe("approved");
    for (const path of ["/inbox/notify", "/inbox/kill-switch", "/inbox/audit"]) {
      const other = await signIn(path === "/inbox/notify" ? "lena" : path === "/inbox/audit" ? "auditor" : "ops");
      await other.goto(`${s.url}${path}`);
      expect([path, await unlabelled(other)]).toEqual([path, []]);
    }
  });
});
