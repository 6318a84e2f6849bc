// The monthly review on a generated month with known counts (test/report/generate.ts says what
// it holds): every figure of the JSON is the expected one; the least-privilege proposal, built into
// a candidate bundle and replayed against the recorded traffic, changes no decision.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { buildBundleBytes, openStore } from "../../src/bundle/index.ts";
import { governanceReview, renderReview, type ReviewReport } from "../../src/governance/review.ts";
import { replay } from "../../src/replay/replay.ts";
import { impact } from "../../src/report/impact.ts";
import { validatorFor } from "../../src/schemas/validate.ts";
import { generate, MONTH, type Generated } from "./generate.ts";

let g: Generated;
let r: ReviewReport;

beforeAll(async () => {
  g = await generate();
  const audit = await AuditLog.open(g.store);
  r = await governanceReview(audit, { ...MONTH, bundles: g.bundles });
  await audit.close();
});

const cats = (auto: number, notify: number, approve: number, block: number) => ({ auto, notify, approve, block });

describe("governance review of a generated month", () => {
  it("counts decisions per category, mode, day, agent and action", () => {
    expect(r.version).toBe(2);
    expect([r.since, r.until]).toEqual([MONTH.since, MONTH.until]);
    expect(r.records).toBe(g.records - 8); // two executed lookups, four records each, fall outside the month
    expect(r.decisions).toBe(580);
    expect(r.categories).toEqual(cats(320, 60, 100, 100));
    expect(r.modes).toEqual({ enforce: 540, shadow: 40 });
    expect(r.timeline).toHaveLength(30);
    // Day 0: shadow traffic and the even-day discount; day 1: no discount; day 10: no shadow.
    expect(r.timeline[0]).toEqual({ day: "2026-11-01", ...cats(12, 2, 5, 4) });
    expect(r.timeline[1]).toEqual({ day: "2026-11-02", ...cats(12, 2, 3, 4) });
    expect(r.timeline[10]).toEqual({ day: "2026-11-11", ...cats(10, 2, 4, 3) });
    expect(r.timeline.reduce((n, d) => n + d.auto + d.notify + d.approve + d.block, 0)).toBe(580);
    expect(r.by_agent).toEqual([
      { agent: "support-bot-1", total: 225, ...cats(120, 30, 45, 30) },
      { agent: "support-bot-2", total: 225, ...cats(120, 30, 45, 30) },
      { agent: "triage-bot", total: 90, ...cats(60, 0, 0, 30) },
      { agent: "shadow-bot", total: 40, ...cats(20, 0, 10, 10) },
    ]);
    expect(r.by_action).toEqual([
      { action: "order.lookup", total: 250, ...cats(250, 0, 0, 0) },
      { action: "order.update_address", total: 100, ...cats(70, 0, 0, 30) },
      { action: "discount.apply", total: 90, ...cats(0, 60, 30, 0) },
      { action: "account.delete", total: 70, ...cats(0, 0, 0, 70) },
      { action: "refund.issue", total: 70, ...cats(0, 0, 70, 0) },
    ]);
  });

  it("fits its schema (schemas/review-report.schema.json), and the schema refuses a report that does not", () => {
    const check = validatorFor(JSON.parse(readFileSync("schemas/review-report.schema.json", "utf8")), "review-report");
    check(JSON.parse(JSON.stringify(r)));
    expect(() => check({ ...r, categories: { ...r.categories, auto: -1 } })).toThrow(/categories\/auto/);
    expect(() => check({ ...r, version: 1 })).toThrow(/version/);
  });

  it("reads only the window: since inclusive, until exclusive", async () => {
    const audit = await AuditLog.open(g.store);
    try {
      const all = await governanceReview(audit);
      expect([all.since, all.until, all.records, all.decisions]).toEqual([undefined, undefined, g.records, 582]);
      const before = await governanceReview(audit, { until: MONTH.since });
      expect([before.records, before.decisions, before.by_agent.map((a) => a.agent)]).toEqual([4, 1, ["support-bot-1"]]);
      const after = await governanceReview(audit, { since: MONTH.until });
      expect([after.records, after.decisions, after.revisions.map((v) => v.revision)]).toEqual([4, 1, [g.revisionB]]);
      // The first decision of the month is at 08:00: a window ending there holds only the one before the month.
      const edge = await governanceReview(audit, { until: "2026-11-01T08:00:00.000Z" });
      expect(edge.decisions).toBe(1);
      const first = await governanceReview(audit, { since: MONTH.since, until: "2026-11-01T08:00:00.001Z" });
      expect(first.decisions).toBe(1);
    } finally {
      await audit.close();
    }
  });

  it("names the action of an approval decided in the window whose request came before it", async () => {
    // 2 November: each support agent's refund is requested at 11:00 and approved at 11:30.
    const audit = await AuditLog.open(g.store);
    try {
      const w = await governanceReview(audit, { since: "2026-11-02T11:10:00.000Z", until: "2026-11-02T12:00:00.000Z" });
      expect(w.decisions).toBe(0);
      expect(w.approvals.map((a) => [a.action, a.requested, a.approved, a.decided, a.median_minutes])).toEqual([["refund.issue", 2, 2, 2, 30]]);
    } finally {
      await audit.close();
    }
  });

  it("reports approvals with shares, time to decision against the SLA, escalations and notify candidates", () => {
    expect(r.approvals).toEqual([
      {
        action: "refund.issue",
        requested: 60,
        approved: 48,
        modified: 0,
        rejected: 12,
        expired: 0,
        pending: 0,
        shares: { approved: 0.8, modified: 0, rejected: 0.2, expired: 0 },
        always_granted: false,
        sla_minutes: 60,
        decided: 60,
        within_sla: 48,
        over_sla: 12,
        median_minutes: 30,
        max_minutes: 90,
        escalated: 12,
        escalations: 12,
      },
      {
        action: "discount.apply",
        requested: 30,
        approved: 30,
        modified: 0,
        rejected: 0,
        expired: 0,
        pending: 0,
        shares: { approved: 1, modified: 0, rejected: 0, expired: 0 },
        always_granted: true,
        sla_minutes: 240,
        decided: 30,
        within_sla: 30,
        over_sla: 0,
        median_minutes: 60,
        max_minutes: 60,
        escalated: 0,
        escalations: 0,
      },
    ]);
    expect(r.notify_candidates).toEqual([{ action: "discount.apply", approved: 30 }]);
  });

  it("counts a blocked request once, with each of its reasons, and names candidates for governed access", () => {
    expect(r.blocked).toEqual([
      {
        action: "account.delete",
        requests: 70,
        reasons: [
          { reason: "account.delete is on the hard block list", count: 70 },
          { reason: "role support-agent has no write access to accounts", count: 70 },
        ],
      },
      { action: "order.update_address", requests: 30, reasons: [{ reason: "role triage-agent has no write access to orders", count: 30 }] },
    ]);
    expect(r.governed_access_candidates).toEqual([
      { action: "account.delete", requests: 70 },
      { action: "order.update_address", requests: 30 },
    ]);
  });

  it("reports notify reviews on time, late and never", () => {
    // Per support agent: 10 on time, 10 two hours late, 10 unreviewed of which the last day's is not yet due.
    expect(r.notify_review).toEqual([{ action: "discount.apply", queued: 60, on_time: 20, late: 20, never: 18, not_due: 2, max_late_minutes: 120 }]);
  });

  it("reports executions, rollbacks and failures per action, and auto actions rolled back", () => {
    expect(r.executed).toEqual([
      { action: "order.lookup", category: "auto", executed: 236, rolled_back: 0, failed: 4 },
      { action: "discount.apply", category: "notify", executed: 60, rolled_back: 0, failed: 0 },
      { action: "order.update_address", category: "auto", executed: 60, rolled_back: 6, failed: 0 },
      { action: "refund.issue", category: "approve", executed: 58, rolled_back: 0, failed: 0 },
      { action: "discount.apply", category: "approve", executed: 30, rolled_back: 0, failed: 0 },
      { action: "order.lookup", category: "approve", executed: 10, rolled_back: 0, failed: 0 },
      { action: "order.update_address", category: "approve", executed: 5, rolled_back: 0, failed: 0 },
    ]);
    expect(r.approval_candidates).toEqual([{ action: "order.update_address", executed: 60, rolled_back: 6 }]);
  });

  it("lists kill-switch events", () => {
    expect(r.kill_switch).toEqual([
      { time: "2026-11-16T10:00:00.000Z", on: true, by: "ops", reason: "incident 42", aborted: 0 },
      { time: "2026-11-16T11:00:00.000Z", on: false, by: "ops" },
    ]);
  });

  it("reports the revision each agent ran, drift and agents behind the current revision", () => {
    const A = g.revisionA;
    const B = g.revisionB;
    expect(r.revisions.map((v) => [v.agent, v.revision, v.decisions, v.first, v.last, v.drift])).toEqual([
      ["support-bot-1", A, 150, "2026-11-01T08:00:00.000Z", "2026-11-20T14:00:00.000Z", false],
      ["support-bot-2", A, 188, "2026-11-01T08:02:00.000Z", "2026-11-25T14:02:00.000Z", true],
      ["triage-bot", A, 90, "2026-11-01T15:00:00.000Z", "2026-11-30T16:00:00.000Z", true],
      ["shadow-bot", A, 40, "2026-11-01T17:00:00.000Z", "2026-11-10T17:40:00.000Z", false],
      ["support-bot-1", B, 75, "2026-11-21T08:00:00.000Z", "2026-11-30T14:00:00.000Z", true],
      ["support-bot-2", B, 37, "2026-11-26T08:02:00.000Z", "2026-11-30T14:02:00.000Z", true],
    ]);
    expect(r.drift).toEqual([
      { from: "2026-11-21T08:00:00.000Z", to: "2026-11-25T14:02:00.000Z", a: { agent: "support-bot-2", revision: A }, b: { agent: "support-bot-1", revision: B } },
      { from: "2026-11-21T08:00:00.000Z", to: "2026-11-30T14:00:00.000Z", a: { agent: "triage-bot", revision: A }, b: { agent: "support-bot-1", revision: B } },
      { from: "2026-11-26T08:02:00.000Z", to: "2026-11-30T14:02:00.000Z", a: { agent: "triage-bot", revision: A }, b: { agent: "support-bot-2", revision: B } },
    ]);
    expect(r.current_revision).toBe(B);
    expect(r.behind).toEqual([
      { agent: "triage-bot", revision: A, last: "2026-11-30T16:00:00.000Z" },
      { agent: "shadow-bot", revision: A, last: "2026-11-10T17:40:00.000Z" },
    ]);
    expect(r.revision_days.filter((d) => d.agent === "support-bot-1" && d.day === "2026-11-21")).toEqual([{ day: "2026-11-21", agent: "support-bot-1", revision: B, decisions: 8 }]);
    expect(r.revision_days.reduce((n, d) => n + d.decisions, 0)).toBe(580);
  });

  it("calibrates shadow mode: the policy's verdict against the humans', per action, with suggested matrix changes", () => {
    const row = (o: Partial<Record<"approved" | "modified" | "rejected" | "expired" | "pending" | "not_asked", number>> = {}) => ({ approved: 0, modified: 0, rejected: 0, expired: 0, pending: 0, not_asked: 0, ...o });
    const table = (c: Partial<Record<"auto" | "notify" | "approve" | "block", ReturnType<typeof row>>>) => ({ auto: row(), notify: row(), approve: row(), block: row(), ...c });
    expect(r.calibration.decisions).toBe(40);
    expect(r.calibration.agreed).toBe(35);
    expect(r.calibration.actions.map((a) => [a.action, a.decisions, a.agreed, a.table])).toEqual([
      ["account.delete", 10, 10, table({ block: row({ not_asked: 10 }) })],
      ["order.lookup", 10, 10, table({ auto: row({ approved: 10 }) })],
      ["order.update_address", 10, 5, table({ auto: row({ approved: 5, rejected: 5 }) })],
      ["refund.issue", 10, 10, table({ approve: row({ approved: 10 }) })],
    ]);
    expect(r.calibration.suggestions.map((s) => [s.action, s.from, s.to])).toEqual([
      ["order.update_address", "auto", "approve"],
      ["refund.issue", "approve", "notify"],
    ]);
  });

  it("reviews least privilege: grants given against grants used, and a proposed role table", () => {
    const lp = r.least_privilege!;
    expect(lp.revision).toBe(g.revisionB);
    expect(lp.roles.map((x) => [x.role, x.grants.map((gr) => `${gr.system}:${gr.access}=${gr.used}`), x.unused, x.denied])).toEqual([
      [
        "support-agent",
        ["accounts:read=0", "billing:read=0", "billing:write=160", "messaging:write=0", "orders:read=190", "orders:write=70"],
        [
          { system: "accounts", access: "read", blocked: 0 },
          { system: "billing", access: "read", blocked: 0 },
          { system: "messaging", access: "write", blocked: 0 },
        ],
        [{ system: "accounts", access: "write", requests: 70 }],
      ],
      ["triage-agent", ["accounts:read=0", "orders:read=60"], [{ system: "accounts", access: "read", blocked: 0 }], [{ system: "orders", access: "write", requests: 30 }]],
    ]);
    const unusedSupport = ["accounts:read", "billing:read", "messaging:write"];
    expect(lp.agents).toEqual([
      { agent: "shadow-bot", role: "support-agent", decisions: 40, blocked: 10, used: ["billing:write", "orders:read", "orders:write"], unused: unusedSupport },
      { agent: "support-bot-1", role: "support-agent", decisions: 225, blocked: 30, used: ["billing:write", "orders:read", "orders:write"], unused: unusedSupport },
      { agent: "support-bot-2", role: "support-agent", decisions: 225, blocked: 30, used: ["billing:write", "orders:read", "orders:write"], unused: unusedSupport },
      { agent: "triage-bot", role: "triage-agent", decisions: 90, blocked: 30, used: ["orders:read"], unused: ["accounts:read"] },
    ]);
    expect(lp.removed).toBe(4);
    expect(lp.proposed_roles).toEqual({ "support-agent": { billing: ["write"], orders: ["read", "write"] }, "triage-agent": { orders: ["read"] } });
    expect(renderReview(r)).toContain("4 unused grant(s)");
  });

  it("replays the proposed role table against the recorded traffic: no decision changes for grants never used", async () => {
    const lp = r.least_privilege!;
    const dir = mkdtempSync(join(tmpdir(), "warden-lp-"));
    cpSync("policy", dir, { recursive: true });
    // The drop-in file: the policy's data with the proposed role table (on revision B's data).
    writeFileSync(join(dir, "governance", "data.json"), JSON.stringify(lp.proposed_data, null, 2));
    const candidate = openStore(g.bundles).put((await buildBundleBytes({ paths: [dir] })).bytes).entry.revision;
    const audit = await AuditLog.open(g.store);
    try {
      const rep = await replay(audit, { bundles: g.bundles, candidate });
      expect(rep.missing_revisions).toEqual([]);
      expect(rep.checked).toBe(582); // the whole trail, the two decisions outside the month too
      expect(rep.differences).toEqual([]);
      expect(impact(rep).changed).toBe(0);
      const checkImpact = validatorFor(JSON.parse(readFileSync("schemas/review-impact.schema.json", "utf8")), "review-impact");

      // Removing a grant in use is caught: triage's orders:read.
      const tighter = structuredClone(lp.proposed_data) as { roles: Record<string, Record<string, string[]>> };
      tighter.roles["triage-agent"] = {};
      writeFileSync(join(dir, "governance", "data.json"), JSON.stringify(tighter));
      const cand2 = openStore(g.bundles).put((await buildBundleBytes({ paths: [dir] })).bytes).entry.revision;
      const rep2 = await replay(audit, { bundles: g.bundles, candidate: cand2 });
      const im = impact(rep2);
      expect(im.changed).toBe(60);
      expect(im.transitions).toEqual([{ from: "auto", to: "block", direction: "tightens", count: 60 }]);
      expect(im.by_action.map((a) => [a.action, a.from, a.to, a.count])).toEqual([["order.lookup", "auto", "block", 60]]);
      checkImpact(JSON.parse(JSON.stringify(im)));
      expect(() => checkImpact({ ...im, directions: { ...im.directions, widens: 1 } })).toThrow(/widens/);
    } finally {
      await audit.close();
    }
  });
});
