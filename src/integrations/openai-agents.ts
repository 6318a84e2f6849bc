// `warden/openai-agents`: every function tool call of the OpenAI Agents SDK (`@openai/agents`)
// routed through the governor, using the SDK's own `needsApproval` and run interruptions.
//
//   const warden = new WardenAgentTools({ governor, agent: { id, role }, initiator, tools: { issue_refund: { action: "refund.issue", resource } } });
//   const agent = new Agent({ name, model, tools: [warden.tool({ name: "issue_refund", parameters, execute })] });
//   let result = await run(agent, "refund A-1002");
//   while (result.interruptions.length) {
//     await warden.settleWhenDecided(result);   // state.approve / state.reject from Warden's record
//     result = await run(agent, result.state);
//   }
//
// How a decision maps onto the SDK:
// - The tool's `needsApproval` asks the governor (Governor.execute). auto and notify: the governor
//   has written the decision and the intent and calls the handler, which waits for the SDK to call
//   the tool's `execute`; needsApproval answers false and the SDK runs the tool. The tool's result
//   is the audited output; notify is queued for review by the governor.
// - approve: the governor paused the action; needsApproval answers true and the run stops with an
//   interruption (a RunToolApprovalItem). The ticket is kept under the tool call id. `settle()`
//   answers the interruptions from Warden's record only: approved (or modified) ones with
//   `state.approve`, rejected and expired ones with `state.reject` and the reason; those still
//   pending in Warden stay unanswered. When the resumed run calls `execute`, it resumes the ticket:
//   the tool runs only if Warden granted the approval, once (a second resume is already_executed).
//   A client's own `state.approve` that Warden did not record is refused: the tool does not run.
// - block (and every refusal): needsApproval answers false and `execute` throws ToolCallRefused
//   before the tool's body runs; the model is given the refusal with the policy's reasons.
// - Anything unexpected (the governor throws, no call id, the SDK never runs an allowed tool) fails closed.
import { tool, type FunctionTool, type RunContext, type RunToolApprovalItem, type ToolInputParameters, type ToolOptions, type UnknownContext } from "@openai/agents";
import type { Approval, Ticket } from "../schemas/types.ts";
import { ToolCallRefused, approvalOf, type GovernedAgentOptions, type TicketStore } from "./common.ts";
import { GovernedCalls, verdictOf } from "./governed-call.ts";

export { MemoryTicketStore, ToolCallRefused, wardenContext } from "./common.ts";
export type { GovernedAgentOptions, TicketStore, ToolMapping } from "./common.ts";

export interface WardenAgentToolsOptions extends GovernedAgentOptions {
  /** How long an allowed call waits for the SDK to run the tool before the action fails (ms, default 60000). */
  runTimeoutMs?: number;
}

/** An interruption of the run that waits for Warden, as Warden sees it. */
export interface PendingApproval {
  callId: string;
  toolName: string;
  /** The SDK's interruption: answer it with state.approve / state.reject (settle() does). */
  item: RunToolApprovalItem;
  ticket: Ticket;
  /** Warden's approval: its id, the routed role, the SLA, its status now. */
  approval: Approval;
}

/** What settle() did to the run's interruptions. */
export interface Settled {
  approved: PendingApproval[];
  rejected: PendingApproval[];
  /** Still pending in Warden: left unanswered (a run resumed now would stop on them again). */
  waiting: PendingApproval[];
}

/** The part of a run result settle() reads: its interruptions and the state that answers them. */
export interface InterruptedRun {
  interruptions: RunToolApprovalItem[];
  state: { approve(item: RunToolApprovalItem): void; reject(item: RunToolApprovalItem, options?: { message?: string }): void };
}

type Body = (input: unknown, context?: RunContext<never>, details?: { toolCall?: { callId?: string } }) => unknown;

export class WardenAgentTools {
  private readonly calls: GovernedCalls;
  private readonly tickets: TicketStore;

  constructor(private readonly opts: WardenAgentToolsOptions) {
    this.calls = new GovernedCalls(opts, { framework: "the Agents SDK", ...(opts.runTimeoutMs !== undefined ? { runTimeoutMs: opts.runTimeoutMs } : {}) });
    this.tickets = this.calls.tickets;
  }

