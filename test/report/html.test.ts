// The report pages rendered in real Chromium (playwright-core driving /usr/bin/chromium, or
// $WARDEN_CHROMIUM): on the generated month (test/report/generate.ts), every table shows the JSON
// figures, every chart is labelled, draws the same figures at the right proportions and has its
// table; the pages load nothing from anywhere; the CLI writes the same JSON and pages. Screenshots
// go to test/output/report/ (gitignored), for people to look at.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { buildBundleBytes, openStore } from "../../src/bundle/index.ts";
import { governanceReview, type ReviewReport } from "../../src/governance/review.ts";
import { replay } from "../../src/replay/replay.ts";
import { impact, type Impact } from "../../src/report/impact.ts";
import { renderImpactHtml } from "../../src/report/impact-html.ts";
import { calibrationSection, renderReviewHtml, renderSectionHtml } from "../../src/report/review-html.ts";
import { generate, MONTH, type Generated } from "./generate.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const CHROMIUM = process.env.WARDEN_CHROMIUM ?? "/usr/bin/chromium";
const OUT = join(ROOT, "test/output/report");
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) console.warn(`test/report/html.test.ts: skipped, no Chromium at ${CHROMIUM} (set WARDEN_CHROMIUM)`);

let g: Generated;
let r: ReviewReport;
let opening: Impact;
let candidate: string;
/** A copy of the month's bundle store with the candidate published: the month's own store keeps revision B as the newest. */
let candidateBundles: string;
let browser: Browser;

/** A candidate that opens (refunds up to 1000 without approval; triage may write orders) and tightens (triage may no longer read them). */
async function openingCandidate(bundles: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "warden-open-"));
  cpSync(join(ROOT, "policy"), dir, { recursive: true });
  const file = join(dir, "governance", "data.json");
  const data = JSON.parse(readFileSync(file, "utf8"));
  data.actions["refund.issue"].approval_threshold = 1000;
  data.roles["triage-agent"].orders = ["write"];
  writeFileSync(file, JSON.stringify(data));
  return openStore(bundles).put((await buildBundleBytes({ paths: [dir] })).bytes).entry.revision;
}

