// The pure core of the two-phase governed tool call (src/integrations/governed-call.ts), on plain
// data: what the governor's first answer makes of a call, what run does in each state, and what a
// framework is told of Warden's approval. The adapters' tests drive the same code through the SDKs.
import { describe, expect, it } from "vitest";
import type { HandlerContext } from "../../src/governance/governor.ts";
import { ToolCallRefused } from "../../src/integrations/common.ts";
import { afterDecision, runStep, verdictOf, type CallState } from "../../src/integrations/governed-call.ts";
import type { Approval, Ticket } from "../../src/schemas/types.ts";

const ctx = { action_id: "act-1" } as HandlerContext;
const ticket = { action_id: "act-2", approval_id: "apr-1" } as Ticket;
const approval = (status: Approval["status"]) => ({ approval_id: "apr-1", status, history: [] }) as unknown as Approval;
const call = { name: "issue_refund", action: "refund.issue", callId: "call-1" };

describe("governed-call: the first answer", () => {
  it("entered: the body may run; paused: the ticket; blocked: refused; thrown: failed", () => {
    expect(afterDecision({ ctx })).toEqual({ kind: "entered", ctx });
    expect(afterDecision({ o: { status: "paused", action_id: "act-2", ticket, approval: approval("pending") } })).toEqual({ kind: "paused", ticket });
    const blocked = { status: "blocked" as const, action_id: "act-3", reasons: ["no"] };
    expect(afterDecision({ o: blocked })).toEqual({ kind: "refused", outcome: blocked });
    expect(afterDecision({ e: new Error("store closed") })).toEqual({ kind: "failed", error: "store closed" });
    expect(afterDecision({ e: "odd" })).toEqual({ kind: "failed", error: "odd" });
  });

  it("an executed outcome before the handler was entered fails closed", () => {
    const executed = { status: "executed" as const, action_id: "act-4", category: "auto" as const, rollback: {} as never, queued_for_review: false };
    expect(afterDecision({ o: executed })).toEqual({ kind: "failed", error: "action act-4 executed without its tool" });
  });
});

describe("governed-call: run without a ticket", () => {
  it("runs only a call decide entered; every other state is refused before the body", () => {
    const run = { kind: "run", ctx } as CallState;
    expect(runStep(run, call)).toEqual({ run });
    const undecided = runStep(undefined, call);
    expect("refuse" in undecided && undecided.refuse.message).toBe("Warden did not decide tool call call-1 of issue_refund: refused");
    const paused = runStep({ kind: "paused" }, call);
    expect("refuse" in paused && paused.refuse.message).toMatch(/did not decide/);
    const failed = runStep({ kind: "failed", error: "store closed" }, call);
    expect("refuse" in failed && failed.refuse.message).toBe("Warden refused refund.issue: store closed");
    const refused = runStep({ kind: "refused", outcome: { status: "blocked", action_id: "act-3", reasons: ["over the limit"] } }, call);
    expect("refuse" in refused && refused.refuse).toBeInstanceOf(ToolCallRefused);
    expect("refuse" in refused && refused.refuse.message).toBe("Warden blocked refund.issue: over the limit");
  });
});

describe("governed-call: Warden's approval as the framework's answer", () => {
  it("approved and modified are granted; rejected, expired and consumed denied; the rest wait", () => {
    expect((["approved", "modified", "rejected", "expired", "consumed", "pending"] as const).map((s) => verdictOf(approval(s as Approval["status"])))).toEqual([
      "granted",
      "granted",
      "denied",
      "denied",
      "denied",
      "wait",
    ]);
  });
});
