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
import type { Approval, Ticket } from "../schemas/types.ts";
import { approvalOf, type GovernedAgentOptions, type TicketStore } from "./common.ts";
import { GovernedCalls, verdictOf } from "./governed-call.ts";

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

export class WardenTools {
  private readonly calls: GovernedCalls;
  private readonly tickets: TicketStore;

  constructor(private readonly opts: WardenToolsOptions) {
    this.calls = new GovernedCalls(opts, { framework: "the AI SDK", ...(opts.runTimeoutMs !== undefined ? { runTimeoutMs: opts.runTimeoutMs } : {}) });
    this.tickets = this.calls.tickets;
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
    // needsApproval: the governor decides; execute: the body runs in the governed action, or the
    // ticket is resumed (see the top of this file and governed-call.ts).
    const needsApproval = (input: unknown, o: { toolCallId: string }) => this.calls.decide(name, input, o.toolCallId);
    const execute = (input: unknown, o: ToolExecutionOptions) => this.calls.run(name, input, o.toolCallId, (granted) => runBody(body as RunBody, granted, o));
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
      const verdict = verdictOf(a);
      if (verdict === "granted") {
        content.push({ type: "tool-approval-response", approvalId: p.approvalId, approved: true, reason: `approved in Warden (approval ${a.approval_id}, ${a.approver_role})` });
      } else if (verdict === "denied") {
        content.push({ type: "tool-approval-response", approvalId: p.approvalId, approved: false, reason: `Warden approval ${a.approval_id} is ${a.status}` });
      } else waiting.push(p);
    }
    return { message: content.length ? { role: "tool", content } : undefined, waiting };
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
