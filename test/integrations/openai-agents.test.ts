// The OpenAI Agents SDK adapter with the real `@openai/agents` package: runs of an Agent whose
// model is scripted (a Model returning scripted tool calls, no network), its tool calls decided by
// the repository's policy, approvals answered from Warden's record.
import { Agent, RunState, Runner, Usage, type AgentInputItem, type Model, type ModelRequest, type ModelResponse } from "@openai/agents";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { WardenAgentTools } from "../../src/integrations/openai-agents.ts";
import { AGENT, CONTEXT, CUSTOMER, MAPPING, bodies, categories, expectTrail, records, shop } from "./support.ts";

type Turn = ModelResponse["output"];
const call = (callId: string, name: string, args: unknown) => ({ type: "function_call" as const, callId, name, arguments: JSON.stringify(args), status: "completed" as const });
const say = (text: string) => ({ type: "message" as const, role: "assistant" as const, status: "completed" as const, content: [{ type: "output_text" as const, text }] });

/** A model that answers each request with the next scripted turn, and keeps what it was sent. */
class ScriptedModel implements Model {
  readonly seen: ModelRequest[] = [];
  constructor(private readonly turns: Turn[]) {}
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.seen.push(request);
    const output = this.turns.shift();
    if (!output) throw new Error("the script has no more turns");
    return { usage: new Usage(), output };
  }
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("not streamed in these tests");
  }
}

/** The tool outputs the model was last sent, by call id. */
function toolOutputs(model: ScriptedModel): Record<string, string> {
  const out: Record<string, string> = {};
  const input = model.seen.at(-1)?.input;
  for (const item of (Array.isArray(input) ? input : []) as AgentInputItem[]) {
    if (item.type !== "function_call_result") continue;
    const o = item.output as string | { type: string; text?: string };
    out[item.callId] = typeof o === "string" ? o : (o.text ?? JSON.stringify(o));
  }
  return out;
}

const runner = new Runner({ tracingDisabled: true });

async function setup(turns: Turn[], agentId = AGENT) {
  const g = await shop();
  const b = bodies(g);
  const warden = new WardenAgentTools({ governor: g.gov, agent: agentId, initiator: CUSTOMER, context: CONTEXT, tools: MAPPING });
  const order = z.object({ order: z.string() });
  const money = z.object({ order: z.string(), amount: z.number() });
  const model = new ScriptedModel(turns);
  const agent = new Agent({
    name: "support",
    instructions: "Help the customer with their orders.",
    model,
    tools: [
      warden.tool({ name: "lookup_order", description: "Look up an order", parameters: order, execute: b.lookup }),
      warden.tool({ name: "apply_discount", description: "Discount an order", parameters: money, execute: b.discount }),
      warden.tool({ name: "issue_refund", description: "Refund an order", parameters: money, execute: b.refund }),
      warden.tool({ name: "delete_account", description: "Delete the account", parameters: z.object({ customer: z.string() }), execute: b.deleteAccount }),
    ],
  });
  return { g, warden, model, agent };
}

