// The two-phase governed tool call the framework adapters share (ai-sdk.ts, openai-agents.ts):
// the framework first asks whether a call needs approval (`decide`), later runs it (`run`), both
// keyed by its own call id.
//
// - decide: the governor decides (Governor.execute). auto and notify: the governor has written the
//   decision and the intent and entered the handler, which waits for the framework to run the tool;
//   no approval needed. approve: the ticket is kept under the call id; approval needed. block, any
//   refusal, or a governor that throws: no approval needed, and `run` refuses before the body runs.
// - run: with a ticket, resumes it (the body runs only if Warden granted the approval, once; the
//   ticket stays, so a replay is refused as already_executed, rejected or expired instead of being
//   decided anew); else the body runs inside the handler decide opened, or the call is refused.
//
// Pure core: `afterDecision` (the governor's first answer → the call's state), `runStep` (a call's
// state → what run does) and `verdictOf` (Warden's approval → what the framework is told). The
// class around them is the thin shell: the governor, the ticket store, the handler's promise and
// the timer bounding how long an allowed call waits for its run.
import type { HandlerContext, HandlerResult, Outcome } from "../governance/governor.ts";
import type { Approval, Ticket } from "../schemas/types.ts";
import { hashJSON } from "../canonical-json.ts";
import { MemoryTicketStore, ToolCallRefused, describeRefusal, outputRecord, refuseRetry, requestHash, toolRequest, withContext, type GovernedAgentOptions, type TicketStore } from "./common.ts";

type Refused = Exclude<Outcome, { status: "executed" }>;

/** Where a call stands between decide and run. */
export type CallState =
  | { kind: "run"; ctx: HandlerContext; settle: Settle; outcome: Promise<Outcome>; timer: NodeJS.Timeout }
  | { kind: "refused"; outcome: Refused }
  | { kind: "failed"; error: string }
  | { kind: "paused" };

export interface Settle {
  resolve: (r: HandlerResult | void) => void;
  reject: (e: unknown) => void;
}

/** Whichever came first from Governor.execute: the handler entered, an outcome, or an error. */
export type FirstAnswer = { ctx: HandlerContext } | { o: Outcome } | { e: unknown };

/** What the first answer makes of the call: entered (the body may run), paused on a ticket, refused, failed. */
export type Decided =
  | { kind: "entered"; ctx: HandlerContext }
  | { kind: "paused"; ticket: Ticket }
  | { kind: "refused"; outcome: Refused }
  | { kind: "failed"; error: string };

export function afterDecision(first: FirstAnswer): Decided {
  if ("ctx" in first) return { kind: "entered", ctx: first.ctx };
  if ("e" in first) return { kind: "failed", error: (first.e as Error | undefined)?.message ?? String(first.e) };
  const o = first.o;
  if (o.status === "paused") return { kind: "paused", ticket: o.ticket };
  // The handler is only entered through `ctx`; an executed outcome without it cannot be.
  if (o.status === "executed") return { kind: "failed", error: `action ${o.action_id} executed without its tool` };
  return { kind: "refused", outcome: o };
}

/** What run does for a call without a ticket: run the body in the governed action, or refuse with this error. */
export function runStep(state: CallState | undefined, call: { name: string; action: string; callId: string }): { run: Extract<CallState, { kind: "run" }> } | { refuse: Error } {
  if (!state || state.kind === "paused") return { refuse: new Error(`Warden did not decide tool call ${call.callId} of ${call.name}: refused`) };
  if (state.kind === "failed") return { refuse: new Error(`Warden refused ${call.action}: ${state.error}`) };
  if (state.kind === "refused") return { refuse: new ToolCallRefused(state.outcome, describeRefusal(call.action, state.outcome)) };
  return { run: state };
}

/** What the framework is told of Warden's approval: granted (approved, modified), denied (rejected, expired, consumed), or wait. */
export function verdictOf(a: Approval): "granted" | "denied" | "wait" {
  if (a.status === "approved" || a.status === "modified") return "granted";
  if (a.status === "rejected" || a.status === "expired" || a.status === "consumed") return "denied";
  return "wait";
}

export interface GovernedCallsOptions {
  /** The framework's name in errors ("the AI SDK"). */
  framework: string;
  /** How long an allowed call waits for the framework to run the tool before the action fails (ms, default 60000). */
  runTimeoutMs?: number;
}

/** The calls of one adapter: decide and run, keyed by the framework's call id. */
export class GovernedCalls {
  readonly tickets: TicketStore;
  private readonly calls = new Map<string, CallState>();
  private readonly runTimeoutMs: number;

  constructor(
    private readonly opts: GovernedAgentOptions,
    private readonly o: GovernedCallsOptions,
  ) {
    this.tickets = opts.tickets ?? new MemoryTicketStore();
    this.runTimeoutMs = o.runTimeoutMs ?? 60_000;
  }

