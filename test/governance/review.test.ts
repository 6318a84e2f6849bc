import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { governanceReview, renderReview } from "../../src/governance/review.ts";
import type { Approval } from "../../src/schemas/types.ts";

const request = (action: string) => ({ agent: { id: "bot-1", role: "support-agent" }, initiator: { id: "c-1" }, action, parameters: {} });
const decision = (action: string, category: string, reasons: string[], revision = "r1") => ({
  type: "decision" as const,
  action_id: `${action}-${Math.random()}`,
  request: request(action),
  decision: { decision_id: "d", revision, entrypoint: "governance/decision", result: { allow: false, category, reasons } },
});
const approval = (id: string, action_id: string, status: Approval["status"]): Approval => ({
  approval_id: id,
  action_id,
  request_hash: "a".repeat(64),
  revision: "r1",
  route: { approver_role: "lead", sla_minutes: 60, escalation: [] },
  status,
  level: 0,
  approver_role: "lead",
  requested_by: { id: "bot-1" },
  created_at: "2026-11-01T00:00:00Z",
  due_at: "2026-11-01T01:00:00Z",
  history: [],
});

describe("governance review", () => {
  it("counts approvals, blocked requests, rollbacks and revisions from the audit trail", async () => {
    const audit = await AuditLog.open(join(mkdtempSync(join(tmpdir(), "warden-review-")), "w.db"));
    const refund = decision("refund.issue", "approve", ["amount 750 exceeds the approval threshold 500"]);
    await audit.append(refund);
    await audit.append({ type: "approval", action_id: refund.action_id, approval: approval("ap1", refund.action_id, "pending") });
    await audit.append({ type: "approval", action_id: refund.action_id, state: { table: "approvals", key: "ap1", value: approval("ap1", refund.action_id, "approved") } });
    await audit.append({ type: "approval", action_id: refund.action_id, state: { table: "approvals", key: "ap1", value: approval("ap1", refund.action_id, "consumed") } });
    await audit.append({ type: "outcome", action_id: refund.action_id, status: "succeeded", executed: { action: "refund.issue", parameters: {} } });
    await audit.append({ type: "outcome", action_id: "rb-1", status: "succeeded", rolls_back: refund.action_id });
    for (let i = 0; i < 3; i++) await audit.append(decision("account.delete", "block", ["account.delete is on the hard block list"], i < 2 ? "r1" : "r2"));
    const r = await governanceReview(audit);
    expect(r.decisions).toBe(4);
    expect(r.approvals.map(({ action, requested, approved, modified, rejected, expired, always_granted }) => ({ action, requested, approved, modified, rejected, expired, always_granted }))).toEqual([
      { action: "refund.issue", requested: 1, approved: 1, modified: 0, rejected: 0, expired: 0, always_granted: true },
    ]);
    expect(r.blocked).toEqual([{ action: "account.delete", requests: 3, reasons: [{ reason: "account.delete is on the hard block list", count: 3 }] }]);
    expect(r.executed).toEqual([{ action: "refund.issue", category: "approve", executed: 1, rolled_back: 1, failed: 0 }]);
    expect(r.revisions.map((v) => [v.revision, v.decisions])).toEqual([["r1", 3], ["r2", 1]]);
    expect(renderReview(r)).toContain("always granted");
    expect(r.notify_candidates).toEqual([{ action: "refund.issue", approved: 1 }]);
    await audit.close();
  });
});
