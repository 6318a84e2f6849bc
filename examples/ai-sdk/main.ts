// A support agent on the Vercel AI SDK (`ai` 6, generateText) whose every tool call Warden governs
// under the repository's policy/. The model is the SDK's mock (scripted tool calls, no network).
//   node --import tsx examples/ai-sdk/main.ts
// A service imports the same names from the package: "warden" and "warden/ai-sdk".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateText, stepCountIs, tool, type ModelMessage } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { buildBundleBytes } from "../../src/compiler.ts";
import { AuditLog, Evaluator, GovernanceState, Governor, MemoryStateStore, putPrincipal } from "../../src/index.ts";
import { WardenTools, wardenContext } from "../../src/integrations/ai-sdk.ts";

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
const warden = new WardenTools({
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
const ctx = () => {
  const c = wardenContext();
  if (!c) throw new Error("a tool body ran outside a governed action");
  return c.state;
};
const order = z.object({ order: z.string() });
const money = order.extend({ amount: z.number() });
const tools = warden.wrap({
  lookup_order: tool({ description: "Look up an order", inputSchema: order, execute: async ({ order }) => ({ order: await ctx().get(`orders/${order}`) }) }),
  apply_discount: tool({
    description: "Discount an order",
    inputSchema: money,
    execute: async ({ order, amount }) => {
      const o = (await ctx().get(`orders/${order}`)) as { total: number; discounts: number[] };
      await ctx().put(`orders/${order}`, { ...o, total: o.total - amount, discounts: [...o.discounts, amount] });
      return { discounted: amount };
    },
  }),
  issue_refund: tool({
    description: "Refund an order",
    inputSchema: money,
    execute: async ({ order, amount }) => {
      const o = (await ctx().get(`orders/${order}`)) as { refunded: number };
      await ctx().put(`orders/${order}`, { ...o, refunded: o.refunded + amount });
      return { refunded: amount };
    },
  }),
  delete_account: tool({ description: "Delete the account", inputSchema: z.object({ customer: z.string() }), execute: async () => ({ deleted: true }) }),
});

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const call = (toolCallId: string, toolName: string, input: unknown) => ({ type: "tool-call" as const, toolCallId, toolName, input: JSON.stringify(input) });
const model = new MockLanguageModelV3({
  doGenerate: [
    {
      content: [
        call("c1", "lookup_order", { order: "A-1001" }),
        call("c2", "apply_discount", { order: "A-1001", amount: 20 }),
        call("c3", "issue_refund", { order: "A-1002", amount: 750 }),
        call("c4", "delete_account", { customer: "customer-c77" }),
      ],
      finishReason: { unified: "tool-calls" as const, raw: "tool_calls" },
      usage,
      warnings: [],
    },
    { content: [{ type: "text" as const, text: "Your refund of 750 is on its way." }], finishReason: { unified: "stop" as const, raw: "stop" }, usage, warnings: [] },
  ],
});

const prompt = "My order A-1002 arrived broken; please refund it, and delete my account.";
const first = await generateText({ model, tools, prompt, stopWhen: stepCountIs(5) });
for (const p of first.content) {
  if (p.type === "tool-result") console.log(`${p.toolName}: ran -> ${JSON.stringify(p.output)}`);
  if (p.type === "tool-error") console.log(`${p.toolName}: refused -> ${String(p.error)}`);
}
for (const q of await governor.store.notifyQueue({ pendingOnly: true })) console.log(`notify queue: ${q.action} (action ${q.action_id})`);

// approve: the SDK stopped on a tool-approval request; Warden holds the approval and its route.
const messages: ModelMessage[] = [{ role: "user", content: prompt }, ...first.response.messages];
for (const p of await warden.pending(messages)) {
  console.log(`${p.toolName}: waits for ${p.approval.approver_role} (Warden approval ${p.approval.approval_id}, SLA ${p.approval.route.sla_minutes} min)`);
  // The routed role decides in Warden: here through the library; `warden approvals approve` or `warden serve` alike.
  await governor.decideApproval({ approval_id: p.approval.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: p.ticket.request_hash, revision: p.ticket.revision } });
  console.log(`lena approved ${p.approval.approval_id}`);
}
const { message } = await warden.approvalResponses(messages);
const resumed = await generateText({ model, tools, stopWhen: stepCountIs(2), messages: [...messages, message!] });
console.log(`model: ${resumed.text}`);
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

