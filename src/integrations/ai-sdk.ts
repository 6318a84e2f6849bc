// `warden/ai-sdk`: every tool call of the Vercel AI SDK (`ai`, v6: generateText, streamText,
// ToolLoopAgent) routed through the governor, using the SDK's own tool-approval flow.
//
//   const warden = new WardenTools({ governor, agent: { id, role }, initiator, tools: { refund: { action: "refund.issue", resource } } });
//   const result = await generateText({ model, tools: warden.wrap({ lookup, refund }), prompt });
//   warden.pending(result.response.messages)   // approvals the SDK paused on, with Warden's approval id and route
//   const reply = await warden.approvalResponses(messages)   // once Warden recorded the decisions
//   await generateText({ model, tools, messages: [...messages, reply.message] })
//
// How a decision maps onto the SDK (v6 has `needsApproval` on tools and tool-approval-request /
// tool-approval-response parts; v7's `toolApproval` callback needs Node 22, see README):
// - The tool's `needsApproval` asks the governor (Governor.execute). auto and notify: the governor
//   has written the decision and the intent and calls the handler, which waits for the SDK to call
//   the tool's `execute`; needsApproval answers false and the SDK runs the tool at once. The tool's
//   result is the audited output; notify is queued for review by the governor.
// - approve: the governor paused the action; needsApproval answers true and the SDK stops with a
//   tool-approval-request. The ticket is kept under the tool call id. `approvalResponses()` answers
//   those requests from Warden's record only (approved, rejected, expired; pending ones wait), and
//   when the SDK then calls `execute`, it resumes the ticket: the tool runs only if Warden granted
//   the approval, once (a second resume is already_executed). A client's own `approved: true`
//   that Warden did not record is refused: the tool does not run.
// - block (and every refusal): needsApproval answers false and `execute` throws ToolCallRefused
//   before the tool's body runs; the SDK gives the model a tool error with the policy's reasons.
// - Anything unexpected (the governor throws, the SDK never runs an allowed tool) fails closed.
import type { ModelMessage, Tool, ToolExecutionOptions, ToolModelMessage, ToolSet } from "ai";
import type { HandlerContext, HandlerResult, Outcome } from "../governance/governor.ts";
import type { Approval, Ticket } from "../schemas/types.ts";
import {
  MemoryTicketStore,
  ToolCallRefused,
  approvalOf,
  describeRefusal,
  outputRecord,
  toolRequest,
  withContext,
  type GovernedAgentOptions,
  type TicketStore,
} from "./common.ts";

export { MemoryTicketStore, ToolCallRefused, wardenContext } from "./common.ts";
export type { GovernedAgentOptions, TicketStore, ToolMapping } from "./common.ts";

export interface WardenToolsOptions extends GovernedAgentOptions {
  /** How long an allowed call waits for the SDK to run the tool before the action fails (ms, default 60000). */
  runTimeoutMs?: number;
}

/** A tool call the SDK paused on, as Warden sees it. */
export interface PendingApproval {
  toolCallId: string;
  toolName: string;
  /** The SDK's approval request id (answer it with this id). */
  approvalId: string;
  ticket: Ticket;
  /** Warden's approval: its id, the routed role, the SLA, its status now. */
  approval: Approval;
}

type CallState =
  | { kind: "run"; ctx: HandlerContext; settle: Settle; outcome: Promise<Outcome>; timer: NodeJS.Timeout }
  | { kind: "refused"; outcome: Exclude<Outcome, { status: "executed" }> }
  | { kind: "failed"; error: string }
  | { kind: "paused" };

interface Settle {
  resolve: (r: HandlerResult | void) => void;
  reject: (e: unknown) => void;
}

export class WardenTools {
  private readonly calls = new Map<string, CallState>();
  private readonly tickets: TicketStore;
  private readonly runTimeoutMs: number;

  constructor(private readonly opts: WardenToolsOptions) {
    this.tickets = opts.tickets ?? new MemoryTicketStore();
    this.runTimeoutMs = opts.runTimeoutMs ?? 60_000;
  }

