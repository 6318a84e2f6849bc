import { describe, expect, it, vi } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { MemoryStateStore, RollbackConflict } from "../../src/rollback/index.ts";
import { listIncomplete, resolveIncomplete } from "../../src/governance/recover.ts";
import type { Handler, Outcome } from "../../src/governance/governor.ts";
import type { Ticket } from "../../src/schemas/types.ts";
import { governed, lead, request } from "./fixture.ts";

/** A governor over a fresh SQLite file with the test directory; `clock.t` moves time. */
async function setup(opts: { mode?: "enforce" | "shadow"; file?: string; state?: MemoryStateStore; clock?: { t: number } } = {}) {
  const g = await governed({ ...(opts.file ? { store: opts.file } : {}), ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.state ? { state: opts.state } : {}), ...(opts.clock ? { clock: opts.clock } : {}) });
  return { ...g, file: g.store };
}

const applyDiscount: Handler = async ({ parameters, state }) => {
  const order = (await state.get(`orders/${parameters.order as string}`)) as { total: number; discounts: number[] };
  await state.put(`orders/${parameters.order as string}`, { ...order, discounts: [...order.discounts, parameters.amount as number] });
  return { output: { applied: parameters.amount } };
};

async function types(audit: AuditLog, action_id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of audit.list({ action_id })) out.push(r.type + (r.status ? `:${r.status}` : ""));
  return out;
}

/**
 * A state store whose writes stall once armed: the undo lands, the process never returns to
 * write the outcome, as when it dies between the two.
 */
class StallingStore extends MemoryStateStore {
  armed = false;
  override async put(key: string, value: unknown): Promise<void> {
    await super.put(key, value);
    if (this.armed) await new Promise(() => {});
  }
}