  /**
   * The SDK's `tool()`, governed: the same options, with Warden answering `needsApproval` and
   * recording the run of `execute`. A `needsApproval` of the options is replaced (Warden decides).
   */
  tool<TParameters extends ToolInputParameters = undefined, Context = UnknownContext, Result = string>(options: ToolOptions<TParameters, Context>): FunctionTool<Context, TParameters, Result> {
    const name = options.name;
    if (!name) throw new TypeError("a governed tool needs a name: it is what the policy's mapping keys on");
    const body = options.execute as unknown as Body;
    const governed = {
      ...options,
      needsApproval: (_ctx: RunContext<Context>, input: unknown, callId?: string) => this.decide(name, input, callId),
      execute: (input: unknown, ctx?: RunContext<never>, details?: { toolCall?: { callId?: string } }) => this.run(name, input, ctx, details, body),
      // The model reads a refusal as it is (the policy's reasons), not as a transient error to retry.
      errorFunction: options.errorFunction === undefined ? refusalText : options.errorFunction,
    };
    return tool(governed as unknown as ToolOptions<TParameters, Context>) as FunctionTool<Context, TParameters, Result>;
  }

  /** The run's interruptions that wait for Warden, with Warden's approval for each. */
  async pending(interruptions: RunToolApprovalItem[]): Promise<PendingApproval[]> {
    const out: PendingApproval[] = [];
    for (const item of interruptions) {
      const raw = item.rawItem as { type?: string; callId?: string };
      if (raw.type !== "function_call" || !raw.callId) continue;
      const ticket = await this.tickets.get(raw.callId);
      if (!ticket) continue;
      out.push({ callId: raw.callId, toolName: item.name ?? ticket.request.action, item, ticket, approval: await approvalOf(this.opts.governor, ticket) });
    }
    return out;
  }

  /**
   * Answers the run's interruptions from Warden's record: approved (or modified) approvals with
   * state.approve, rejected, expired or consumed ones with state.reject and the reason. Those
   * still pending in Warden are left unanswered and listed in `waiting`. Interruptions Warden
   * did not open are left alone.
   */
  async settle(run: InterruptedRun): Promise<Settled> {
    const s: Settled = { approved: [], rejected: [], waiting: [] };
    for (const p of await this.pending(run.interruptions)) {
      const verdict = verdictOf(p.approval);
      if (verdict === "granted") {
        run.state.approve(p.item);
        s.approved.push(p);
      } else if (verdict === "denied") {
        run.state.reject(p.item, { message: describeRejection(p) });
        s.rejected.push(p);
      } else s.waiting.push(p);
    }
    return s;
  }

  /**
   * Waits until Warden has decided every approval the run waits for (polling the governor, whose
   * store a `warden serve` or the CLI may decide in), then settles them. Rejects on timeout or abort.
   */
  async settleWhenDecided(run: InterruptedRun, o: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Settled> {
    const interval = o.intervalMs ?? 1000;
    const deadline = Date.now() + (o.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      o.signal?.throwIfAborted();
      const open = await this.pending(run.interruptions);
      if (open.every((p) => p.approval.status !== "pending")) return this.settle(run);
      if (Date.now() + interval > deadline) throw new Error(`Warden approvals still pending: ${open.map((p) => p.approval.approval_id).join(", ")}`);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /** needsApproval: the governor decides; see the top of this file and governed-call.ts. */
  private decide(name: string, input: unknown, callId: string | undefined): Promise<boolean> {
    if (!callId) return Promise.resolve(false); // run() refuses a call it cannot key
    return this.calls.decide(name, input, callId);
  }

  /** execute: runs the tool's body inside the governed action needsApproval opened, or resumes its ticket. */
  private run(name: string, input: unknown, ctx: RunContext<never> | undefined, details: { toolCall?: { callId?: string } } | undefined, body: Body): Promise<unknown> {
    const callId = details?.toolCall?.callId;
    if (!callId) return Promise.reject(new Error(`Warden refused ${this.opts.tools?.[name]?.action ?? name}: the SDK gave no call id for tool ${name}`));
    return this.calls.run(name, input, callId, (granted) => body(granted, ctx, details));
  }
}

/** The tool output the model reads when a call did not run: Warden's refusal as it is, other errors named. */
function refusalText(_ctx: unknown, error: unknown): string {
  if (error instanceof ToolCallRefused) return error.message;
  return `The tool failed: ${error instanceof Error ? error.message : String(error)}`;
}

function describeRejection(p: PendingApproval): string {
  const a = p.approval;
  const comment = [...a.history].reverse().find((h) => (h as { comment?: string }).comment) as { comment?: string } | undefined;
  return `Warden refused ${p.ticket.request.action}: approval ${a.approval_id} is ${a.status}${comment?.comment ? ` (${comment.comment})` : ""}`;
}
