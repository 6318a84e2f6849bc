// The governor: wraps every agent action in the four controls. It asks the policy (through the
// evaluator) for a decision and audits it; runs auto and notify actions with an intent record
// before and an outcome after, capturing before/after state for rollback; pauses approve actions
// as serialisable tickets until a human with the routed role decides; refuses block actions; and
// halts everything when the kill switch is on. In shadow mode a human approves every action while
// the policy's own verdict is recorded for calibration.
import { randomUUID } from "node:crypto";
import type { AuditLog } from "../audit/log.ts";
import { hashJSON } from "../canonical-json.ts";
import type { Decision as Stamped, Evaluator } from "../evaluator/evaluator.ts";
import { captureChange, externalEffect, noEffect, rollback as undo, type ExternalEffect, type StateStore } from "../rollback/index.ts";
import type { ActionRequest, Approval, ApprovalDecision, Decision, Principal, RollbackRecord, Route, Ticket } from "../schemas/types.ts";
import { validate } from "../schemas/validate.ts";
import { applyModification, decide, openApproval, tick } from "./approvals.ts";
import { GovernanceState, type KillSwitch } from "./state.ts";
import { reviewNotified } from "./notify.ts";

export type Mode = "enforce" | "shadow";

export interface GovernorOptions {
  evaluator: Evaluator;
  audit: AuditLog;
  /** Where the state that actions change lives (before/after capture and rollback). */
  state: StateStore;
  /** The decision entrypoint (default governance/decision). */
  entrypoint?: string;
  mode?: Mode;
  /** Where shadow-mode approvals go when the policy names no route. */
  shadowRoute?: Route;
  now?: () => Date;
  /** How often in-flight actions look for a kill switch thrown by another process (ms). */
  killSwitchPollMs?: number;
}

export interface HandlerContext {
  action_id: string;
  request: ActionRequest;
  parameters: Record<string, unknown>;
  /** Aborted when the kill switch is thrown: stop, and throw signal.reason. */
  signal: AbortSignal;
  state: StateStore;
}

/** What a handler reports: its output, and for effects outside Warden's state, what was done to whom. */
export interface HandlerResult {
  output?: Record<string, unknown>;
  external?: ExternalEffect;
}

export type Handler = (ctx: HandlerContext) => Promise<HandlerResult | void>;

export interface ExecuteOptions {
  /** The state document the action changes: read before and after to record the change. */
  resource?: string;
}

export interface Proposal {
  action_id: string;
  request: ActionRequest;
  request_hash: string;
  decision: Stamped & { result: Decision };
}

export type Outcome =
  | { status: "executed"; action_id: string; category: Decision["category"]; output?: Record<string, unknown>; rollback: RollbackRecord; queued_for_review: boolean }
  | { status: "blocked"; action_id: string; reasons: string[] }
  | { status: "paused"; action_id: string; ticket: Ticket; approval: Approval }
  | { status: "pending" | "rejected" | "expired"; action_id: string; approval: Approval }
  | { status: "failed" | "aborted"; action_id: string; error: string };

export class GovernanceError extends Error {}

const DEFAULT_SHADOW_ROUTE: Route = { approver_role: "shadow-reviewer", sla_minutes: 60, escalation: [] };

export class Governor {
  private readonly now: () => Date;
  private readonly entrypoint: string;
  private readonly inFlight = new Set<AbortController>();
  private watcher: NodeJS.Timeout | undefined;
  private killSwitchOn = false;

  private constructor(
    private readonly opts: GovernorOptions,
    readonly store: GovernanceState,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.entrypoint = opts.entrypoint ?? "governance/decision";
  }

  static async open(opts: GovernorOptions): Promise<Governor> {
    const g = new Governor(opts, await GovernanceState.open(opts.audit.db));
    await g.syncKillSwitch();
    return g;
  }

  get auditLog(): AuditLog {
    return this.opts.audit;
  }

  /** The state documents actions change. */
  get stateStore(): StateStore {
    return this.opts.state;
  }

