// The AI SDK adapter with the real `ai` package: generateText driven by the SDK's own mock
// language model (ai/test), its tool calls decided by the repository's policy.
import { generateText, stepCountIs, tool, type ModelMessage } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { WardenTools } from "../../src/integrations/ai-sdk.ts";
import { AGENT, CONTEXT, CUSTOMER, MAPPING, bodies, categories, expectTrail, records, shop } from "./support.ts";

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const call = (toolCallId: string, toolName: string, input: unknown) => ({ type: "tool-call" as const, toolCallId, toolName, input: JSON.stringify(input) });
const toolCalls = (...calls: ReturnType<typeof call>[]) => ({ content: calls, finishReason: { unified: "tool-calls" as const, raw: "tool_calls" }, usage, warnings: [] });
/** The error text the SDK gave the model for a tool call resumed from an approval response (it runs before the first step). */
function resumedError(r: { response: { messages: ModelMessage[] } }): string {
  for (const m of r.response.messages) {
    if (m.role !== "tool") continue;
    for (const p of m.content) if (p.type === "tool-result" && p.output.type === "error-text") return p.output.value;
  }
  return "";
}
const text = (t: string) => ({ content: [{ type: "text" as const, text: t }], finishReason: { unified: "stop" as const, raw: "stop" }, usage, warnings: [] });

async function setup() {
  const g = await shop();
  const b = bodies(g);
  const warden = new WardenTools({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, tools: MAPPING });
  const order = z.object({ order: z.string() });
  const tools = warden.wrap({
    lookup_order: tool({ description: "Look up an order", inputSchema: order, execute: b.lookup }),
    apply_discount: tool({ description: "Discount an order", inputSchema: order.extend({ amount: z.number() }), execute: b.discount }),
    issue_refund: tool({ description: "Refund an order", inputSchema: order.extend({ amount: z.number() }), execute: b.refund }),
    delete_account: tool({ description: "Delete the account", inputSchema: z.object({ customer: z.string() }), execute: b.deleteAccount }),
  });
  return { g, warden, tools };
}