describe("governor", () => {
  it("runs auto and notify actions with intent and outcome, queueing notify ones for review", async () => {
    const { gov, audit, state } = await setup();
    await state.put("orders/A-1", { total: 120, discounts: [] });
    const lookup = await gov.execute(request("order.lookup", { order: "A-1" }), async () => ({ output: { found: true } }));
    expect(lookup).toMatchObject({ status: "executed", category: "auto", queued_for_review: false });
    expect(await types(audit, lookup.action_id)).toEqual(["decision", "intent", "started", "outcome:succeeded"]);

    const discount = await gov.execute(request("discount.apply", { order: "A-1", amount: 20 }), applyDiscount, { resource: "orders/A-1" });
    expect(discount).toMatchObject({ status: "executed", category: "notify", queued_for_review: true });
    expect((await gov.store.notifyQueue({ pendingOnly: true })).map((n) => n.action_id)).toEqual([discount.action_id]);
    expect(await state.get("orders/A-1")).toEqual({ total: 120, discounts: [20] });
    await gov.reviewNotify(discount.action_id, lead, "fine");
    expect(await gov.store.notifyQueue({ pendingOnly: true })).toEqual([]);
    await expect(gov.reviewNotify(discount.action_id, lead)).rejects.toThrow(/already reviewed/);
    expect((await types(audit, discount.action_id)).at(-1)).toBe("notify");
    expect((await audit.verify()).ok).toBe(true);
  });

  it("blocks and audits denied attempts", async () => {
    const { gov, audit } = await setup();
    let ran = false;
    const out = await gov.execute(request("permissions.change", { user: "u", grant: "admin" }), async () => void (ran = true));
    expect(out).toEqual({ status: "blocked", action_id: out.action_id, reasons: ["role support-agent has no write access to iam"] });
    expect(ran).toBe(false);
    const [rec] = await collect(audit, out.action_id);
    expect(rec!.type).toBe("decision");
    expect((rec!.decision!.result as { category: string }).category).toBe("block");
  });

  it("pauses an approve action; the ticket survives a restart; only the routed role, not the requester, approves", async () => {
    const first = await setup();
    const paused = await first.gov.execute(request("refund.issue", { order: "A-2", amount: 750 }), async () => ({}));
    expect(paused.status).toBe("paused");
    const ticket = JSON.parse(JSON.stringify((paused as Extract<Outcome, { status: "paused" }>).ticket)) as Ticket;
    const approval = (paused as Extract<Outcome, { status: "paused" }>).approval;
    expect(approval.approver_role).toBe("support-lead");

    // A new process over the same store.
    const { gov, audit } = await setup({ file: first.file, clock: first.clock });
    expect((await gov.resume(ticket, async () => ({}))).status).toBe("pending");
    const saw = { request_hash: ticket.request_hash, revision: ticket.revision };
    const refusal = (by: object) => gov.decideApproval({ approval_id: ticket.approval_id, verdict: "approve", by, saw }).catch((e: { reason?: string; code?: string }) => e.reason ?? e.code);
    expect(await refusal({ id: "support-bot-1" })).toBe("agent_approver");
    expect(await refusal({ id: "support-bot-1", roles: ["support-lead"] })).toBe("role_not_held");
    expect(await refusal({ id: "sam" })).toBe("wrong_role");
    expect(await refusal({ id: "sam", roles: ["support-lead"] })).toBe("role_not_held");
    expect(await refusal({ id: "customer-42", roles: ["support-lead"] })).toBe("unknown_principal");
    await gov.decideApproval({ approval_id: ticket.approval_id, verdict: "approve", by: lead, saw });
    let ran = false;
    const done = await gov.resume(ticket, async () => ((ran = true), { output: { refunded: 750 } }), { resource: "orders/A-2" });
    expect(done).toMatchObject({ status: "executed", category: "approve" });
    expect(ran).toBe(true);
    expect(await types(audit, ticket.action_id)).toEqual([
      "decision", "approval", "refusal", "refusal", "refusal", "refusal", "refusal", "approval", "approval", "intent", "started", "outcome:succeeded",
    ]);
  });

  it("refuses a ticket whose request changed after it was routed", async () => {
    const { gov } = await setup();
    const paused = (await gov.execute(request("refund.issue", { order: "A-2", amount: 750 }), async () => ({}))) as Extract<Outcome, { status: "paused" }>;
    const changed = { ...paused.ticket, request: { ...paused.ticket.request, parameters: { order: "A-2", amount: 7500 } } };
    await expect(gov.resume(changed, async () => ({}))).rejects.toThrow(/does not match its hash/);
    const rehashed = { ...changed, request_hash: "f".repeat(64) };
    await expect(gov.resume(rehashed, async () => ({}))).rejects.toThrow(/does not match its hash|does not belong/);
  });

  it("re-decides a modified request: a smaller refund runs as modified", async () => {
    const { gov } = await setup();
    const paused = (await gov.execute(request("refund.issue", { order: "A-2", amount: 750 }), async () => ({}))) as Extract<Outcome, { status: "paused" }>;
    const saw = { request_hash: paused.ticket.request_hash, revision: paused.ticket.revision };
    await gov.decideApproval({ approval_id: paused.ticket.approval_id, verdict: "modify", by: lead, saw, parameters: { amount: 400 } });
    let got: unknown;
    const out = await gov.resume(paused.ticket, async ({ parameters }) => void (got = parameters), { resource: "orders/A-2" });
    expect(out).toMatchObject({ status: "executed", category: "notify" });
    expect(got).toEqual({ order: "A-2", amount: 400 });
  });

  it("escalates on SLA timeout, then expires, never approving", async () => {
    const { gov, clock } = await setup();
    const paused = (await gov.execute(request("refund.issue", { order: "A-3", amount: 900 }), async () => ({}))) as Extract<Outcome, { status: "paused" }>;
    clock.t += 61 * 60_000;
    const escalated = await gov.refresh(paused.ticket.approval_id);
    expect(escalated).toMatchObject({ status: "pending", level: 1, approver_role: "support-manager" });
    const saw = { request_hash: paused.ticket.request_hash, revision: paused.ticket.revision };
    await expect(gov.decideApproval({ approval_id: paused.ticket.approval_id, verdict: "approve", by: lead, saw })).rejects.toMatchObject({ reason: "wrong_role" });
    clock.t += 3 * 61 * 60_000;
    const out = await gov.resume(paused.ticket, async () => ({}));
    expect(out.status).toBe("expired");
  });

  it("rolls back a change, and refuses when a later change conflicts, showing the difference", async () => {
    const { gov, state, audit } = await setup();
    await state.put("orders/A-1", { total: 120, discounts: [] });
    const first = await gov.execute(request("discount.apply", { order: "A-1", amount: 20 }), applyDiscount, { resource: "orders/A-1" });
    const r = await gov.rollback(first.action_id, "ops");
    expect(await state.get("orders/A-1")).toEqual({ total: 120, discounts: [] });
    expect(await types(audit, r.action_id)).toEqual(["intent", "started", "outcome:succeeded"]);

    const second = await gov.execute(request("discount.apply", { order: "A-1", amount: 30 }), applyDiscount, { resource: "orders/A-1" });
    await state.put("orders/A-1", { total: 150, discounts: [30] });
    const err = await gov.rollback(second.action_id, "ops").catch((e) => e);
    expect(err).toBeInstanceOf(RollbackConflict);
    expect(await state.get("orders/A-1")).toEqual({ total: 150, discounts: [30] });
    expect((await audit.verify()).ok).toBe(true);
  });

  it("a rollback cut off after its undo applied is listed as one that may have run, and recovery can put the state back", async () => {
    const documents = new StallingStore();
    const { gov, audit } = await setup({ state: documents });
    await documents.put("orders/A-1", { total: 120, discounts: [] });
    const done = await gov.execute(request("discount.apply", { order: "A-1", amount: 20 }), applyDiscount, { resource: "orders/A-1" });
    documents.armed = true;
    void gov.rollback(done.action_id, "ops");
    await vi.waitFor(async () => expect(await documents.get("orders/A-1")).toEqual({ total: 120, discounts: [] }));
    documents.armed = false;
    const state = gov.store;
    const [cut] = await listIncomplete(state);
    expect(cut).toMatchObject({ state: "may_have_run", resource: "orders/A-1", intent: { rolls_back: done.action_id }, started: { before: { total: 120, discounts: [20] } } });
    // The rollback is still stalled in this live governor: recovery refuses it unless forced.
    expect(cut!.governor).toBe("alive");
    await expect(resolveIncomplete(state, documents, cut!.action_id, "rolled_back", "ops")).rejects.toMatchObject({ code: "governor_alive" });
    const resolved = await resolveIncomplete(state, documents, cut!.action_id, "rolled_back", "ops", { force: true });
    expect(resolved).toMatchObject({ status: "failed", details: { recovered: "rolled_back", handler_started: true } });
    expect(await documents.get("orders/A-1")).toEqual({ total: 120, discounts: [20] });
    expect(await listIncomplete(state)).toEqual([]);
    // The interrupted rollback's claim on the action went with it: the action can be rolled back
    // again, once.
    await gov.rollback(done.action_id, "ops");
    expect(await documents.get("orders/A-1")).toEqual({ total: 120, discounts: [] });
    await expect(gov.rollback(done.action_id, "ops")).rejects.toMatchObject({ code: "already_rolled_back" });
    expect((await audit.verify()).ok).toBe(true);
    expect((await state.check()).mismatches).toEqual([]);
  });

  it("an interrupted rollback keeps its claim while incomplete and after recovery marks it completed", async () => {
    const documents = new StallingStore();
    const { gov } = await setup({ state: documents });
    await documents.put("orders/A-2", { total: 80, discounts: [] });
    const done = await gov.execute(request("discount.apply", { order: "A-2", amount: 5 }), applyDiscount, { resource: "orders/A-2" });
    documents.armed = true;
    void gov.rollback(done.action_id, "ops");
    await vi.waitFor(async () => expect(await documents.get("orders/A-2")).toEqual({ total: 80, discounts: [] }));
    documents.armed = false;
    await expect(gov.rollback(done.action_id, "ops")).rejects.toMatchObject({ code: "already_rolled_back", message: expect.stringContaining("is being rolled back") });
    const [cut] = await listIncomplete(gov.store);
    await resolveIncomplete(gov.store, documents, cut!.action_id, "completed", "ops", { force: true });
    await expect(gov.rollback(done.action_id, "ops")).rejects.toMatchObject({ code: "already_rolled_back", message: expect.stringContaining("was rolled back") });
    expect((await gov.store.check()).mismatches).toEqual([]);
  });

  it("the kill switch aborts an in-flight action and blocks new ones", async () => {
    const { gov, audit } = await setup();
    let aborted = false;
    const long = gov.execute(request("order.update_address", { order: "A-1" }), ({ signal }) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(resolve, 10_000);
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          aborted = true;
          reject(signal.reason);
        });
      }),
      { resource: "orders/A-1" },
    );
    await new Promise((r) => setTimeout(r, 50));
    const { aborted: n } = await gov.setKillSwitch(true, "ops", "test");
    expect(n).toBe(1);
    const out = await long;
    expect(out.status).toBe("aborted");
    expect(aborted).toBe(true);
    const next = await gov.execute(request("order.lookup", {}), async () => ({}));
    expect(next).toMatchObject({ status: "blocked", reasons: ["kill switch is on"] });
    await gov.setKillSwitch(false, "ops");
    expect((await gov.execute(request("order.lookup", {}), async () => ({}))).status).toBe("executed");
    expect(await types(audit, out.action_id)).toEqual(["decision", "intent", "started", "outcome:aborted"]);
  });

  it("in shadow mode a human approves every action, and the policy's verdict is recorded", async () => {
    const { gov, audit } = await setup({ mode: "shadow" });
    const out = await gov.execute(request("order.lookup", {}), async () => ({}));
    expect(out.status).toBe("paused");
    // ... but never in front of what enforce mode blocks: that stays blocked.
    expect((await gov.execute(request("account.delete", { customer: "c" }), async () => ({}))).status).toBe("blocked");
    const [rec] = await collect(audit, out.action_id);
    expect(rec!.decision).toMatchObject({ mode: "shadow", result: { category: "auto" } });
  });

  it("refuses requests that fail the schema, naming the field, and audits the refusal only", async () => {
    const { gov, audit } = await setup();
    const before = (await audit.head()).seq;
    const out = await gov.execute({ ...request("order.lookup", {}), agent: { id: "x" } }, async () => ({}));
    expect(out).toMatchObject({ status: "refused", code: "input_invalid", error: expect.stringMatching(/\/agent\/role: is required/) });
    const recs = await collect(audit, out.action_id);
    expect(recs.map((r) => r.type)).toEqual(["refusal"]);
    expect(recs[0]!.details).toMatchObject({ code: "input_invalid", operation: "propose" });
    expect((await audit.head()).seq).toBe(before + 1);
  });
});

async function collect(audit: AuditLog, action_id: string) {
  const out = [];
  for await (const r of audit.list({ action_id })) out.push(r);
  return out;
}
