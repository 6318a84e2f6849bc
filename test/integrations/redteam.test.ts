// The framework adapters and the MCP gateway attacked by their client: the messages a framework
// replays are the client's to change, and a tool's arguments are the model's. An approval runs
// the call it was given for, with the parameters Warden granted, once; anything else is refused,
// audited, and never reaches the tool.
import { fileURLToPath } from "node:url";
import { generateText, stepCountIs, tool, type ModelMessage } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { WardenTools } from "../../src/integrations/ai-sdk.ts";
import { GovernedCalls } from "../../src/integrations/governed-call.ts";
import { McpGateway, REQUEST_STATE_META } from "../../src/integrations/mcp.ts";
import { AGENT, CONTEXT, CUSTOMER, MAPPING, bodies, records, shop } from "./support.ts";

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const call = (toolCallId: string, toolName: string, input: unknown) => ({ type: "tool-call" as const, toolCallId, toolName, input: JSON.stringify(input) });
const toolCalls = (...calls: ReturnType<typeof call>[]) => ({ content: calls, finishReason: { unified: "tool-calls" as const, raw: "tool_calls" }, usage, warnings: [] });
const text = (t: string) => ({ content: [{ type: "text" as const, text: t }], finishReason: { unified: "stop" as const, raw: "stop" }, usage, warnings: [] });
function resumedError(r: { response: { messages: ModelMessage[] } }): string {
  for (const m of r.response.messages) {
    if (m.role !== "tool") continue;
    for (const p of m.content) if (p.type === "tool-result" && p.output.type === "error-text") return p.output.value;
  }
  return "";
}

/** The messages with every tool-call part's input replaced (what a client holding the history can do). */
function tampered(messages: ModelMessage[], input: Record<string, unknown>): ModelMessage[] {
  return messages.map((m) => (m.role === "assistant" && typeof m.content !== "string" ? { ...m, content: m.content.map((p) => (p.type === "tool-call" ? { ...p, input } : p)) } : m)) as ModelMessage[];
}

async function aiSdk() {
  const g = await shop();
  const b = bodies(g);
  const seen: unknown[] = [];
  const warden = new WardenTools({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, tools: MAPPING });
  const order = z.object({ order: z.string(), amount: z.number() });
  const tools = warden.wrap({ issue_refund: tool({ inputSchema: order, execute: async (i: { order: string; amount: number }) => (seen.push(i), b.refund(i)) }) });
  const model = new MockLanguageModelV3({ doGenerate: [toolCalls(call("r1", "issue_refund", { order: "A-1002", amount: 750 })), text("waiting"), text("done"), text("again")] });
  const first = await generateText({ model, tools, prompt: "refund A-1002", stopWhen: stepCountIs(5) });
  const messages: ModelMessage[] = [{ role: "user", content: "refund A-1002" }, ...first.response.messages];
  const [p] = await warden.pending(messages);
  return { g, warden, tools, model, messages, p: p!, seen };
}