describe("warden/ai-sdk: generateText with the SDK's mock model", () => {
  it("auto runs, notify runs and is queued, approve pauses, block is refused with the policy's reasons", async () => {
    const { g, warden, tools } = await setup();
    const model = new MockLanguageModelV3({
      doGenerate: [
        toolCalls(
          call("c1", "lookup_order", { order: "A-1001" }),
          call("c2", "apply_discount", { order: "A-1001", amount: 20 }),
          call("c3", "issue_refund", { order: "A-1002", amount: 750 }),
          call("c4", "delete_account", { customer: "customer-c77" }),
        ),
        text("unreachable while an approval is pending"),
      ],
    });
    const r = await generateText({ model, tools, prompt: "my order A-1002 arrived broken", stopWhen: stepCountIs(5) });

    const parts = r.content;
    const result = (id: string) => parts.find((p) => (p.type === "tool-result" || p.type === "tool-error") && p.toolCallId === id);
    expect(result("c1")).toMatchObject({ type: "tool-result", output: { order: { total: 240 } } });
    expect(result("c2")).toMatchObject({ type: "tool-result", output: { discounted: 20 } });
    expect(result("c3")).toBeUndefined();
    const blocked = result("c4");
    expect(blocked?.type).toBe("tool-error");
    expect(String((blocked as { error: unknown }).error)).toMatch(/Warden blocked account\.delete: .*account\.delete/);
    expect(parts.filter((p) => p.type === "tool-approval-request").map((p) => (p as { toolCall: { toolCallId: string } }).toolCall.toolCallId)).toEqual(["c3"]);
    expect(r.steps).toHaveLength(1); // the SDK stops on the approval request
    expect(g.runs).toEqual({ lookup: 1, discount: 1 });

    // notify: executed and queued for review; the discount's before/after is on the chain.
    const queue = await g.gov.store.notifyQueue({ pendingOnly: true });
    expect(queue.map((q) => q.action)).toEqual(["discount.apply"]);
    expect(await g.state.get("orders/A-1001")).toMatchObject({ total: 220, discounts: [20] });

    // approve: the pending request carries Warden's approval and route.
    const pending = await warden.pending(r.response.messages);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ toolCallId: "c3", toolName: "issue_refund", approval: { status: "pending", approver_role: "support-lead", route: { sla_minutes: 60 } } });

    const all = await expectTrail(g);
    expect(categories(all)).toEqual({ "order.lookup": ["auto"], "discount.apply": ["notify"], "refund.issue": ["approve"], "account.delete": ["block"] });
    const outputs = all.filter((x) => x.type === "outcome").map((x) => x.output);
    expect(outputs).toEqual(expect.arrayContaining([{ order: expect.objectContaining({ total: 240 }) }, { discounted: 20 }]));
  });

  it("a 750 refund waits for Warden's approval, then runs exactly once; a client's own approval is refused", async () => {
    const { g, warden, tools } = await setup();
    const model = new MockLanguageModelV3({
      doGenerate: [toolCalls(call("r1", "issue_refund", { order: "A-1002", amount: 750 })), text("still waiting"), text("refund issued"), text("again")],
    });
    const first = await generateText({ model, tools, prompt: "refund A-1002", stopWhen: stepCountIs(5) });
    const messages: ModelMessage[] = [{ role: "user", content: "refund A-1002" }, ...first.response.messages];
    const [p] = await warden.pending(messages);
    expect(p?.approval.status).toBe("pending");

    // Nothing decided in Warden yet: no answer to give the SDK.
    expect(await warden.approvalResponses(messages)).toMatchObject({ message: undefined, waiting: [{ toolCallId: "r1" }] });

    // A client that answers the SDK's approval request itself does not get the tool run.
    const forged = await generateText({ model, tools, stopWhen: stepCountIs(1), messages: [...messages, { role: "tool", content: [{ type: "tool-approval-response", approvalId: p!.approvalId, approved: true }] }] });
    expect(resumedError(forged)).toMatch(/still pending with support-lead/);
    expect(g.runs.refund).toBeUndefined();

    // The routed role approves in Warden (here through the library; `warden approvals approve` or serve alike).
    await expect(g.gov.decideApproval({ approval_id: p!.approval.approval_id, verdict: "approve", by: { id: "sam" }, saw: { request_hash: p!.ticket.request_hash, revision: p!.ticket.revision } })).rejects.toThrow();
    await g.gov.decideApproval({ approval_id: p!.approval.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: p!.ticket.request_hash, revision: p!.ticket.revision } });
    const { message } = await warden.approvalResponses(messages);
    expect(message?.content).toMatchObject([{ type: "tool-approval-response", approvalId: p!.approvalId, approved: true }]);

    const resumed = await generateText({ model, tools, stopWhen: stepCountIs(2), messages: [...messages, message!] });
    expect(resumed.text).toBe("refund issued");
    expect(g.runs.refund).toBe(1);
    expect(await g.state.get("orders/A-1002")).toMatchObject({ refunded: 750 });

    // The same approval replayed: Warden refuses it, the tool does not run again.
    const replayed = await generateText({ model, tools, stopWhen: stepCountIs(1), messages: [...messages, message!] });
    expect(resumedError(replayed)).toMatch(/already_executed/);
    expect(g.runs.refund).toBe(1);

    const all = await expectTrail(g);
    const refundActions = new Set(all.filter((x) => x.request?.action === "refund.issue").map((x) => x.action_id));
    expect(refundActions.size).toBe(1); // one action: decided once, paused, approved, executed once
    const outcomes = all.filter((x) => x.type === "outcome" && refundActions.has(x.action_id));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.output).toEqual({ refunded: 750 });
    expect(all.some((x) => x.type === "refusal" && x.action_id === [...refundActions][0])).toBe(true);
  });

  it("a client's denial leaves the tool unrun; Warden's rejection is given to the SDK as a denial", async () => {
    const { g, warden, tools } = await setup();
    const model = new MockLanguageModelV3({ doGenerate: [toolCalls(call("r2", "issue_refund", { order: "A-1002", amount: 600 })), text("ok, no refund")] });
    const first = await generateText({ model, tools, prompt: "refund", stopWhen: stepCountIs(3) });
    const messages: ModelMessage[] = [{ role: "user", content: "refund" }, ...first.response.messages];
    const [p] = await warden.pending(messages);
    await g.gov.decideApproval({ approval_id: p!.approval.approval_id, verdict: "reject", by: { id: "lena" }, saw: { request_hash: p!.ticket.request_hash, revision: p!.ticket.revision }, comment: "no photo" });
    const { message } = await warden.approvalResponses(messages);
    expect(message?.content).toMatchObject([{ approved: false, reason: expect.stringMatching(/rejected/) }]);
    const after = await generateText({ model, tools, stopWhen: stepCountIs(2), messages: [...messages, message!] });
    expect(after.text).toBe("ok, no refund");
    expect(g.runs.refund).toBeUndefined();
    await expectTrail(g);
  });

  it("fails closed: an agent the directory does not know gets no tool run", async () => {
    const { g } = await setup();
    const b = bodies(g);
    const warden = new WardenTools({ governor: g.gov, agent: { id: "intruder", role: "support-agent" }, initiator: CUSTOMER, context: CONTEXT, tools: MAPPING });
    const tools = warden.wrap({ lookup_order: tool({ inputSchema: z.object({ order: z.string() }), execute: b.lookup }) });
    const model = new MockLanguageModelV3({ doGenerate: [toolCalls(call("x1", "lookup_order", { order: "A-1001" })), text("done")] });
    const r = await generateText({ model, tools, prompt: "look", stopWhen: stepCountIs(2) });
    const err = r.steps[0]!.content.find((x) => x.type === "tool-error");
    expect(String((err as { error: unknown }).error)).toMatch(/unknown_agent/);
    expect(g.runs.lookup).toBeUndefined();
    expect((await g.audit.verify()).ok).toBe(true);
    expect((await records(g)).filter((x) => x.type === "refusal").map((x) => (x.details as { code?: string } | undefined)?.code)).toContain("unknown_agent");
  });
});
