// A support agent on the OpenAI Agents SDK (`@openai/agents`) whose every tool call Warden governs
// under the repository's policy/. The model is scripted (a Model returning tool calls, no network).
//   node --import tsx examples/openai-agents/main.ts
// A service imports the same names from the package: "warden" and "warden/openai-agents".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, Runner, Usage, type Model, type ModelResponse } from "@openai/agents";
import { z } from "zod";
import { buildBundleBytes } from "../../src/compiler.ts";
import { AuditLog, Evaluator, GovernanceState, Governor, MemoryStateStore, putPrincipal } from "../../src/index.ts";
import { WardenAgentTools, wardenContext } from "../../src/integrations/openai-agents.ts";

const policy = fileURLToPath(new URL("../../policy", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "warden-example-"));

// The deployment: the policy built into a bundle, an audit trail, the directory of who may act and approve.
const { bytes } = await buildBundleBytes({ paths: [policy] });
const audit = await AuditLog.open(join(dir, "warden.db"));
const directory = await GovernanceState.open(audit);
for (const entry of [
  { id: "admin", kind: "operator", roles: ["warden:admin"] },
  { id: "support-bot-1", kind: "agent", roles: ["support-agent"] },
  { id: "lena", kind: "user", roles: ["support-lead"] },
]) await putPrincipal(directory, entry, "admin");
const state = new MemoryStateStore();
await state.put("orders/A-1001", { customer: "customer-c77", total: 240, discounts: [], refunded: 0 });
await state.put("orders/A-1002", { customer: "customer-c77", total: 900, discounts: [], refunded: 0 });
const governor = await Governor.open({ evaluator: await Evaluator.load({ bytes }, { allowUnsigned: true }), audit, state });

// The agent's identity comes from the service (what it authenticated), never from the model.
const warden = new WardenAgentTools({
  governor,
  agent: { id: "support-bot-1", role: "support-agent" },
  initiator: { id: "customer-c77", kind: "user" },
  context: { channel: "chat", attributes: { identity_verified: true } },
  tools: {
    lookup_order: { action: "order.lookup" },
    apply_discount: { action: "discount.apply", resource: (i) => `orders/${(i as { order: string }).order}` },
    issue_refund: { action: "refund.issue", resource: (i) => `orders/${(i as { order: string }).order}` },
    delete_account: { action: "account.delete" },
  },
});

// The tools change the orders through the governed action's state store, so Warden records before/after.
const orders = () => {
  const c = wardenContext();
  if (!c) throw new Error("a tool body ran outside a governed action");
  return c.state;
};
const order = z.object({ order: z.string() });
const money = z.object({ order: z.string(), amount: z.number() });
const tools = [
  warden.tool({ name: "lookup_order", description: "Look up an order", parameters: order, execute: async ({ order }) => ({ order: await orders().get(`orders/${order}`) }) }),
  warden.tool({
    name: "apply_discount",
    description: "Discount an order",
    parameters: money,
    execute: async ({ order, amount }) => {
      const o = (await orders().get(`orders/${order}`)) as { total: number; discounts: number[] };
      await orders().put(`orders/${order}`, { ...o, total: o.total - amount, discounts: [...o.discounts, amount] });
      return { discounted: amount };
    },
  }),
  warden.tool({
    name: "issue_refund",
    description: "Refund an order",
    parameters: money,
    execute: async ({ order, amount }) => {
      const o = (await orders().get(`orders/${order}`)) as { refunded: number };
      await orders().put(`orders/${order}`, { ...o, refunded: o.refunded + amount });
      return { refunded: amount };
    },
  }),
  warden.tool({ name: "delete_account", description: "Delete the account", parameters: z.object({ customer: z.string() }), execute: async () => ({ deleted: true }) }),
];

/** The model: one scripted turn per request (what a real model might answer to this conversation). */
class ScriptedModel implements Model {
  constructor(private readonly turns: ModelResponse["output"][]) {}
  async getResponse(): Promise<ModelResponse> {
    return { usage: new Usage(), output: this.turns.shift() ?? [] };
  }
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("this example does not stream");
  }
}
const call = (callId: string, name: string, args: unknown) => ({ type: "function_call" as const, callId, name, arguments: JSON.stringify(args), status: "completed" as const });
const model = new ScriptedModel([
  [
    call("c1", "lookup_order", { order: "A-1001" }),
    call("c2", "apply_discount", { order: "A-1001", amount: 20 }),
    call("c3", "issue_refund", { order: "A-1002", amount: 750 }),
    call("c4", "delete_account", { customer: "customer-c77" }),
  ],
  [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Your refund of 750 is on its way." }] }],
]);

const agent = new Agent({ name: "support", instructions: "Help the customer with their orders.", model, tools });
const runner = new Runner({ tracingDisabled: true });
let result = await runner.run(agent, "My order A-1002 arrived broken; please refund it, and delete my account.");
for (const item of result.newItems) {
  if (item.type !== "tool_call_output_item") continue;
  const raw = item.rawItem as { name: string; output: unknown };
  const text = typeof raw.output === "string" ? raw.output : ((raw.output as { text?: string }).text ?? JSON.stringify(raw.output));
  console.log(`${raw.name}: ${/^Warden /.test(text) ? "refused" : "ran"} -> ${text}`);
}
for (const q of await governor.store.notifyQueue({ pendingOnly: true })) console.log(`notify queue: ${q.action} (action ${q.action_id})`);

// approve: the run stopped on an interruption; Warden holds the approval and its route.
while (result.interruptions.length > 0) {
  for (const p of await warden.pending(result.interruptions)) {
    console.log(`${p.toolName}: waits for ${p.approval.approver_role} (Warden approval ${p.approval.approval_id}, SLA ${p.approval.route.sla_minutes} min)`);
    // The routed role decides in Warden, later: here through the library; `warden approvals approve` or `warden serve` alike.
    setTimeout(() => {
      void governor
        .decideApproval({ approval_id: p.approval.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: p.ticket.request_hash, revision: p.ticket.revision } })
        .then(() => console.log(`lena approved ${p.approval.approval_id}`));
    }, 200);
  }
  // Resumes the interruption when Warden has decided: state.approve / state.reject from Warden's record only.
  const settled = await warden.settleWhenDecided(result, { intervalMs: 50, timeoutMs: 60_000 });
  console.log(`settled: ${settled.approved.length} approved, ${settled.rejected.length} rejected`);
  result = await runner.run(agent, result.state);
}
console.log(`model: ${result.finalOutput}`);
console.log(`order A-1002 now: ${JSON.stringify(await state.get("orders/A-1002"))}`);

const verified = await audit.verify();
let decisions = 0;
for await (const r of audit.list()) {
  if (r.type !== "decision" || r.decision?.revision !== governor.revision) continue;
  decisions++;
  console.log(`audit: decision ${r.request?.action} -> ${(r.decision.result as { category: string }).category}`);
}
console.log(`audit chain ${verified.ok ? "verified" : "BROKEN"}: ${decisions} decisions under revision ${governor.revision}`);
await governor.dispose();
rmSync(dir, { recursive: true, force: true });