  get mode(): Mode {
    return this.opts.mode ?? "enforce";
  }

  /** Evaluates a request and audits the decision (denied attempts included). */
  async propose(raw: unknown, action_id: string = randomUUID()): Promise<Proposal> {
    const request = validate("action-request", raw);
    await this.syncKillSwitch();
    const decision = this.opts.evaluator.evaluate(this.entrypoint, request);
    const result = validate("decision", decision.result);
    const request_hash = hashJSON(request);
    await this.opts.audit.append({
      type: "decision",
      action_id,
      actor: agentOf(request),
      initiator: request.initiator,
      request,
      request_hash,
      decision: {
        decision_id: decision.decision_id,
        revision: decision.revision,
        entrypoint: decision.entrypoint,
        mode: this.mode,
        result: { ...result },
        recorded: { ...decision.recorded, kill_switch: this.killSwitchOn },
      },
    });
    return { action_id, request, request_hash, decision: { ...decision, result } };
  }

  /** Proposes, then runs, pauses or refuses the action as the decision (and mode) says. */
  async execute(request: unknown, handler: Handler, opts: ExecuteOptions = {}): Promise<Outcome> {
    const p = await this.propose(request);
    const { category, reasons, approval } = p.decision.result;
    if (this.mode === "shadow") return this.pause(p, approval ?? this.opts.shadowRoute ?? DEFAULT_SHADOW_ROUTE);
    if (category === "block") return { status: "blocked", action_id: p.action_id, reasons };
    if (category === "approve") {
      if (!approval) throw new GovernanceError(`the policy asked for approval of ${p.request.action} but named no route`);
      return this.pause(p, approval);
    }
    return this.run(p, category, handler, opts);
  }

  /**
   * Continues a paused action: runs it once approved (or, when modified, the modified request
   * once the policy allows it), and reports pending, rejected or expired otherwise. An approval
   * holds only for the exact request and the revision that routed it: under a new revision the
   * request is decided again, and may need a new approval.
   */
  async resume(rawTicket: unknown, handler: Handler, opts: ExecuteOptions = {}): Promise<Outcome> {
    const ticket = validate("ticket", rawTicket);
    if (hashJSON(ticket.request) !== ticket.request_hash) throw new GovernanceError(`ticket ${ticket.action_id}: the request does not match its hash`);
    const approval = await this.refresh(ticket.approval_id);
    if (approval.request_hash !== ticket.request_hash || approval.action_id !== ticket.action_id) {
      throw new GovernanceError(`ticket ${ticket.action_id} does not belong to approval ${approval.approval_id}`);
    }
    if (approval.status === "pending" || approval.status === "rejected" || approval.status === "expired") {
      return { status: approval.status, action_id: ticket.action_id, approval };
    }
    if (approval.revision !== this.opts.evaluator.revision) return this.execute(ticket.request, handler, opts);

    const request = approval.status === "modified" ? applyModification(ticket.request, approval) : ticket.request;
    // A modified request is decided again; the approver's modification stands as its approval.
    const p = approval.status === "modified" ? await this.propose(request, ticket.action_id) : undefined;
    const category = p ? p.decision.result.category : "approve";
    if (category === "block") return { status: "blocked", action_id: ticket.action_id, reasons: p!.decision.result.reasons };
    await this.syncKillSwitch();
    if (this.killSwitchOn) return { status: "blocked", action_id: ticket.action_id, reasons: ["kill switch is on"] };
    return this.run(p ?? ticket, category, handler, opts, approval);
  }

  /** Records an approver's decision (approve, modify or reject) after checking who and what they saw. */
  async decideApproval(raw: unknown): Promise<Approval> {
    const d: ApprovalDecision = validate("approval-decision", raw);
    const current = await this.refresh(d.approval_id);
    const next = decide(current, d, { now: this.now(), currentRequestHash: current.request_hash, currentRevision: this.opts.evaluator.revision });
    await this.store.putApproval(next);
    await this.opts.audit.append({
      type: "approval",
      action_id: next.action_id,
      actor: d.by,
      approval: next,
      details: { verdict: d.verdict, ...(d.comment ? { comment: d.comment } : {}) },
    });
    return next;
  }