describe("the AI SDK adapter: the approved call, as approved", () => {
  it("an approved refund replayed with another amount or order in the messages is refused, audited, the tool not run, the approval still usable", async () => {
    const { g, warden, tools, model, messages, p, seen } = await aiSdk();
    await g.gov.decideApproval({ approval_id: p.approval.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: p.ticket.request_hash, revision: p.ticket.revision } });
    const { message } = await warden.approvalResponses(messages);
    for (const input of [{ order: "A-1002", amount: 7500 }, { order: "A-1001", amount: 750 }]) {
      const r = await generateText({ model, tools, stopWhen: stepCountIs(1), messages: [...tampered(messages, input), message!] });
      expect(resumedError(r)).toMatch(/another input than the one approval/);
    }
    expect(seen).toEqual([]);
    expect(g.runs.refund).toBeUndefined();
    expect(await g.state.get("orders/A-1002")).toMatchObject({ refunded: 0 });
    const refusals = (await records(g)).filter((r) => r.type === "refusal" && r.action_id === p.ticket.action_id);
    expect(refusals.map((r) => [(r.details as { operation: string }).operation, (r.details as { code: string }).code])).toEqual([
      ["tool.resume", "input_invalid"],
      ["tool.resume", "input_invalid"],
    ]);
    expect((await g.gov.store.getApproval(p.approval.approval_id))!.status).toBe("approved");
    // The call as approved still runs, once.
    const ok = await generateText({ model, tools, stopWhen: stepCountIs(2), messages: [...messages, message!] });
    expect(resumedError(ok)).toBe("");
    expect(seen).toEqual([{ order: "A-1002", amount: 750 }]);
  });

  it("an approved call id run as another tool, or an allowed call run with another input, never runs the other body", async () => {
    const g = await shop();
    const b = bodies(g);
    const calls = new GovernedCalls({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, tools: MAPPING }, { framework: "test" });
    // Approved: issue_refund for call c1. Run as delete_account under the same call id.
    expect(await calls.decide("issue_refund", { order: "A-1002", amount: 750 }, "c1")).toBe(true);
    const ticket = (await calls.tickets.get("c1"))!;
    await g.gov.decideApproval({ approval_id: ticket.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: ticket.request_hash, revision: ticket.revision } });
    await expect(calls.run("delete_account", { customer: "customer-c77" }, "c1", (i) => b.deleteAccount(i as { customer: string }))).rejects.toThrow(/another input than the one approval/);
    expect(g.runs.deleteAccount).toBeUndefined();
    expect((await g.gov.store.getApproval(ticket.approval_id))!.status).toBe("approved");
    // Allowed: a lookup of A-1001 decided; run as a lookup of A-1002.
    expect(await calls.decide("lookup_order", { order: "A-1001" }, "c2")).toBe(false);
    await expect(calls.run("lookup_order", { order: "A-1002" }, "c2", (i) => b.lookup(i as { order: string }))).rejects.toThrow(/another call than the one decided/);
    expect(g.runs.lookup).toBeUndefined();
    const c2 = (await records(g)).filter((r) => r.type === "outcome").map((r) => r.status);
    expect(c2).toEqual(["failed"]);
  });

  it("a call run after Warden gave up waiting for it (and recorded it failed) does not run", async () => {
    const g = await shop();
    const b = bodies(g);
    const calls = new GovernedCalls({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, tools: MAPPING }, { framework: "test", runTimeoutMs: 50 });
    expect(await calls.decide("lookup_order", { order: "A-1001" }, "late")).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    const failed = (await records(g)).filter((r) => r.type === "outcome");
    expect(failed.map((r) => r.status)).toEqual(["failed"]);
    await expect(calls.run("lookup_order", { order: "A-1001" }, "late", (i) => b.lookup(i as { order: string }))).rejects.toThrow(/did not decide tool call late/);
    expect(g.runs.lookup).toBeUndefined();
    expect((await records(g)).filter((r) => r.type === "outcome")).toHaveLength(1);
  });

  it("a modified approval runs the tool with the approver's parameters, not the model's", async () => {
    const { g, warden, tools, model, messages, p, seen } = await aiSdk();
    const m = await g.gov.decideApproval({ approval_id: p.approval.approval_id, verdict: "modify", by: { id: "lena" }, saw: { request_hash: p.ticket.request_hash, revision: p.ticket.revision }, parameters: { amount: 300 } });
    expect(m.status).toBe("modified");
    const { message } = await warden.approvalResponses(messages);
    const r = await generateText({ model, tools, stopWhen: stepCountIs(2), messages: [...messages, message!] });
    expect(resumedError(r)).toBe("");
    expect(seen).toEqual([{ order: "A-1002", amount: 300 }]);
    expect(await g.state.get("orders/A-1002")).toMatchObject({ refunded: 300 });
    const intent = (await records(g)).find((x) => x.type === "intent" && x.action_id === p.ticket.action_id)!;
    expect(intent.executed?.parameters).toEqual({ order: "A-1002", amount: 300 });
  });

  it("a mapping that derives parameters from the input cannot take a modification: the action fails, nothing runs", async () => {
    const g = await shop();
    const calls = new GovernedCalls({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, tools: { refund: { action: "refund.issue", parameters: (i) => ({ order: (i as { o: string }).o, amount: (i as { a: number }).a }), resource: (i) => `orders/${(i as { o: string }).o}` } } }, { framework: "test" });
    const input = { o: "A-1002", a: 750 };
    expect(await calls.decide("refund", input, "c1")).toBe(true);
    const ticket = (await calls.tickets.get("c1"))!;
    await g.gov.decideApproval({ approval_id: ticket.approval_id, verdict: "modify", by: { id: "lena" }, saw: { request_hash: ticket.request_hash, revision: ticket.revision }, parameters: { amount: 300 } });
    let ran = 0;
    await expect(calls.run("refund", input, "c1", () => ran++)).rejects.toThrow(/cannot carry them back/);
    expect(ran).toBe(0);
    const outcome = (await records(g)).find((x) => x.type === "outcome" && x.action_id === ticket.action_id)!;
    expect(outcome.status).toBe("failed");
  });
});

