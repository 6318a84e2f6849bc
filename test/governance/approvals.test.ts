import { describe, expect, it } from "vitest";
import { hashJSON } from "../../src/canonical-json.ts";
import { ApprovalError, applyModification, consume, decide, grantedRequestHash, openApproval, permits, tick, type ApprovalRefusal } from "../../src/governance/approvals.ts";
import type { ActionRequest, Approval, ApprovalDecision, Principal, Route } from "../../src/schemas/types.ts";
import { SchemaError, validate } from "../../src/schemas/validate.ts";

const request: ActionRequest = {
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-42", kind: "user" },
  action: "refund.issue",
  parameters: { order: "A-1002", amount: 750 },
};
const route: Route = { approver_role: "support-lead", sla_minutes: 60, escalation: ["support-manager", "head-of-support"] };
const T0 = new Date("2026-11-24T10:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const REV = "rev-1";

const lead: Principal = { id: "lead-1", kind: "user", roles: ["support-lead"] };
const manager: Principal = { id: "manager-1", kind: "user", roles: ["support-manager"] };
const head: Principal = { id: "head-1", kind: "user", roles: ["head-of-support"] };

function open(): Approval {
  return openApproval({
    approval_id: "ap-1", action_id: "act-1", request, revision: REV, route,
    requested_by: { id: "support-bot-1", kind: "agent" }, now: T0,
  });
}

function decision(by: Principal, verdict: ApprovalDecision["verdict"] = "approve", extra: Partial<ApprovalDecision> = {}): ApprovalDecision {
  return { approval_id: "ap-1", verdict, by, saw: { request_hash: hashJSON(request), revision: REV }, ...extra };
}

const ctx = (minutes = 5, extra: Partial<{ currentRequestHash: string; currentRevision: string }> = {}) => ({
  now: at(minutes), currentRequestHash: hashJSON(request), currentRevision: REV, ...extra,
});

function refusal(f: () => unknown): ApprovalRefusal {
  try {
    f();
  } catch (e) {
    if (e instanceof ApprovalError) return e.reason;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("openApproval", () => {
  it("opens pending at level 0 for the routed role, bound to the request hash and revision", () => {
    const a = open();
    expect(validate("approval", a)).toBe(a);
    expect(a).toMatchObject({
      status: "pending", level: 0, approver_role: "support-lead", revision: REV, request_hash: hashJSON(request),
      created_at: "2026-11-24T10:00:00.000Z", due_at: "2026-11-24T11:00:00.000Z", history: [],
      initiator: { id: "customer-42", kind: "user" },
    });
  });

  it("rejects a request that does not fit its schema", () => {
    expect(() => openApproval({
      approval_id: "ap-1", action_id: "act-1", request: { ...request, action: "Drop Table" }, revision: REV, route,
      requested_by: { id: "support-bot-1" }, now: T0,
    })).toThrow(SchemaError);
  });
});

describe("decide", () => {
  it("approves when the current role decides on the current request and revision", () => {
    const a = open();
    const before = structuredClone(a);
    const b = decide(a, decision(lead, "approve", { comment: "customer verified" }), ctx());
    expect(a).toEqual(before); // no mutation
    expect(b.status).toBe("approved");
    expect(b.history).toEqual([{
      event: "approve", at: "2026-11-24T10:05:00.000Z", by: lead,
      saw: { request_hash: hashJSON(request), revision: REV }, comment: "customer verified",
    }]);
    expect(validate("approval", b)).toBe(b);
    expect(permits(b, request, REV)).toBe(true);
    expect(permits(b, request, "rev-2")).toBe(false);
    expect(permits(b, { ...request, parameters: { order: "A-1002", amount: 751 } }, REV)).toBe(false);
    expect(permits(a, request, REV)).toBe(false);
  });

  it("rejects", () => {
    const b = decide(open(), decision(lead, "reject"), ctx());
    expect(b.status).toBe("rejected");
    expect(b.history[0]!.event).toBe("reject");
    expect(permits(b, request, REV)).toBe(false);
  });

  it("refuses an approver without the routed role", () => {
    expect(refusal(() => decide(open(), decision({ id: "agent-7", roles: ["support-agent"] }), ctx()))).toBe("wrong_role");
    expect(refusal(() => decide(open(), decision({ id: "anon" }), ctx()))).toBe("wrong_role");
    expect(refusal(() => decide(open(), decision(manager), ctx()))).toBe("wrong_role");
  });

  it("refuses the requester, even holding the role", () => {
    expect(refusal(() => decide(open(), decision({ id: "support-bot-1", roles: ["support-lead"] }), ctx()))).toBe("self_approval");
  });

  it("refuses the initiator of the request, even holding the role", () => {
    expect(refusal(() => decide(open(), decision({ id: "customer-42", roles: ["support-lead"] }), ctx()))).toBe("self_approval");
  });

  it("refuses after the request changed", () => {
    const changed = hashJSON({ ...request, parameters: { order: "A-1002", amount: 7500 } });
    // The request now standing differs from the one routed.
    expect(refusal(() => decide(open(), decision(lead), ctx(5, { currentRequestHash: changed })))).toBe("stale_request");
    // The approver was shown another request than the routed one.
    expect(refusal(() => decide(open(), decision(lead, "approve", { saw: { request_hash: changed, revision: REV } }), ctx()))).toBe("stale_request");
  });

  it("refuses after a new policy revision", () => {
    expect(refusal(() => decide(open(), decision(lead), ctx(5, { currentRevision: "rev-2" })))).toBe("stale_revision");
    const saw = { request_hash: hashJSON(request), revision: "rev-2" };
    expect(refusal(() => decide(open(), decision(lead, "approve", { saw }), ctx()))).toBe("stale_revision");
  });

  it("refuses a decision after the SLA passed until it is escalated", () => {
    expect(refusal(() => decide(open(), decision(lead), ctx(61)))).toBe("past_due");
    // Exactly at the deadline is still in time.
    expect(decide(open(), decision(lead), ctx(60)).status).toBe("approved");
  });

  it("refuses a second decision", () => {
    const b = decide(open(), decision(lead), ctx());
    expect(refusal(() => decide(b, decision(lead, "reject"), ctx(6)))).toBe("not_pending");
    const r = decide(open(), decision(lead, "reject"), ctx());
    expect(refusal(() => decide(r, decision(lead, "approve"), ctx(6)))).toBe("not_pending");
  });

  it("refuses a decision for another approval", () => {
    expect(refusal(() => decide(open(), decision(lead, "approve", { approval_id: "ap-2" }), ctx()))).toBe("wrong_approval");
  });

  it("validates the decision's shape first", () => {
    const bad = { ...decision(lead), verdict: "maybe" } as unknown as ApprovalDecision;
    expect(() => decide(open(), bad, ctx())).toThrow(/\/verdict/);
    const noSaw = { approval_id: "ap-1", verdict: "approve", by: lead } as unknown as ApprovalDecision;
    expect(() => decide(open(), noSaw, ctx())).toThrow(SchemaError);
  });

  it("modify needs parameters; approve and reject take none", () => {
    expect(refusal(() => decide(open(), decision(lead, "modify"), ctx()))).toBe("missing_parameters");
    expect(refusal(() => decide(open(), decision(lead, "modify", { parameters: {} }), ctx()))).toBe("missing_parameters");
    expect(refusal(() => decide(open(), decision(lead, "approve", { parameters: { amount: 1 } }), ctx()))).toBe("unexpected_parameters");
  });

  it("modify records the new parameters; the modified request has a new hash and is not covered", () => {
    const modified = applyModification(request, { ...open(), status: "modified", history: [{ event: "modify", at: T0.toISOString(), parameters: { amount: 400 } }] });
    const modification = { request_hash: hashJSON(modified), revision: REV, decision_id: "d-2", category: "notify" as const };
    const m = decide(open(), decision(lead, "modify", { parameters: { amount: 400 } }), { ...ctx(), modification });
    expect(m.modification).toEqual(modification);
    expect(grantedRequestHash(m)).toBe(hashJSON(modified));
    expect(m.valid_until).toBe("2026-11-25T10:05:00.000Z");
    expect(m.status).toBe("modified");
    expect(m.history[0]).toMatchObject({ event: "modify", by: lead, parameters: { amount: 400 } });
    expect(permits(m, request, REV)).toBe(false);
    const next = applyModification(request, m);
    expect(next.parameters).toEqual({ order: "A-1002", amount: 400 });
    expect(request.parameters).toEqual({ order: "A-1002", amount: 750 });
    expect(hashJSON(next)).not.toBe(m.request_hash);
    expect(refusal(() => applyModification(next, m))).toBe("stale_request");
    expect(refusal(() => applyModification(request, open()))).toBe("not_pending");
  });
});

describe("tick: escalation along the chain, then expiry", () => {
  it("does nothing before the deadline", () => {
    const a = open();
    const b = tick(a, at(60));
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
  });

  it("escalates to the next role, then the next, then expires; never approves", () => {
    const a = open();
    const l1 = tick(a, at(61));
    expect(a.level).toBe(0);
    expect(l1).toMatchObject({ status: "pending", level: 1, approver_role: "support-manager", due_at: "2026-11-24T12:00:00.000Z" });
    expect(l1.history).toEqual([{ event: "escalate", at: "2026-11-24T11:00:00.000Z", to_role: "support-manager" }]);
    expect(validate("approval", l1)).toBe(l1);

    // The original role can no longer decide; the escalated one can.
    expect(refusal(() => decide(l1, decision(lead), ctx(62)))).toBe("wrong_role");
    expect(decide(l1, decision(manager), ctx(62)).status).toBe("approved");

    const l2 = tick(l1, at(121));
    expect(l2).toMatchObject({ status: "pending", level: 2, approver_role: "head-of-support", due_at: "2026-11-24T13:00:00.000Z" });
    expect(refusal(() => decide(l2, decision(manager), ctx(122)))).toBe("wrong_role");
    expect(decide(l2, decision(head), ctx(122)).status).toBe("approved");

    const gone = tick(l2, at(181));
    expect(gone.status).toBe("expired");
    expect(gone.history.map((e) => e.event)).toEqual(["escalate", "escalate", "expire"]);
    expect(gone.history[2]!.at).toBe("2026-11-24T13:00:00.000Z");
    expect(refusal(() => decide(gone, decision(head), ctx(182)))).toBe("expired");
    expect(permits(gone, request, REV)).toBe(false);
    expect(tick(gone, at(10_000))).toEqual(gone);
  });

  it("takes several steps at once when much time passed", () => {
    const l2 = tick(open(), at(150));
    expect(l2).toMatchObject({ status: "pending", level: 2, approver_role: "head-of-support" });
    expect(l2.history.map((e) => [e.event, e.at, e.to_role])).toEqual([
      ["escalate", "2026-11-24T11:00:00.000Z", "support-manager"],
      ["escalate", "2026-11-24T12:00:00.000Z", "head-of-support"],
    ]);
    const gone = tick(open(), at(24 * 60));
    expect(gone.status).toBe("expired");
    expect(gone.history.map((e) => e.event)).toEqual(["escalate", "escalate", "expire"]);
  });

  it("expires at the first deadline when there is no escalation chain", () => {
    const a = openApproval({
      approval_id: "ap-1", action_id: "act-1", request, revision: REV,
      route: { approver_role: "support-lead", sla_minutes: 30, escalation: [] },
      requested_by: { id: "support-bot-1" }, now: T0,
    });
    const gone = tick(a, at(31));
    expect(gone).toMatchObject({ status: "expired", level: 0, approver_role: "support-lead" });
  });

  it("leaves decided approvals alone, but expires a granted one unused within its validity window", () => {
    const r = decide(open(), decision(lead, "reject"), ctx());
    expect(tick(r, at(100_000))).toEqual(r);
    const b = decide(open(), decision(lead), ctx());
    expect(b.valid_until).toBe("2026-11-25T10:05:00.000Z");
    expect(tick(b, at(1000))).toEqual(b);
    const gone = tick(b, at(24 * 60 + 6));
    expect(gone).toMatchObject({ status: "expired" });
    expect(gone.history.at(-1)).toMatchObject({ event: "expire", at: b.valid_until });
  });
});

describe("consume: one execution per approval", () => {
  it("consumes a granted approval once; a second use is already_executed", () => {
    const b = decide(open(), decision(lead), ctx());
    const used = consume(b, at(10));
    expect(used).toMatchObject({ status: "consumed" });
    expect(used.history.at(-1)).toMatchObject({ event: "consume" });
    expect(refusal(() => consume(used, at(11)))).toBe("already_executed");
  });

  it("refuses pending, rejected and out-of-window approvals", () => {
    expect(refusal(() => consume(open(), at(1)))).toBe("not_pending");
    expect(refusal(() => consume(decide(open(), decision(lead, "reject"), ctx()), at(6)))).toBe("not_pending");
    expect(refusal(() => consume(decide(open(), decision(lead), ctx()), at(24 * 60 + 6)))).toBe("expired");
  });
});

describe("modify is a new request", () => {
  const modify = () => decision(lead, "modify", { parameters: { amount: 50_000 } });
  const m = (category: "auto" | "notify" | "approve" | "block", role?: string) => ({
    request_hash: "a".repeat(64), revision: REV, decision_id: "d-2", category: category as "approve",
    ...(role ? { route: { approver_role: role, sla_minutes: 30, escalation: [] } as Route } : {}),
  });

  it("refuses a modification the policy blocks", () => {
    expect(refusal(() => decide(open(), modify(), { ...ctx(), modification: m("block") }))).toBe("modified_blocked");
  });

  it("counts as the approval when the new route asks for a role the modifier holds", () => {
    const a = decide(open(), modify(), { ...ctx(), modification: m("approve", "support-lead") });
    expect(a).toMatchObject({ status: "modified", valid_until: expect.any(String) });
    expect(a.superseded_by).toBeUndefined();
    expect(consume(a, at(6)).status).toBe("consumed");
  });

  it("is superseded by a new approval when the route asks for a role the modifier lacks, and never runs itself", () => {
    expect(() => decide(open(), modify(), { ...ctx(), modification: m("approve", "cfo") })).toThrow(/open a new approval/);
    const a = decide(open(), modify(), { ...ctx(), modification: { ...m("approve", "cfo"), superseded_by: "ap-2" } });
    expect(a).toMatchObject({ status: "modified", superseded_by: "ap-2" });
    expect(a.valid_until).toBeUndefined();
    expect(refusal(() => consume(a, at(6)))).toBe("not_pending");
  });

  it("an agent cannot decide", () => {
    expect(refusal(() => decide(open(), decision({ id: "bot-2", kind: "agent", roles: ["support-lead"] }), ctx()))).toBe("agent_approver");
  });
});