  /** The tools, each governed: the same schemas and bodies, with Warden deciding approval and recording the run. */
  wrap<TOOLS extends ToolSet>(tools: TOOLS): TOOLS {
    const out: Record<string, Tool> = {};
    for (const [name, t] of Object.entries(tools)) out[name] = this.wrapTool(name, t as Tool);
    return out as TOOLS;
  }

  /** One tool, governed under the name the model calls it by. */
  wrapTool<T extends Tool>(name: string, t: T): T {
    const body = t.execute;
    if (!body) throw new TypeError(`tool ${name} has no execute: Warden governs tools it runs`);
    const needsApproval = (input: unknown, o: { toolCallId: string }) => this.decide(name, input, o.toolCallId);
    const execute = (input: unknown, o: ToolExecutionOptions) => this.run(name, input, o, body as RunBody);
    return { ...t, needsApproval, execute } as T;
  }

  /** The tool-approval requests in these messages that wait for Warden, with Warden's approval for each. */
  async pending(messages: ModelMessage[]): Promise<PendingApproval[]> {
    const answered = new Set<string>();
    for (const m of messages) {
      if (m.role !== "tool") continue;
      for (const p of m.content) {
        if (p.type === "tool-approval-response") answered.add(p.approvalId);
        if (p.type === "tool-result") answered.add(`call:${p.toolCallId}`);
      }
    }
    const names = new Map<string, string>();
    const out: PendingApproval[] = [];
    for (const m of messages) {
      if (m.role !== "assistant" || typeof m.content === "string") continue;
      for (const p of m.content) {
        if (p.type === "tool-call") names.set(p.toolCallId, p.toolName);
        if (p.type !== "tool-approval-request" || answered.has(p.approvalId) || answered.has(`call:${p.toolCallId}`)) continue;
        const ticket = await this.tickets.get(p.toolCallId);
        if (!ticket) continue;
        out.push({ toolCallId: p.toolCallId, toolName: names.get(p.toolCallId) ?? ticket.request.action, approvalId: p.approvalId, ticket, approval: await approvalOf(this.opts.governor, ticket) });
      }
    }
    return out;
  }

  /**
   * The SDK's answer to its pending approval requests, from Warden's record: approved (or
   * modified) ones approved, rejected and expired ones denied with the reason; those still pending
   * in Warden are left out and listed in `waiting`. `message` is undefined when nothing was decided.
   */
  async approvalResponses(messages: ModelMessage[]): Promise<{ message: ToolModelMessage | undefined; waiting: PendingApproval[] }> {
    const content: ToolModelMessage["content"] = [];
    const waiting: PendingApproval[] = [];
    for (const p of await this.pending(messages)) {
      const a = p.approval;
      if (a.status === "approved" || a.status === "modified") {
        content.push({ type: "tool-approval-response", approvalId: p.approvalId, approved: true, reason: `approved in Warden (approval ${a.approval_id}, ${a.approver_role})` });
      } else if (a.status === "rejected" || a.status === "expired" || a.status === "consumed") {
        content.push({ type: "tool-approval-response", approvalId: p.approvalId, approved: false, reason: `Warden approval ${a.approval_id} is ${a.status}` });
      } else waiting.push(p);
    }
    return { message: content.length ? { role: "tool", content } : undefined, waiting };
  }

