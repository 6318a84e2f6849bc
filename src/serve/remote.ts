// Governed actions that a remote agent runs itself. The governor's handler model is kept whole:
// execute() and resume() decide, check the kill switch and the agent, consume the approval and
// write the intent exactly as for an in-process handler, then call the handler. Here the handler
// is the agent's turn: calling it answers the agent's HTTP request "go" (the started record is
// already written: from here on the action may have run), and it returns when the agent reports
// what happened (POST /v1/actions/{id}/outcome); the governor then writes the outcome as it
// writes any handler's. So an action id runs at most once (the governor refuses a second intent),
// and its outcome is recorded at most once (a report finds no waiting handler a second time).
//
// What the agent changed in its own system comes back as an external effect carrying the
// before/after and their JSON patches: Warden cannot undo state it does not hold, so a rollback of
// a remote action answers with the compensation (the inverse patch) for the agent to apply.
//
// The waiting handlers live in this process. If the service stops first, the action keeps its
// intent and started records with no outcome: `warden recover` lists it as "may have run", and a
// late report is refused (no_waiting_action). A report that never comes ends the wait after
// `outcomeTimeoutMs`; the outcome is then recorded failed with that reason (the agent may still
// have run it: the message says so).
import type { Handler, HandlerContext, HandlerResult, Outcome } from "../governance/governor.ts";
import type { ActionRequest } from "../schemas/types.ts";
import { patchBetween } from "../rollback/index.ts";

export type Effect = "none" | "state" | "external";

/** The agent may run the action now: exactly this request (after a modify, the approver's parameters). */
export interface Go {
  go: string;
  request: ActionRequest;
}

export interface OutcomeReport {
  status: "succeeded" | "failed";
  output?: Record<string, unknown>;
  error?: string;
  change?: { resource: string; before: unknown; after: unknown };
  external?: { effect: string; target: string; payload?: unknown; compensation: string };
}

interface Waiting {
  agent: string;
  effect: Effect;
  signal: AbortSignal;
  since: number;
  report(r: OutcomeReport): void;
  /** The governor's outcome, once it wrote it. */
  outcome?: Promise<Outcome>;
}

export class ReportError extends Error {
  constructor(
    readonly code: "no_waiting_action" | "not_your_action" | "effect_missing",
    message: string,
  ) {
    super(message);
  }
}

export class RemoteRuns {
  private readonly waiting = new Map<string, Waiting>();
  private readonly perAgent = new Map<string, number>();

  constructor(private readonly outcomeTimeoutMs = 15 * 60_000) {}

  /** Actions waiting for their agent's report. */
  get size(): number {
    return this.waiting.size;
  }

  /** Actions of this agent waiting for its report (each holds a handler open until then). */
  running(agent: string): number {
    return this.perAgent.get(agent) ?? 0;
  }

  private hold(action_id: string, w: Waiting): void {
    this.waiting.set(action_id, w);
    this.perAgent.set(w.agent, this.running(w.agent) + 1);
  }

  private drop(action_id: string): void {
    const w = this.waiting.get(action_id);
    if (!w) return;
    this.waiting.delete(action_id);
    const n = this.running(w.agent) - 1;
    if (n > 0) this.perAgent.set(w.agent, n);
    else this.perAgent.delete(w.agent);
  }

  /**
   * Runs execute()/resume() with the remote handler: resolves "go" when the governor calls the
   * handler (the agent may run the action), or "done" with the governor's outcome when it never
   * does (blocked, paused, refused...).
   */
  async start(agent: string, effect: Effect, run: (h: Handler) => Promise<Outcome>): Promise<Go | { done: Outcome }> {
    let go!: (ctx: HandlerContext) => void;
    const called = new Promise<HandlerContext>((r) => (go = r));
    let registered: Waiting | undefined;
    const handler: Handler = (ctx) =>
      new Promise<HandlerResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.drop(ctx.action_id);
          reject(new Error(`the agent reported no outcome within ${Math.round(this.outcomeTimeoutMs / 1000)} s: whether it ran the action is unknown`));
        }, this.outcomeTimeoutMs);
        timer.unref();
        registered = {
          agent,
          effect,
          signal: ctx.signal,
          since: Date.now(),
          report: (r) => {
            clearTimeout(timer);
            this.drop(ctx.action_id);
            if (r.status === "failed") return reject(new Error(r.error ?? "the agent reported a failure"));
            resolve(resultOf(ctx.action_id, r));
          },
        };
        this.hold(ctx.action_id, registered);
        go(ctx);
      });
    const outcome = run(handler);
    const first = await Promise.race([called.then((ctx): Go => ({ go: ctx.action_id, request: ctx.request })), outcome.then((o) => ({ done: o }))]);
    if ("go" in first && registered) registered.outcome = outcome;
    return first;
  }

  /** Whether an action waits for an outcome, and whether the kill switch asked it to stop. */
  status(action_id: string): { agent: string; abort_requested: boolean; waiting_ms: number } | undefined {
    const w = this.waiting.get(action_id);
    return w && { agent: w.agent, abort_requested: w.signal.aborted, waiting_ms: Date.now() - w.since };
  }

  /** Hands the agent's report to the waiting handler; returns the outcome the governor recorded. */
  async report(action_id: string, agent: string, r: OutcomeReport): Promise<Outcome> {
    const w = this.waiting.get(action_id);
    if (!w) throw new ReportError("no_waiting_action", `action ${action_id} waits for no outcome here (never started by this service, already reported, or timed out; see warden recover)`);
    if (w.agent !== agent) throw new ReportError("not_your_action", `action ${action_id} is agent ${w.agent}'s`);
    if (r.status === "succeeded" && w.effect === "state" && !r.change) throw new ReportError("effect_missing", `action ${action_id} was proposed with effect state: report change {resource, before, after}`);
    if (r.status === "succeeded" && w.effect === "external" && !r.external) throw new ReportError("effect_missing", `action ${action_id} was proposed with effect external: report external {effect, target, compensation}`);
    w.report(r);
    return w.outcome!;
  }
}

function resultOf(action_id: string, r: OutcomeReport): HandlerResult {
  const output = r.output ? { output: r.output } : {};
  if (r.change) {
    const { resource, before, after } = r.change;
    return {
      ...output,
      external: {
        effect: "state.changed",
        target: resource,
        payload: { before, after, forward: patchBetween(before, after), inverse: patchBetween(after, before) },
        compensation: `restore ${resource} in the agent's system to its state before action ${action_id} (payload.before; payload.inverse applies to payload.after)`,
      },
    };
  }
  if (r.external) return { ...output, external: r.external };
  return output;
}