function warden(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.WARDEN_STORE;
  const cwd = mkdtempSync(join(tmpdir(), "warden-report-cli-"));
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function open(file: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on("request", (q) => requests.push(q.url()));
  await page.goto(pathToFileURL(file).href);
  return { page, requests };
}

/** The body rows of a table, each cell's text. */
function rows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`table#${id} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.children).map((c) => (c.textContent ?? "").trim())));
}

const s = (x: unknown) => String(x);
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

describe.skipIf(!haveBrowser)("report pages in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    g = await generate();
    const audit = await AuditLog.open(g.store);
    try {
      r = await governanceReview(audit, { ...MONTH, bundles: g.bundles });
      candidateBundles = join(mkdtempSync(join(tmpdir(), "warden-candidate-")), "bundles");
      cpSync(g.bundles, candidateBundles, { recursive: true });
      candidate = await openingCandidate(candidateBundles);
      opening = impact(await replay(audit, { bundles: candidateBundles, candidate }));
    } finally {
      await audit.close();
    }
    writeFileSync(join(OUT, "review.html"), renderReviewHtml(r, { store: "the generated month" }));
    writeFileSync(join(OUT, "impact.html"), renderImpactHtml(opening));
    writeFileSync(join(OUT, "calibration.html"), renderSectionHtml("Shadow-mode calibration", calibrationSection(r), r, "test"));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("review: the cards and every table show the JSON figures", async () => {
    const { page } = await open(join(OUT, "review.html"));
    try {
      expect(await page.title()).toBe("Governance review");
      const card = (id: string) => page.$eval(`#${id} .value`, (e) => e.textContent);
      expect([await card("card-decisions"), await card("card-auto"), await card("card-notify"), await card("card-approve"), await card("card-block"), await card("card-shadow")]).toEqual(
        [r.decisions, r.categories.auto, r.categories.notify, r.categories.approve, r.categories.block, r.modes.shadow].map(s),
      );
      expect(await rows(page, "table-timeline")).toEqual(r.timeline.map((d) => [d.day, d.auto, d.notify, d.approve, d.block, d.auto + d.notify + d.approve + d.block].map(s)));
      expect(await rows(page, "table-agents")).toEqual(r.by_agent.map((a) => [a.agent, a.total, a.auto, a.notify, a.approve, a.block].map(s)));
      expect(await rows(page, "table-actions")).toEqual(r.by_action.map((a) => [a.action, a.total, a.auto, a.notify, a.approve, a.block].map(s)));
      expect(await rows(page, "table-modes")).toEqual([
        ["enforce", s(r.modes.enforce), pct(r.modes.enforce / r.decisions)],
        ["shadow", s(r.modes.shadow), pct(r.modes.shadow / r.decisions)],
      ]);
      expect(await rows(page, "table-approvals")).toEqual(r.approvals.map((a) => [a.action, a.requested, a.approved, a.modified, a.rejected, a.expired, a.pending, pct(a.shares.approved), a.always_granted ? "yes" : "no"].map(s)));
      expect(await rows(page, "table-sla")).toEqual(r.approvals.map((a) => [a.action, a.sla_minutes, a.decided, a.within_sla, a.over_sla, a.median_minutes, a.max_minutes, a.escalated, a.escalations].map(s)));
      expect(await rows(page, "table-notify-candidates")).toEqual(r.notify_candidates.map((a) => [a.action, s(a.approved)]));
      expect(await rows(page, "table-governed-candidates")).toEqual(r.governed_access_candidates.map((a) => [a.action, s(a.requests)]));
      expect(await rows(page, "table-approval-candidates")).toEqual(r.approval_candidates.map((a) => [a.action, s(a.executed), s(a.rolled_back)]));
      expect(await rows(page, "table-blocked")).toEqual(r.blocked.flatMap((b) => b.reasons.map((x, k) => [b.action, k === 0 ? s(b.requests) : "", x.reason, s(x.count)])));
      expect(await rows(page, "table-notify")).toEqual(r.notify_review.map((n) => [n.action, n.queued, n.on_time, n.late, n.never, n.not_due, n.max_late_minutes].map(s)));
      expect(await rows(page, "table-executed")).toEqual(r.executed.map((e) => [e.action, e.category, e.executed, e.rolled_back, e.failed].map(s)));
      expect(await rows(page, "table-kill-switch")).toEqual(r.kill_switch.map((k) => [k.time, k.on ? "on" : "off", k.by, k.reason ?? "", k.aborted === undefined ? "" : s(k.aborted)]));
      expect(await rows(page, "table-revisions")).toEqual(r.revisions.map((v) => [v.agent, v.revision.slice(0, 12), s(v.decisions), v.first, v.last, v.drift ? "drift" : ""]));
      expect(await rows(page, "table-drift")).toEqual(r.drift.map((d) => [d.from, d.to, d.a.agent, d.a.revision.slice(0, 12), d.b.agent, d.b.revision.slice(0, 12)]));
      expect(await rows(page, "table-behind")).toEqual(r.behind.map((b) => [b.agent, b.revision.slice(0, 12), b.last]));
      expect(await rows(page, "table-calibration")).toEqual(r.calibration.actions.map((a) => [a.action, s(a.decisions), s(a.agreed), pct(a.agreed / a.decisions)]));
      for (const a of r.calibration.actions) {
        const verdicts = (["auto", "notify", "approve", "block"] as const).filter((v) => Object.values(a.table[v]).some((n) => n > 0));
        expect(await rows(page, `confusion-${a.action.replace(/[^a-z0-9]+/g, "-")}`)).toEqual(verdicts.map((v) => [v, ...["approved", "modified", "rejected", "expired", "pending", "not_asked"].map((h) => s(a.table[v][h as "approved"]))]));
      }
      expect(await rows(page, "table-calibration-suggestions")).toEqual(r.calibration.suggestions.map((x) => [x.action, x.from, x.to, x.why]));
      for (const role of r.least_privilege!.roles) {
        expect(await rows(page, `table-lp-${role.role}`)).toEqual(role.grants.map((gr) => [`${gr.system}:${gr.access}`, s(gr.used), s(gr.blocked), gr.actions.join(", "), gr.requested_actions.join(", ")]));
      }
      expect(await rows(page, "table-lp-agents")).toEqual(r.least_privilege!.agents.map((a) => [a.agent, a.role, s(a.decisions), s(a.blocked), a.used.join(", "), a.unused.join(", ")]));
      expect(JSON.parse((await page.textContent("#lp-proposed"))!)).toEqual(r.least_privilege!.proposed_roles);
      // Rows to look at are marked: the approval always granted, the auto action rolled back, drift.
      expect(await page.$$eval("table#table-approvals tr.flag th", (t) => t.map((x) => x.textContent))).toEqual(["discount.apply"]);
      expect(await page.$$eval("table#table-executed tr.flag th", (t) => t.map((x) => x.textContent))).toEqual(["order.update_address"]);
      expect(await page.$$eval("table#table-revisions tr.flag", (t) => t.length)).toBe(r.revisions.filter((v) => v.drift).length);
    } finally {
      await page.close();
    }
  });

  it("review: every chart is labelled, has its table, and draws the JSON figures in proportion", async () => {
    const { page, requests } = await open(join(OUT, "review.html"));
    try {
      // Standalone: no script, nothing fetched but the page itself.
      expect(requests).toEqual([pathToFileURL(join(OUT, "review.html")).href]);
      expect(await page.$$eval("script, link[href], img[src], iframe", (e) => e.length)).toBe(0);
      const charts = await page.$$eval("svg.chart", (svgs) =>
        svgs.map((svg) => {
          const ids = (svg.getAttribute("aria-labelledby") ?? "").split(" ");
          const fig = svg.closest("figure");
          return {
            id: svg.id,
            role: svg.getAttribute("role"),
            labels: ids.map((id) => document.getElementById(id)?.textContent ?? ""),
            tableRows: fig?.querySelectorAll("table tbody tr").length ?? 0,
            caption: fig?.querySelector("figcaption")?.textContent ?? "",
            width: svg.getBoundingClientRect().width,
            marks: svg.querySelectorAll("rect[data-value], rect[data-key]").length,
          };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual([
        "chart-timeline",
        "chart-agents",
        "chart-actions",
        "chart-approvals",
        "chart-sla",
        "chart-blocked",
        "chart-notify",
        "chart-executed",
        "chart-revisions",
        "chart-calibration",
        "chart-lp-support-agent",
        "chart-lp-triage-agent",
      ]);
      for (const c of charts) {
        expect(c.role, c.id).toBe("img");
        expect(c.labels.every((l) => l.length > 10), c.id).toBe(true);
        expect(c.caption.length, c.id).toBeGreaterThan(10);
        expect(c.tableRows, c.id).toBeGreaterThan(0);
        expect(c.width, c.id).toBeGreaterThan(300);
        expect(c.marks, c.id).toBeGreaterThan(0);
      }
      // The timeline's segments add up to the categories; the kill switch is marked on its day.
      const seg = await page.$$eval("#chart-timeline rect[data-value]", (rs) => rs.map((x) => ({ day: x.dataset.x!, cat: x.dataset.series!, v: Number(x.dataset.value), h: (x as SVGGraphicsElement).getBBox().height })));
      const sum = (cat: string) => seg.filter((x) => x.cat === cat).reduce((n, x) => n + x.v, 0);
      expect({ auto: sum("auto"), notify: sum("notify"), approve: sum("approve"), block: sum("block") }).toEqual(r.categories);
      expect(seg.filter((x) => x.day === "2026-11-01").map((x) => [x.cat, x.v])).toEqual([["auto", 12], ["notify", 2], ["approve", 5], ["block", 4]]);
      // Heights in proportion to the values: 12 auto against 2 notify on the first day.
      const first = seg.filter((x) => x.day === "2026-11-01");
      expect(first[0]!.h / first[1]!.h).toBeCloseTo(6, 5);
      expect(await page.$$eval("#chart-timeline g.mark title", (t) => t.map((x) => x.textContent))).toEqual(["kill switch"]);
      // Per agent: the bars' widths in proportion (support-bot-1 auto 120 against triage-bot auto 60).
      const width = (row: string, series: string) => page.$eval(`#chart-agents rect[data-row="${row}"][data-series="${series}"]`, (x) => (x as SVGGraphicsElement).getBBox().width);
      expect((await width("support-bot-1", "auto")) / (await width("triage-bot", "auto"))).toBeCloseTo(2, 5);
      // Approval shares: each row spans the full width; refund.issue is 80 % approved.
      const ap = await page.$$eval('#chart-approvals rect[data-row="refund.issue"]', (rs) => rs.map((x) => [x.dataset.series, (x as SVGGraphicsElement).getBBox().width]));
      expect(ap.map((x) => x[0])).toEqual(["approved", "rejected"]);
      expect((ap[0]![1] as number) / ((ap[0]![1] as number) + (ap[1]![1] as number))).toBeCloseTo(0.8, 5);
      // Revisions: one span per (agent, revision), drift outlined exactly where the JSON says.
      const spans = await page.$$eval("#chart-revisions rect[data-lane]", (rs) => rs.map((x) => [x.dataset.lane, x.dataset.key, x.dataset.flag === "true"]));
      // (drawn lane by lane, agents in order of their first decision)
      const lanes = [...new Set(r.revisions.map((v) => v.agent))];
      expect(spans).toEqual(lanes.flatMap((a) => r.revisions.filter((v) => v.agent === a).map((v) => [v.agent, v.revision, v.drift])));
      // Drift: a strip under both agents' lanes for each interval of the JSON's drift.
      const bands = await page.$$eval("#chart-revisions rect[data-band]", (rs) => rs.map((x) => [x.dataset.band, x.dataset.from, x.dataset.to]));
      expect(bands.sort()).toEqual(r.drift.flatMap((d) => [[d.a.agent, d.from, d.to], [d.b.agent, d.from, d.to]]).sort());
      await page.screenshot({ path: join(OUT, "review.png"), fullPage: true });
      expect(statSync(join(OUT, "review.png")).size).toBeGreaterThan(50_000);
    } finally {
      await page.close();
    }
  });

  it("impact: the dangerous direction first and marked, per category and action, each change linked to its record", async () => {
    // What the candidate does to the month: refunds of 750 no longer need approval (70, shadow ones
    // included), triage's blocked address updates are allowed (30), its lookups blocked (60).
    expect(opening.directions).toEqual({ opens: 100, loosens: 0, tightens: 60, same_category: 0, error: 0 });
    expect(opening.by_action.map((a) => [a.action, a.from, a.to, a.direction, a.count])).toEqual([
      ["refund.issue", "approve", "notify", "opens", 70],
      ["order.update_address", "block", "auto", "opens", 30],
      ["order.lookup", "auto", "block", "tightens", 60],
    ]);
    const { page, requests } = await open(join(OUT, "impact.html"));
    try {
      expect(requests).toHaveLength(1);
      expect(await page.textContent("#opens-warning")).toContain("100 recorded decision(s) that were denied");
      expect(await page.$eval("#card-opens .value", (e) => e.textContent)).toBe("100");
      expect(await rows(page, "table-directions")).toEqual([["opens", "100"], ["loosens", "0"], ["tightens", "60"], ["same category", "0"], ["error", "0"]]);
      expect(await rows(page, "table-transitions")).toEqual([
        ["auto", "", "", "", "60"],
        ["approve", "", "70", "", ""],
        ["block", "30", "", "", ""],
      ]);
      const byAction = await rows(page, "table-by-action");
      expect(byAction.map((x) => x.slice(0, 5))).toEqual(opening.by_action.map((a) => [a.action, a.from, a.to, a.direction.replace("_", " "), s(a.count)]));
      expect(await page.$$eval("table#table-by-action tr.flag th", (t) => t.map((x) => x.textContent))).toEqual(["refund.issue", "order.update_address"]);
      // Every change is listed, opens first, and each link of the per-action table leads to its row.
      expect(await rows(page, "table-records")).toHaveLength(160);
      expect((await rows(page, "table-records")).slice(0, 70).every((x) => x[1] === "refund.issue" && x[4] === "opens")).toBe(true);
      const links = await page.$$eval("table#table-by-action a[href^='#seq-']", (as) => as.map((a) => a.getAttribute("href")!));
      expect(links.length).toBe(36); // the first 12 seqs of each of the 3 rows
      for (const href of links) expect(await page.$$eval(`tr${href}`, (t) => t.length)).toBe(1);
      await page.click(`a[href='${links[0]}']`);
      expect(await page.evaluate(() => location.hash)).toBe(links[0]);
      const bars = await page.$$eval("#chart-directions rect[data-value]", (rs) => rs.map((x) => [x.dataset.series, Number(x.dataset.value)]));
      expect(bars).toEqual([["opens", 100], ["tightens", 60]]);
      await page.screenshot({ path: join(OUT, "impact.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("calibration on its own page", async () => {
    const { page } = await open(join(OUT, "calibration.html"));
    try {
      expect(await page.$$eval("svg.chart", (e) => e.map((x) => x.id))).toEqual(["chart-calibration"]);
      expect(await rows(page, "table-calibration-suggestions")).toEqual([
        ["order.update_address", "auto", "approve", "the policy said auto, and humans rejected 5 of 10 decided: should need approval"],
        ["refund.issue", "approve", "notify", "the policy asked for approval, and humans approved all 10: candidate for notify"],
      ]);
      await page.screenshot({ path: join(OUT, "calibration.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("the CLI: warden review and warden report impact print the same JSON and write the pages", async () => {
    const html = join(OUT, "review-cli.html");
    const rv = await warden("review", "--store", g.store, "--bundles", g.bundles, "--since", "2026-11-01", "--until", "2026-12-01T00:00:00Z", "--json", "--html", html);
    expect(rv.stderr).toContain("reviewing: ");
    expect(rv.code).toBe(0);
    expect(JSON.parse(rv.stdout)).toEqual(JSON.parse(JSON.stringify(r)));
    const im = join(OUT, "impact-cli.html");
    const ic = await warden("report", "impact", "--store", g.store, "--bundles", candidateBundles, "--candidate", candidate, "--json", "--html", im, "--fail-on-opens");
    expect(ic.code).toBe(1); // --fail-on-opens: the candidate opens 100 decisions
    expect(JSON.parse(ic.stdout)).toEqual(JSON.parse(JSON.stringify(opening)));
    const { page } = await open(html);
    try {
      expect(await page.$eval("#card-decisions .value", (e) => e.textContent)).toBe("580");
      expect(await rows(page, "table-agents")).toEqual(r.by_agent.map((a) => [a.agent, a.total, a.auto, a.notify, a.approve, a.block].map(s)));
    } finally {
      await page.close();
    }
    const p2 = await open(im);
    try {
      expect(await p2.page.$eval("#card-opens .value", (e) => e.textContent)).toBe("100");
    } finally {
      await p2.page.close();
    }
    // warden replay --candidate --html writes the same page from its own replay.
    const rp = join(OUT, "impact-replay.html");
    const rc = await warden("replay", "--store", g.store, "--bundles", candidateBundles, "--candidate", candidate, "--html", rp);
    expect(rc.code).toBe(1); // decisions differ
    expect(rc.stderr).toContain(`wrote ${rp}`);
    const p3 = await open(rp);
    try {
      expect(await p3.page.$eval("#card-opens .value", (e) => e.textContent)).toBe("100");
    } finally {
      await p3.page.close();
    }
    expect((await warden("replay", "--store", g.store, "--html", rp)).code).toBe(2); // --html needs --candidate
  });
});