  /** needsApproval: the governor decides; see the top of this file. */
  private async decide(name: string, input: unknown, toolCallId: string): Promise<boolean> {
    // Asked again when the SDK replays an approval response: a paused call stays "needs approval",
    // and execute() resumes its ticket (which runs only on Warden's own record of the approval).
    if (await this.tickets.get(toolCallId)) return true;
    const known = this.calls.get(toolCallId);
    if (known) return known.kind === "paused";
    let settle!: Settle;
    const result = new Promise<HandlerResult | void>((resolve, reject) => (settle = { resolve, reject }));
    let entered!: (ctx: HandlerContext) => void;
    const started = new Promise<HandlerContext>((r) => (entered = r));
    let outcome: Promise<Outcome>;
    try {
      const { request, execute } = toolRequest(this.opts, name, input);
      outcome = this.opts.governor.execute(request, (ctx) => (entered(ctx), result), execute);
    } catch (e) {
      this.calls.set(toolCallId, { kind: "failed", error: (e as Error).message });
      return false;
    }
    const first = await Promise.race([started.then((ctx) => ({ ctx })), outcome.then((o) => ({ o }), (e: unknown) => ({ e }))]);
    if ("ctx" in first) {
      const timer = setTimeout(() => settle.reject(new Error(`the AI SDK did not run tool ${name} (call ${toolCallId}) within ${this.runTimeoutMs} ms`)), this.runTimeoutMs);
      timer.unref();
      this.calls.set(toolCallId, { kind: "run", ctx: first.ctx, settle, outcome, timer });
      return false;
    }
    if ("e" in first) {
      this.calls.set(toolCallId, { kind: "failed", error: (first.e as Error)?.message ?? String(first.e) });
      return false;
    }
    const o = first.o;
    if (o.status === "paused") {
      await this.tickets.set(toolCallId, o.ticket);
      this.calls.set(toolCallId, { kind: "paused" });
      return true;
    }
    if (o.status === "executed") {
      // The handler is only entered through `started`; an executed outcome without it cannot be.
      this.calls.set(toolCallId, { kind: "failed", error: `action ${o.action_id} executed without its tool` });
      return false;
    }
    this.calls.set(toolCallId, { kind: "refused", outcome: o });
    return false;
  }

  /** execute: runs the tool's body inside the governed action needsApproval opened, or resumes its ticket. */
  private async run(name: string, input: unknown, o: ToolExecutionOptions, body: RunBody): Promise<unknown> {
    const action = this.opts.tools?.[name]?.action ?? name;
    const ticket = await this.tickets.get(o.toolCallId);
    if (ticket) return this.resume(name, action, ticket, input, o, body);
    const state = this.calls.get(o.toolCallId);
    this.calls.delete(o.toolCallId);
    if (!state || state.kind === "paused") throw new Error(`Warden did not decide tool call ${o.toolCallId} of ${name}: refused`);
    if (state.kind === "failed") throw new Error(`Warden refused ${action}: ${state.error}`);
    if (state.kind === "refused") throw new ToolCallRefused(state.outcome, describeRefusal(action, state.outcome));
    clearTimeout(state.timer);
    let value: unknown;
    try {
      value = await withContext(state.ctx, () => runBody(body, input, o));
      state.settle.resolve(resultOf(value));
    } catch (e) {
      state.settle.reject(e);
      await state.outcome.catch(() => undefined);
      throw e;
    }
    const outcome = await state.outcome;
    if (outcome.status !== "executed") throw new ToolCallRefused(outcome, describeRefusal(action, outcome));
    return value;
  }

  private async resume(name: string, action: string, ticket: Ticket, input: unknown, o: ToolExecutionOptions, body: RunBody): Promise<unknown> {
    const { execute } = toolRequest(this.opts, name, input);
    let value: unknown;
    const outcome = await this.opts.governor.resume(ticket, async (ctx) => {
      value = await withContext(ctx, () => runBody(body, input, o));
      return resultOf(value);
    }, execute);
    // The ticket stays: a replayed approval response resumes it again and Warden refuses it
    // (already_executed, rejected, expired) instead of deciding the call anew.
    if (outcome.status !== "executed") throw new ToolCallRefused(outcome, describeRefusal(action, outcome));
    return value;
  }
}

type RunBody = (input: unknown, o: ToolExecutionOptions) => unknown;

/** A tool body's value: a promise, a plain value, or a stream of preliminary results whose last is final. */
async function runBody(body: RunBody, input: unknown, o: ToolExecutionOptions): Promise<unknown> {
  const v = await body(input, o);
  if (v && typeof v === "object" && Symbol.asyncIterator in v) {
    let last: unknown;
    for await (const part of v as AsyncIterable<unknown>) last = part;
    return last;
  }
  return v;
}

function resultOf(value: unknown): HandlerResult {
  const output = outputRecord(value);
  return output ? { output } : {};
}