describe("the MCP gateway over HTTP: slow clients", () => {
  it("a request body that never finishes is cut off within the request timeout", async () => {
    const g = await shop();
    const gw = new McpGateway({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, upstream: new Client({ name: "unused", version: "1.0.0" }), tools: {} });
    const served = await gw.serveHttp({ authorize: async () => undefined, requestTimeoutMs: 400 });
    try {
      const { connect } = await import("node:net");
      const t0 = Date.now();
      let answer = "";
      const closed = await new Promise<boolean>((resolve) => {
        const sock = connect(served.port, "127.0.0.1");
        const timer = setTimeout(() => (sock.destroy(), resolve(false)), 5_000);
        sock.on("close", () => (clearTimeout(timer), resolve(true)));
        sock.on("error", () => undefined);
        sock.on("data", (d) => (answer += d.toString()));
        sock.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
      });
      expect(closed).toBe(true);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      await served.close();
    }
  });
});

describe("the MCP gateway: arguments and states from the client", () => {
  const FIXTURE = fileURLToPath(new URL("./fixtures/shop-mcp-server.mjs", import.meta.url));
  type Result = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown> };
  const textOf = (r: unknown) => (r as Result).content.map((c) => c.text ?? "").join(" ");

  it("a non-finite amount is refused (input_invalid, audited), never decided as null and run upstream; a modified approval runs upstream with the approver's amount", async () => {
    const g = await shop();
    const upstream = new Client({ name: "warden-gateway", version: "1.0.0" });
    await upstream.connect(new StdioClientTransport({ command: process.execPath, args: [FIXTURE] }));
    try {
      const gw = new McpGateway({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, upstream, tools: { issue_refund: { action: "refund.issue", effect: { compensation: "reverse it" } } } });
      const runs = async () => ((await upstream.callTool({ name: "calls", arguments: {} })) as Result).structuredContent!.runs as Record<string, number>;
      const before = (await records(g)).length;
      const inf = await gw.callTool("issue_refund", { order: "A-1001", amount: Infinity }, { modern: false });
      expect((inf as Result).isError).toBe(true);
      expect(textOf(inf)).toMatch(/input_invalid/);
      const added = (await records(g)).slice(before);
      expect(added.map((r) => [r.type, (r.details as { code?: string } | undefined)?.code])).toEqual([["refusal", "input_invalid"]]);
      expect((await runs()).issue_refund).toBeUndefined();

      const paused = await gw.callTool("issue_refund", { order: "A-1002", amount: 750 }, { modern: false });
      const state = (paused as { _meta: Record<string, string> })._meta[REQUEST_STATE_META]!;
      // A retry whose arguments cannot even be hashed is refused like any other retry, audited.
      const n = (await records(g)).length;
      expect(textOf(await gw.callTool("issue_refund", { order: "A-1002", amount: -Infinity }, { modern: false, state }))).toMatch(/not the one approval/);
      expect((await records(g)).slice(n).map((r) => (r.details as { operation?: string }).operation)).toEqual(["mcp.retry"]);
      const ticket = gw.unseal(state)!;
      await g.gov.decideApproval({ approval_id: ticket.approval_id, verdict: "modify", by: { id: "lena" }, saw: { request_hash: ticket.request_hash, revision: ticket.revision }, parameters: { amount: 300 } });
      const done = await gw.callTool("issue_refund", { order: "A-1002", amount: 750 }, { modern: false, state });
      expect((done as Result).structuredContent).toEqual({ refunded: 300, order: "A-1002" });
      expect((await runs()).issue_refund).toBe(1);
    } finally {
      await upstream.close();
    }
  });
});