  /** Whether the call needs approval: the governor decides; see the top of this file. */
  async decide(name: string, input: unknown, callId: string): Promise<boolean> {
    // Asked again when the framework replays an approval: a paused call stays "needs approval",
    // and run() resumes its ticket (which runs only on Warden's own record of the approval).
    if (await this.tickets.get(callId)) return true;
    const known = this.calls.get(callId);
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
      this.calls.set(callId, { kind: "failed", error: (e as Error).message });
      return false;
    }
    const d = afterDecision(await Promise.race([started.then((ctx) => ({ ctx })), outcome.then((o) => ({ o }), (e: unknown) => ({ e }))]));
    switch (d.kind) {
      case "entered": {
        const timer = setTimeout(() => {
          // Given up: the outcome is recorded failed, so a run that comes later must find no
          // call to run (its body would run unrecorded, after the trail said it did not).
          this.calls.delete(callId);
          settle.reject(new Error(`${this.o.framework} did not run tool ${name} (call ${callId}) within ${this.runTimeoutMs} ms`));
        }, this.runTimeoutMs);
        timer.unref();
        this.calls.set(callId, { kind: "run", ctx: d.ctx, settle, outcome, timer });
        return false;
      }
      case "paused":
        await this.tickets.set(callId, d.ticket);
        this.calls.set(callId, { kind: "paused" });
        return true;
      default:
        this.calls.set(callId, d);
        return false;
    }
  }

  /**
   * Runs the call's body inside the governed action decide opened, or resumes its ticket; throws
   * when Warden refuses. The body is given the input to run with: the framework's, or after a
   * modify the approver's parameters.
   */
  async run(name: string, input: unknown, callId: string, body: (input: unknown) => unknown): Promise<unknown> {
    const action = this.opts.tools?.[name]?.action ?? name;
    const ticket = await this.tickets.get(callId);
    if (ticket) return this.resume(name, action, ticket, input, body);
    const state = this.calls.get(callId);
    this.calls.delete(callId);
    const step = runStep(state, { name, action, callId });
    if ("refuse" in step) throw step.refuse;
    const s = step.run;
    clearTimeout(s.timer);
    let value: unknown;
    try {
      // The body runs the call the governor decided, under this name and with this input: a call
      // id run as another tool or with another input fails the action (audited) and never runs.
      if (requestHash(toolRequest(this.opts, name, input).request) !== hashJSON(s.ctx.request)) {
        throw new Error(`Warden refused ${name}: call ${callId} is run as another call than the one decided`);
      }
      value = await withContext(s.ctx, () => body(input));
      s.settle.resolve(resultOf(value));
    } catch (e) {
      s.settle.reject(e);
      await s.outcome.catch(() => undefined);
      throw e;
    }
    const outcome = await s.outcome;
    if (outcome.status !== "executed") throw new ToolCallRefused(outcome, describeRefusal(action, outcome));
    return value;
  }

  private async resume(name: string, action: string, ticket: Ticket, input: unknown, body: (input: unknown) => unknown): Promise<unknown> {
    const { request, execute } = toolRequest(this.opts, name, input);
    // The framework runs the call from its messages, which the client holds and may have changed
    // since Warden paused it (another amount, another order): only the call Warden paused
    // resumes; any other is refused, audited, and its approval left as it is.
    if (requestHash(request) !== ticket.request_hash) {
      const o = await refuseRetry(this.opts.governor, request, `Warden refused ${name}: call ${ticket.action_id} is run with another input than the one approval ${ticket.approval_id} is for`, { operation: "tool.resume", action_id: ticket.action_id, approval_id: ticket.approval_id });
      throw new ToolCallRefused(o, describeRefusal(action, o));
    }
    let value: unknown;
    const outcome = await this.opts.governor.resume(ticket, async (ctx) => {
      const granted = grantedInputOf(this.opts.tools?.[name], input, ticket.request.parameters, ctx.parameters);
      value = await withContext(ctx, () => body(granted));
      return resultOf(value);
    }, execute);
    // The ticket stays: a replayed approval resumes it again and Warden refuses it
    // (already_executed, rejected, expired) instead of deciding the call anew.
    if (outcome.status !== "executed") throw new ToolCallRefused(outcome, describeRefusal(action, outcome));
    return value;
  }
}

/**
 * The tool input that carries the parameters Warden granted: the framework's own when they are
 * the ones it paused on, the approver's after a modify. A tool whose mapping derives parameters
 * or its resource from the input cannot be given modified ones faithfully: the action fails
 * (audited) rather than run what the approver did not grant.
 */
function grantedInputOf(mapping: { parameters?: unknown; resource?: (input: unknown) => string | undefined } | undefined, input: unknown, paused: Record<string, unknown>, granted: Record<string, unknown>): unknown {
  if (hashJSON(granted) === hashJSON(paused)) return input;
  const record = typeof input === "object" && input !== null && !Array.isArray(input);
  const next = record ? granted : granted.input;
  if (mapping?.parameters || (mapping?.resource && mapping.resource(next) !== mapping.resource(input))) {
    throw new Error("the approver modified the parameters, and this tool's mapping cannot carry them back to its input: not run");
  }
  return next;
}

/** A tool's value as the handler's result: its audited output. */
export function resultOf(value: unknown): HandlerResult {
  const output = outputRecord(value);
  return output ? { output } : {};
}