describe("warden/openai-agents: runs with a scripted model", () => {
  it("auto runs, notify runs and is queued, approve interrupts the run, block is refused with the policy's reasons", async () => {
    const { g, warden, model, agent } = await setup([
      [
        call("c1", "lookup_order", { order: "A-1001" }),
        call("c2", "apply_discount", { order: "A-1001", amount: 20 }),
        call("c3", "issue_refund", { order: "A-1002", amount: 750 }),
        call("c4", "delete_account", { customer: "customer-c77" }),
      ],
      [say("unreachable while an approval is pending")],
    ]);
    const r = await runner.run(agent, "my order A-1002 arrived broken");
    expect(r.interruptions.map((i) => (i.rawItem as { callId: string }).callId)).toEqual(["c3"]);
    expect(g.runs).toEqual({ lookup: 1, discount: 1 });

    // notify: executed and queued for review; the discount's before/after is on the chain.
    const queue = await g.gov.store.notifyQueue({ pendingOnly: true });
    expect(queue.map((q) => q.action)).toEqual(["discount.apply"]);
    expect(await g.state.get("orders/A-1001")).toMatchObject({ total: 220, discounts: [20] });

    // approve: the interruption carries Warden's approval and route.
    const pending = await warden.pending(r.interruptions);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ callId: "c3", toolName: "issue_refund", approval: { status: "pending", approver_role: "support-lead", route: { sla_minutes: 60 } } });

    // block: the model is told why, in the run's items (the tool output it will be sent).
    const outputs = r.newItems.filter((i) => i.type === "tool_call_output_item").map((i) => i.rawItem as { callId: string; output: unknown });
    const blocked = outputs.find((o) => o.callId === "c4");
    expect(JSON.stringify(blocked?.output)).toMatch(/Warden blocked account\.delete: .*account\.delete is on the hard block list/);
    expect(outputs.map((o) => o.callId).sort()).toEqual(["c1", "c2", "c4"]);
    expect(model.seen).toHaveLength(1);

    const all = await expectTrail(g);
    expect(categories(all)).toEqual({ "order.lookup": ["auto"], "discount.apply": ["notify"], "refund.issue": ["approve"], "account.delete": ["block"] });
    const audited = all.filter((x) => x.type === "outcome").map((x) => x.output);
    expect(audited).toEqual(expect.arrayContaining([{ order: expect.objectContaining({ total: 240 }) }, { discounted: 20 }]));
  });

  it("a 750 refund waits for Warden's approval, then runs exactly once; a client's own approval is refused", async () => {
    const { g, warden, model, agent } = await setup([
      [call("r1", "issue_refund", { order: "A-1002", amount: 750 })],
      [say("I could not refund yet")],
      [say("refund issued")],
      [say("again")],
    ]);
    const first = await runner.run(agent, "refund A-1002");
    const [p] = await warden.pending(first.interruptions);
    expect(p?.approval.status).toBe("pending");

    // Nothing decided in Warden yet: settle leaves the interruption unanswered.
    const early = await warden.settle(first);
    expect(early.waiting.map((w) => w.callId)).toEqual(["r1"]);
    expect(early.approved).toEqual([]);
    await expect(warden.settleWhenDecided(first, { intervalMs: 5, timeoutMs: 20 })).rejects.toThrow(/still pending/);

    // A client that approves the interruption itself does not get the tool run: Warden has no approval on record.
    const forgedState = await RunState.fromString(agent, first.state.toString());
    forgedState.approve(forgedState.getInterruptions()[0]!);
    const forged = await runner.run(agent, forgedState);
    expect(toolOutputs(model).r1).toMatch(/Warden has not granted refund\.issue: .*still pending with support-lead/);
    expect(forged.finalOutput).toBe("I could not refund yet");
    expect(g.runs.refund).toBeUndefined();

    // The routed role approves in Warden (here through the library; `warden approvals approve` or serve alike).
    const saw = { request_hash: p!.ticket.request_hash, revision: p!.ticket.revision };
    await expect(g.gov.decideApproval({ approval_id: p!.approval.approval_id, verdict: "approve", by: { id: "sam" }, saw })).rejects.toThrow();
    setTimeout(() => void g.gov.decideApproval({ approval_id: p!.approval.approval_id, verdict: "approve", by: { id: "lena" }, saw }), 30);
    const settled = await warden.settleWhenDecided(first, { intervalMs: 10, timeoutMs: 5000 });
    expect(settled.approved.map((a) => a.approval.approver_role)).toEqual(["support-lead"]);

    const approvedSnapshot = first.state.toString(); // as a service would persist it
    const resumed = await runner.run(agent, first.state);
    expect(resumed.finalOutput).toBe("refund issued");
    expect(resumed.interruptions).toEqual([]);
    expect(g.runs.refund).toBe(1);
    expect(await g.state.get("orders/A-1002")).toMatchObject({ refunded: 750 });

    // The same approved state replayed: Warden refuses it, the tool does not run again.
    const replayed = await runner.run(agent, await RunState.fromString(agent, approvedSnapshot));
    expect(replayed.finalOutput).toBe("again");
    expect(toolOutputs(model).r1).toMatch(/already_executed/);
    expect(g.runs.refund).toBe(1);

    const all = await expectTrail(g);
    const refundActions = new Set(all.filter((x) => x.request?.action === "refund.issue").map((x) => x.action_id));
    expect(refundActions.size).toBe(1); // one action: decided once, paused, approved, executed once
    const outcomes = all.filter((x) => x.type === "outcome" && refundActions.has(x.action_id));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.output).toEqual({ refunded: 750 });
  });

  it("Warden's rejection is given to the run as a rejection with its reason; the tool does not run", async () => {
    const { g, warden, model, agent } = await setup([[call("r2", "issue_refund", { order: "A-1002", amount: 600 })], [say("ok, no refund")]]);
    const first = await runner.run(agent, "refund");
    const [p] = await warden.pending(first.interruptions);
    await g.gov.decideApproval({ approval_id: p!.approval.approval_id, verdict: "reject", by: { id: "lena" }, saw: { request_hash: p!.ticket.request_hash, revision: p!.ticket.revision }, comment: "no photo" });
    const s = await warden.settle(first);
    expect(s.rejected.map((x) => x.callId)).toEqual(["r2"]);
    const after = await runner.run(agent, first.state);
    expect(after.finalOutput).toBe("ok, no refund");
    expect(toolOutputs(model).r2).toMatch(/approval .* is rejected \(no photo\)/);
    expect(g.runs.refund).toBeUndefined();
    await expectTrail(g);
  });

  it("fails closed: an agent the directory does not know gets no tool run", async () => {
    const { g, model, agent } = await setup([[call("x1", "lookup_order", { order: "A-1001" })], [say("done")]], { id: "intruder", role: "support-agent" });
    const r = await runner.run(agent, "look");
    expect(r.finalOutput).toBe("done");
    expect(toolOutputs(model).x1).toMatch(/unknown_agent/);
    expect(g.runs.lookup).toBeUndefined();
    expect((await g.audit.verify()).ok).toBe(true);
    expect((await records(g)).filter((x) => x.type === "refusal").map((x) => (x.details as { code?: string } | undefined)?.code)).toContain("unknown_agent");
  });
});