  /** An approval with its SLA applied: escalated or expired as time requires (and audited). */
  async refresh(approval_id: string): Promise<Approval> {
    const a = await this.store.getApproval(approval_id);
    if (!a) throw new GovernanceError(`no approval ${approval_id}`);
    const next = tick(a, this.now());
    if (next.history.length !== a.history.length) {
      await this.store.putApproval(next);
      const events = next.history.slice(a.history.length).map((e) => e.event);
      await this.opts.audit.append({ type: "approval", action_id: next.action_id, approval: next, details: { events } });
    }
    return next;
  }

  /** Records that a human reviewed an executed notify-category action (audited). */
  async reviewNotify(action_id: string, by: Principal, comment?: string): Promise<{ late_ms: number }> {
    const { late_ms } = await reviewNotified(this.opts.audit, this.store, action_id, by, { now: this.now(), ...(comment !== undefined ? { comment } : {}) });
    return { late_ms };
  }

  /** Escalates or expires every pending approval whose SLA passed. */
  async sweep(): Promise<Approval[]> {
    const out: Approval[] = [];
    for (const a of await this.store.listApprovals("pending")) out.push(await this.refresh(a.approval_id));
    return out;
  }

  /**
   * Undoes an executed action: only if its state still equals what the action left (otherwise
   * RollbackConflict, showing the difference); external effects ask for compensation instead.
   * The rollback is an audited action of its own.
   */
  async rollback(action_id: string, by: Principal): Promise<{ action_id: string; restored: unknown }> {
    let record: RollbackRecord | undefined;
    for await (const r of this.opts.audit.list({ action_id, type: "outcome" })) if (r.status === "succeeded" && r.rollback) record = r.rollback;
    if (!record) throw new GovernanceError(`no executed action ${action_id} with a rollback record`);
    const id = randomUUID();
    await this.opts.audit.append({
      type: "intent",
      action_id: id,
      actor: by,
      rolls_back: action_id,
      executed: { action: "warden.rollback", parameters: { action_id } },
    });
    try {
      const before = record.kind === "state" ? await this.opts.state.get(record.resource!) : null;
      const restored = await undo(this.opts.state, record);
      const change = record.kind === "state" ? captureChange(id, record.resource!, before, restored) : noEffect(id);
      await this.opts.audit.append({ type: "outcome", action_id: id, actor: by, status: "succeeded", rolls_back: action_id, rollback: change });
      return { action_id: id, restored };
    } catch (e) {
      await this.opts.audit.append({ type: "outcome", action_id: id, actor: by, status: "failed", rolls_back: action_id, error: (e as Error).message });
      throw e;
    }
  }

  /** Throws or resets the kill switch: new actions are blocked by policy, running ones aborted. */
  async setKillSwitch(on: boolean, by: Principal, reason?: string): Promise<{ aborted: number }> {
    const k: KillSwitch = { on, by: by.id, at: this.now().toISOString(), ...(reason ? { reason } : {}) };
    await this.store.setKillSwitch(k);
    // Halt first: running handlers are aborted before the audit record and the policy reload.
    const aborted = on ? this.abortAll() : 0;
    await this.opts.audit.append({ type: "kill_switch", actor: by, details: { on, aborted, ...(reason ? { reason } : {}) } });
    await this.syncKillSwitch();
    return { aborted };
  }

  async killSwitch(): Promise<KillSwitch> {
    return this.store.killSwitch();
  }

  /** Stops watching and closes the audit store (when the governor opened it through a URL). */
  async dispose(): Promise<void> {
    this.close();
    await this.opts.audit.close();
  }

  /** Stops watching for the kill switch (for a clean process exit). */
  close(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  private async pause(p: Proposal, route: Route): Promise<Outcome> {
    const approval = openApproval({
      approval_id: randomUUID(),
      action_id: p.action_id,
      request: p.request,
      revision: p.decision.revision,
      route,
      requested_by: agentOf(p.request),
      now: this.now(),
    });
    await this.store.putApproval(approval);
    await this.opts.audit.append({ type: "approval", action_id: p.action_id, approval, details: { events: ["requested"] } });
    const ticket: Ticket = {
      action_id: p.action_id,
      approval_id: approval.approval_id,
      request: p.request,
      request_hash: p.request_hash,
      revision: p.decision.revision,
      decision_id: p.decision.decision_id,
    };
    return { status: "paused", action_id: p.action_id, ticket, approval };
  }

  /**
   * Intent, handler (abortable, state captured), outcome; notify actions join the review queue.
   * The request itself is on the action's decision record; the intent names it by its hash.
   */
  private async run(
    { action_id, request, request_hash }: { action_id: string; request: ActionRequest; request_hash: string },
    category: Decision["category"],
    handler: Handler,
    opts: ExecuteOptions,
    approval?: Approval,
  ): Promise<Outcome> {
    const executed = { action: request.action, parameters: request.parameters };
    await this.opts.audit.append({
      type: "intent",
      action_id,
      actor: agentOf(request),
      initiator: request.initiator,
      request_hash,
      executed,
      ...(approval ? { approval } : {}),
    });
    const controller = new AbortController();
    this.inFlight.add(controller);
    this.watchKillSwitch();
    try {
      if (this.killSwitchOn) controller.abort(abortError("kill switch is on"));
      controller.signal.throwIfAborted();
      const state = this.opts.state;
      const before = opts.resource !== undefined ? await state.get(opts.resource) : undefined;
      const result = (await handler({ action_id, request, parameters: request.parameters, signal: controller.signal, state })) ?? {};
      controller.signal.throwIfAborted();
      const rollback = result.external
        ? externalEffect(action_id, result.external)
        : opts.resource !== undefined
          ? captureChange(action_id, opts.resource, before, await state.get(opts.resource))
          : noEffect(action_id);
      await this.opts.audit.append({ type: "outcome", action_id, status: "succeeded", executed, ...(result.output ? { output: result.output } : {}), rollback });
      const queued = category === "notify";
      if (queued) await this.store.enqueueNotify(action_id, request.action, this.now());
      return { status: "executed", action_id, category, ...(result.output ? { output: result.output } : {}), rollback, queued_for_review: queued };
    } catch (e) {
      const aborted = controller.signal.aborted;
      const error = aborted ? String((controller.signal.reason as Error)?.message ?? "aborted") : (e as Error).message;
      await this.opts.audit.append({ type: "outcome", action_id, status: aborted ? "aborted" : "failed", executed, error });
      return { status: aborted ? "aborted" : "failed", action_id, error };
    } finally {
      this.inFlight.delete(controller);
      if (this.inFlight.size === 0) this.close();
    }
  }

  private abortAll(): number {
    const n = this.inFlight.size;
    for (const c of this.inFlight) c.abort(abortError("kill switch is on"));
    return n;
  }

  /** Reads the kill switch from the store and lays it over the policy's data when it changed. */
  private async syncKillSwitch(): Promise<void> {
    const on = (await this.store.killSwitch()).on;
    if (on === this.killSwitchOn) return;
    this.killSwitchOn = on;
    await this.opts.evaluator.setOverlay({ governance: { kill_switch: on } });
    if (on) this.abortAll();
  }

  /** While actions run, polls the store so a kill switch thrown by another process halts them. */
  private watchKillSwitch(): void {
    if (this.watcher) return;
    this.watcher = setInterval(() => void this.syncKillSwitch().catch(() => {}), this.opts.killSwitchPollMs ?? 50);
    this.watcher.unref();
  }
}

/** The agent that proposes a request, as the principal audit records and approvals name. */
function agentOf(request: ActionRequest): Principal {
  return { id: request.agent.id, kind: "agent", roles: [request.agent.role] };
}

function abortError(message: string): Error {
  const e = new Error(message);
  e.name = "AbortError";
  return e;
}
