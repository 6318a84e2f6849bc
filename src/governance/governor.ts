// The governor: wraps every agent action in the four controls. It asks the policy (through the
// evaluator) for a decision and audits it; runs auto and notify actions with an intent record
// before and an outcome after, capturing before/after state for rollback; pauses approve actions
// as serialisable tickets until a human with the routed role decides; refuses block actions; and
// halts everything when the kill switch is on. In shadow mode a human approves every action the
// policy would not block, while the policy's own verdict is recorded for calibration.
//
// The controls hold against the caller: an agent's roles come from the directory, not from its
// request; an approval is consumed by the one execution it allows, in the transaction that writes
// the intent; approval decisions are compare-and-set on the approval row, with their audit record
// in the same transaction; every governance row is checked against the chain before it is used
// (state.ts); and every refusal is audited. Anything unexpected stops the action (fail closed).
import { randomUUID } from "node:crypto";
import type { AuditEntry, AuditLog } from "../audit/log.ts";
import { transactPatiently, type Queryable } from "../audit/db.ts";
import { CheckpointRefused, type Checkpointer } from "../audit/checkpointer.ts";
import { hashJSON } from "../canonical-json.ts";
import type { Decision as Stamped, Evaluator } from "../evaluator/evaluator.ts";
import { captureChange, externalEffect, noEffect, rollback as undo, type ExternalEffect, type StateStore } from "../rollback/index.ts";
import type { ActionRequest, Approval, ApprovalDecision, AuditRecord, Decision, Principal, RollbackRecord, Route, Ticket } from "../schemas/types.ts";
import { SchemaError, validate } from "../schemas/validate.ts";
import { ApprovalError, consume, decide, expire, grantedRequestHash, grantedRevision, openApproval, tick, type Modification } from "./approvals.ts";
import { authorize, checkClaim } from "./directory.ts";
import { GovernanceError, GovernanceRefusal, type RefusalCode } from "./errors.ts";
import { setKillSwitch } from "./kill-switch.ts";
import { notifyItem, reviewNotified } from "./notify.ts";
import { auditRefusal, audited, claimedActor, refusalEntry } from "./refusals.ts";
import { GovernanceState, type KillSwitch, type Lease, type RollbackClaim } from "./state.ts";
import { claimOwner, type Claim } from "./liveness.ts";

export { GovernanceError, GovernanceRefusal } from "./errors.ts";

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
  /**
   * Signs checkpoints of the audit tree while the governor appends (deployment checkpoint_*
   * settings). If it refuses to sign because the store no longer extends the head it signed
   * last, the governor runs nothing more (store_rewritten) until it is reopened.
   */
  checkpointer?: Checkpointer;
  /** Told of a checkpoint that failed (default: stderr). */
  onCheckpointError?: (e: unknown) => void;
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
  /** The handler reports an external effect (HandlerResult.external) instead of changing a resource. */
  external?: boolean;
  /**
   * The agent id the embedding service authenticated. The request must be in its name; its role
   * must be one the directory gives that agent.
   */
  agent?: string;
}

export interface Proposal {
  action_id: string;
  request: ActionRequest;
  request_hash: string;
  decision: Stamped & { result: Decision };
}

export type Outcome =
  | { status: "executed"; action_id: string; category: Decision["category"]; output?: Record<string, unknown>; rollback: RollbackRecord; queued_for_review: boolean; after_abort?: boolean }
  | { status: "blocked"; action_id: string; reasons: string[] }
  | { status: "paused"; action_id: string; ticket: Ticket; approval: Approval }
  | { status: "pending" | "rejected" | "expired"; action_id: string; approval: Approval }
  | { status: "refused"; action_id: string; code: RefusalCode | ApprovalError["reason"]; error: string }
  | { status: "failed" | "aborted"; action_id: string; error: string; rollback?: RollbackRecord };

/** The obligation that the policy attaches to writes: the change must be recorded for rollback. */
export const RECORD_STATE = "record before/after state for rollback";

const DEFAULT_SHADOW_ROUTE: Route = { approver_role: "shadow-reviewer", sla_minutes: 60, escalation: [] };

/** What run() executes: the action, its request and the approval it consumes, if any. */
interface Run {
  action_id: string;
  request: ActionRequest;
  request_hash: string;
  category: Decision["category"];
  approval_id?: string;
}

export class Governor {
  private readonly now: () => Date;
  private readonly entrypoint: string;
  private readonly inFlight = new Set<AbortController>();
  private watcher: NodeJS.Timeout | undefined;
  private killSwitchOn = false;
  /** Why the checkpointer refused the store, once it has. */
  private rewritten: string | undefined;

  private constructor(
    private readonly opts: GovernorOptions,
    readonly store: GovernanceState,
    /** This governor on its started marks, alive (to recovery) until closed: see liveness.ts. */
    private readonly owner: Claim,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.entrypoint = opts.entrypoint ?? "governance/decision";
  }

  static async open(opts: GovernorOptions): Promise<Governor> {
    const state = await GovernanceState.open(opts.audit);
    const g = new Governor(opts, state, await claimOwner(opts.audit.db));
    try {
      await g.syncKillSwitch();
      await g.startCheckpoints();
    } catch (e) {
      g.close(); // its liveness lock, on PostgreSQL a connection, must not outlive a failed open
      throw e;
    }
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

  /** The revision of the bundle the governor decides with. */
  get revision(): string {
    return this.opts.evaluator.revision;
  }

  /**
   * Checks a request (schema, finite numbers, the agent and its role against the directory),
   * evaluates it and audits the decision (denied attempts included). Throws GovernanceRefusal,
   * audited, when the request is refused before or during evaluation.
   */
  async propose(raw: unknown, action_id: string = randomUUID(), opts: Pick<ExecuteOptions, "agent"> = {}): Promise<Proposal> {
    const { proposal, entry } = await this.evaluate(raw, action_id, opts);
    await this.opts.audit.append(entry);
    return proposal;
  }

  /** propose() without the append: the decision record comes back to be written with what follows it. */
  private async evaluate(raw: unknown, action_id: string, opts: Pick<ExecuteOptions, "agent">): Promise<{ proposal: Proposal; entry: AuditEntry }> {
    const audit = this.opts.audit;
    const base = { operation: "propose", action_id, actor: claimedActor((raw as { agent?: unknown } | null)?.agent, "agent") };
    const { request, request_hash } = await audited(audit, base, async () => checkedRequest(raw));
    const ctx = { ...base, actor: agentOf(request), request, request_hash };
    return audited(audit, ctx, async () => {
      if (opts.agent !== undefined && opts.agent !== request.agent.id) {
        throw new GovernanceRefusal("agent_mismatch", `the caller is agent ${opts.agent}, the request is in the name of ${request.agent.id}`);
      }
      await this.checkAgent(request);
      await this.syncKillSwitch();
      let decision: Stamped;
      let result: Decision;
      try {
        decision = this.opts.evaluator.evaluate(this.entrypoint, request);
        result = validate("decision", decision.result);
      } catch (e) {
        throw new GovernanceRefusal("evaluation_failed", `the policy could not decide: ${(e as Error).message}`);
      }
      const entry: AuditEntry = {
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
      };
      return { proposal: { action_id, request, request_hash, decision: { ...decision, result } }, entry };
    });
  }

  /**
   * Proposes, then runs, pauses or refuses the action as the decision (and mode) says. The
   * decision record is written in the transaction of what follows it (the intent, the approval
   * request, or the refusal).
   */
  async execute(request: unknown, handler: Handler, opts: ExecuteOptions = {}): Promise<Outcome> {
    const action_id = randomUUID();
    let p: Proposal;
    let decided: AuditEntry;
    try {
      ({ proposal: p, entry: decided } = await this.evaluate(request, action_id, opts));
    } catch (e) {
      return refusedOutcome(e, action_id);
    }
    const { category, reasons, approval, obligations } = p.decision.result;
    // Shadow mode puts a human in front of everything, but never of what enforce mode would block.
    if (category === "block") {
      await this.opts.audit.append(decided);
      return { status: "blocked", action_id: p.action_id, reasons };
    }
    if (this.mode === "shadow") return this.pause(p, approval ?? this.opts.shadowRoute ?? DEFAULT_SHADOW_ROUTE, decided);
    if (category === "approve") {
      if (!approval) return this.refuse(p, "evaluation_failed", `the policy asked for approval of ${p.request.action} but named no route`, decided);
      return this.pause(p, approval, decided);
    }
    const unmet = this.unmetObligation(obligations ?? [], opts);
    if (unmet) return this.refuse(p, "obligation_unmet", unmet, decided);
    return this.run({ action_id: p.action_id, request: p.request, request_hash: p.request_hash, category }, handler, opts, decided);
  }

  /**
   * Continues a paused action: runs it once its approval is granted (the modified request, when
   * an approver modified it and the policy let it run on their word), and reports pending,
   * rejected or expired otherwise. The approval is consumed by this one execution: a second
   * resume, here or in another process, is refused (already_executed). An approval holds only for
   * the request and revision it was granted for: under a new revision it expires and the request
   * is decided again (a new action, which may need a new approval).
   */
  async resume(rawTicket: unknown, handler: Handler, opts: ExecuteOptions = {}): Promise<Outcome> {
    const ticket = validate("ticket", rawTicket);
    if (hashJSON(ticket.request) !== ticket.request_hash) throw new GovernanceError(`ticket ${ticket.action_id}: the request does not match its hash`);
    const ctx = { operation: "resume", action_id: ticket.action_id, actor: agentOf(ticket.request), request_hash: ticket.request_hash };
    // Another agent's ticket is refused before anything about its approval is read or changed
    // (its status, or an expiry after a policy change, would otherwise be the caller's doing).
    if (opts.agent !== undefined && opts.agent !== ticket.request.agent.id) {
      const e = new GovernanceRefusal("agent_mismatch", `the caller is agent ${opts.agent}, the action is agent ${ticket.request.agent.id}'s`);
      await auditRefusal(this.opts.audit, e, ctx);
      return refusedOutcome(e, ticket.action_id);
    }
    let a: Approval;
    try {
      a = await audited(this.opts.audit, ctx, () => this.currentApproval(ticket));
    } catch (e) {
      if (e instanceof GovernanceRefusal) return refusedOutcome(e, ticket.action_id);
      throw e;
    }
    if (a.status === "pending" || a.status === "rejected" || a.status === "expired") return { status: a.status, action_id: ticket.action_id, approval: a };
    if (a.status === "consumed") {
      const e = new GovernanceRefusal("already_executed", `approval ${a.approval_id} was already used by an execution of action ${ticket.action_id}`);
      await auditRefusal(this.opts.audit, e, ctx);
      return refusedOutcome(e, ticket.action_id);
    }
    if (grantedRevision(a) !== this.revision) {
      await this.transition(a.approval_id, (cur) => (cur.status === a.status ? expire(cur, this.now(), `the policy changed from revision ${grantedRevision(a)} to ${this.revision}`) : undefined), { operation: "resume" });
      return this.execute(ticket.request, handler, opts);
    }
    // What runs is the request the approval grants, as the chain recorded its decision.
    const hash = grantedRequestHash(a);
    const decided = await this.decisionRecord(ticket.action_id, hash);
    const request = hash === ticket.request_hash ? ticket.request : decided?.request;
    if (!decided || !request) throw new GovernanceError(`action ${ticket.action_id}: no decision record for the granted request ${hash.slice(0, 12)}`);
    if (opts.agent !== undefined && opts.agent !== request.agent.id) {
      const e = new GovernanceRefusal("agent_mismatch", `the caller is agent ${opts.agent}, the action is agent ${request.agent.id}'s`);
      await auditRefusal(this.opts.audit, e, ctx);
      return refusedOutcome(e, ticket.action_id);
    }
    const category = a.modification?.category ?? "approve";
    const unmet = this.unmetObligation(((decided.decision?.result as Decision | undefined)?.obligations) ?? [], opts);
    if (unmet) {
      const e = new GovernanceRefusal("obligation_unmet", unmet);
      await auditRefusal(this.opts.audit, e, ctx);
      return refusedOutcome(e, ticket.action_id);
    }
    return this.run({ action_id: ticket.action_id, request, request_hash: hash, category, approval_id: a.approval_id }, handler, opts);
  }

  /**
   * Records an approver's decision (approve, modify or reject) as a compare-and-set on the
   * approval, with its audit record in the same transaction: of two conflicting decisions exactly
   * one wins, the other is refused (not_pending). The approver is named by id; their roles come
   * from the directory (claimed roles it does not give are refused). A modify is a new request:
   * the policy decides it again first (see approvals.ts decide()).
   */
  async decideApproval(raw: unknown): Promise<Approval> {
    const audit = this.opts.audit;
    let d: ApprovalDecision;
    try {
      d = validate("approval-decision", raw);
    } catch (e) {
      const refusal = new GovernanceRefusal("input_invalid", (e as SchemaError).message);
      await auditRefusal(audit, refusal, { operation: "approval.decide", actor: claimedActor((raw as { by?: unknown } | null)?.by) });
      throw refusal;
    }
    const action_id = (await this.store.getApproval(d.approval_id).catch(() => undefined))?.action_id;
    const ctx = { operation: "approval.decide", ...(action_id ? { action_id } : {}), actor: { id: d.by.id }, details: { approval_id: d.approval_id, verdict: d.verdict } };
    return audited(audit, ctx, async () => {
      const by = await checkClaim(this.store, d.by);
      const modification = d.verdict === "modify" ? await this.redecide(d, by) : undefined;
      return this.store.transaction(async (tx) => {
        const current = await this.lockedApproval(tx, d.approval_id);
        const fresh = modification?.superseded_by ? modification.opened : undefined;
        const next = decide(current, { ...d, by }, {
          now: this.now(),
          currentRequestHash: current.request_hash,
          currentRevision: this.revision,
          ...(modification ? { modification: { ...modification.m, ...(fresh ? { superseded_by: fresh.approval_id } : {}) } } : {}),
        });
        await this.writeApproval(tx, next, { actor: by, details: { verdict: d.verdict, ...(d.comment ? { comment: d.comment } : {}) } });
        if (fresh) await this.writeApproval(tx, { ...fresh, supersedes: current.approval_id }, { actor: agentOf(modification!.request), details: { events: ["requested"], supersedes: current.approval_id } });
        return next;
      });
    });
  }

  /** An approval with its clock applied: escalated or expired as time requires (and audited). */
  async refresh(approval_id: string): Promise<Approval> {
    return this.transition(approval_id, (a) => {
      const next = tick(a, this.now());
      return next.history.length !== a.history.length ? next : undefined;
    });
  }

  /** Records that a human reviewed an executed notify-category action (audited). */
  async reviewNotify(action_id: string, by: Principal | string, comment?: string): Promise<{ late_ms: number }> {
    const { late_ms } = await reviewNotified(this.store, action_id, typeof by === "string" ? by : by.id, { now: this.now(), ...(comment !== undefined ? { comment } : {}) });
    return { late_ms };
  }

  /** Escalates or expires every pending or granted approval whose clock ran out. */
  async sweep(): Promise<Approval[]> {
    const out: Approval[] = [];
    for (const status of ["pending", "approved", "modified"] as const) {
      for (const a of await this.store.listApprovals(status)) out.push(await this.refresh(a.approval_id));
    }
    return out;
  }

  /**
   * Undoes an executed action: only if its state still equals what the action left (otherwise
   * RollbackConflict, showing the difference); external effects ask for compensation instead.
   * The rollback is an audited action of its own, by a principal who may roll back. An action is
   * rolled back once, here or in any other process: the claim on it is taken with the rollback's
   * intent (compare-and-set), kept when the undo succeeds and released when it fails, so a second
   * rollback is refused (already_rolled_back) while the first runs and after it.
   */
  async rollback(action_id: string, by: Principal | string): Promise<{ action_id: string; restored: unknown }> {
    const byId = typeof by === "string" ? by : by.id;
    const ctx = { operation: "rollback", action_id, actor: { id: byId } };
    const actor = await audited(this.opts.audit, ctx, () => authorize(this.store, byId, "rollback"));
    let record: RollbackRecord | undefined;
    for await (const r of this.opts.audit.list({ action_id, type: "outcome" })) if (r.rollback && r.rollback.kind !== "none") record = r.rollback;
    if (!record) throw new GovernanceError(`no executed action ${action_id} with a rollback record`);
    const id = randomUUID();
    const resource = record.kind === "state" ? record.resource! : undefined;
    // The started mark goes in the intent's transaction, so that recovery sees an interrupted
    // rollback as one that may have applied; it holds the resource while the rollback runs.
    let before: unknown = null;
    await audited(this.opts.audit, ctx, () =>
      transactPatiently(this.opts.audit.db, async (tx) => {
        const held = (await this.store.read<RollbackClaim>(tx, "rollbacks", action_id, { lock: true }))?.value;
        if (held) {
          const when = held.status === "running" ? "is being rolled back" : "was rolled back";
          throw new GovernanceRefusal("already_rolled_back", `action ${action_id} ${when} by rollback ${held.rollback_id}`);
        }
        const intent: AuditEntry = { type: "intent", action_id: id, actor, rolls_back: action_id, executed: { action: "warden.rollback", parameters: { action_id } }, ...(resource !== undefined ? { resource } : {}) };
        await this.store.write(tx, "rollbacks", action_id, { rollback_id: id, status: "running" } satisfies RollbackClaim, intent);
        before = await this.start(tx, id, resource);
      }),
    );
    const settle = (claim: RollbackClaim | null, outcome: AuditEntry) => transactPatiently(this.opts.audit.db, (tx) => this.store.write(tx, "rollbacks", action_id, claim, outcome));
    try {
      const restored = await undo(this.opts.state, record);
      const change = resource !== undefined ? captureChange(id, resource, before, restored) : noEffect(id);
      await settle({ rollback_id: id, status: "done" }, { type: "outcome", action_id: id, actor, status: "succeeded", rolls_back: action_id, rollback: change });
      return { action_id: id, restored };
    } catch (e) {
      await settle(null, { type: "outcome", action_id: id, actor, status: "failed", rolls_back: action_id, error: (e as Error).message });
      throw e;
    }
  }

  /**
   * Throws or resets the kill switch (as a principal who may): new actions are blocked by policy,
   * approved ones cannot resume, running ones are aborted (here at once, elsewhere within their
   * poll interval).
   */
  async setKillSwitch(on: boolean, by: Principal | string, reason?: string): Promise<{ aborted: number }> {
    const byId = typeof by === "string" ? by : by.id;
    await audited(this.opts.audit, { operation: "kill_switch", actor: { id: byId }, details: { on } }, () => authorize(this.store, byId, "kill_switch"));
    // Halt first: running handlers are aborted before the setting and its record are written.
    const aborted = on ? this.abortAll() : 0;
    await setKillSwitch(this.store, on, byId, { ...(reason ? { reason } : {}), now: this.now(), aborted });
    await this.syncKillSwitch();
    return { aborted };
  }

  async killSwitch(): Promise<KillSwitch> {
    return this.store.killSwitch();
  }

  /**
   * Stops watching, signs a last checkpoint of what was appended since the one before, and
   * closes the audit store (when the governor opened it through a URL).
   */
  async dispose(): Promise<void> {
    this.close();
    await this.owner.release();
    await this.opts.checkpointer?.checkpoint(false).catch((e: unknown) => this.checkpointFailed(e));
    await this.opts.audit.close();
  }

  /**
   * Stops watching for the kill switch and the checkpoint timer (for a clean process exit), and
   * lets recovery resolve what this governor left running.
   */
  close(): void {
    this.stopWatchingKillSwitch();
    this.opts.checkpointer?.stop();
    if (this.opts.checkpointer) this.opts.audit.onAppend = undefined;
    void this.owner.release();
  }

  private stopWatchingKillSwitch(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  // --- checkpoints --------------------------------------------------------------------------

  /** Checks the store against the head signed last (signing what was added since), then watches. */
  private async startCheckpoints(): Promise<void> {
    const cp = this.opts.checkpointer;
    if (!cp) return;
    await cp.checkpoint(false).catch((e: unknown) => this.checkpointFailed(e));
    // Told before the append's transaction commits; the checkpoint runs on a later turn, and
    // signs whatever the committed tree holds then.
    this.opts.audit.onAppend = (n) => {
      setImmediate(() => cp.appended(n).catch((e: unknown) => this.checkpointFailed(e)));
    };
    cp.start();
  }

  private checkpointFailed(e: unknown): void {
    // A store that no longer extends the signed head was rewritten: fail closed.
    if (e instanceof CheckpointRefused) this.rewritten ??= e.message;
    (this.opts.onCheckpointError ?? ((x: unknown) => console.error(`warden: checkpoint failed: ${(x as Error).message}`)))(e);
  }

  // --- approvals ----------------------------------------------------------------------------

  private async pause(p: Proposal, route: Route, decided?: AuditEntry): Promise<Outcome> {
    const approval = openApproval({
      approval_id: randomUUID(),
      action_id: p.action_id,
      request: p.request,
      revision: p.decision.revision,
      route,
      requested_by: agentOf(p.request),
      now: this.now(),
    });
    await this.store.transaction(async (tx) => {
      if (decided) await this.opts.audit.appendIn(tx, [decided]);
      await this.writeApproval(tx, approval, { actor: agentOf(p.request), details: { events: ["requested"] } });
    });
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

  /** The approval a ticket stands on now: its own, or the one its modification opened, refreshed. */
  private async currentApproval(ticket: Ticket): Promise<Approval> {
    let a = await this.refresh(ticket.approval_id);
    if (a.request_hash !== ticket.request_hash || a.action_id !== ticket.action_id) {
      throw new GovernanceError(`ticket ${ticket.action_id} does not belong to approval ${a.approval_id}`);
    }
    for (let hops = 0; a.superseded_by !== undefined; hops++) {
      if (hops > 16) throw new GovernanceError(`approval ${ticket.approval_id}: too many modifications`);
      a = await this.refresh(a.superseded_by);
      if (a.action_id !== ticket.action_id) throw new GovernanceError(`approval ${a.approval_id} belongs to another action`);
    }
    return a;
  }

  /** The policy's decision on a modified request, and the approval to open when the modifier cannot grant it. */
  private async redecide(d: ApprovalDecision, by: Principal): Promise<{ m: Modification; request: ActionRequest; superseded_by?: true; opened?: Approval }> {
    const current = await this.store.getApproval(d.approval_id);
    if (!current) throw new GovernanceError(`no approval ${d.approval_id}`);
    const original = (await this.decisionRecord(current.action_id, current.request_hash))?.request;
    if (!original) throw new GovernanceError(`approval ${d.approval_id}: the audit trail holds no decision on its request`);
    const request = { ...structuredClone(original), parameters: { ...original.parameters, ...structuredClone(d.parameters ?? {}) } };
    const p = await this.propose(request, current.action_id);
    const { category, approval: route } = p.decision.result;
    if (category === "block") throw new ApprovalError("modified_blocked", d.approval_id, `the policy blocks the modified request: ${p.decision.result.reasons.join("; ")}`);
    if (category === "approve" && !route) throw new GovernanceRefusal("evaluation_failed", `the policy asked for approval of the modified ${request.action} but named no route`);
    const m: Modification = { request_hash: p.request_hash, revision: p.decision.revision, decision_id: p.decision.decision_id, category, ...(route ? { route } : {}) };
    if (category !== "approve" || (by.roles ?? []).includes(route!.approver_role)) return { m, request };
    const opened = openApproval({ approval_id: randomUUID(), action_id: current.action_id, request, revision: p.decision.revision, route: route!, requested_by: agentOf(request), now: this.now() });
    return { m, request, superseded_by: true, opened };
  }

  /** Applies a change to one approval under its row lock (audited); `change` returns undefined for none. */
  private async transition(approval_id: string, change: (a: Approval) => Approval | undefined, opts: { operation?: string } = {}): Promise<Approval> {
    return this.store.transaction(async (tx) => {
      const a = await this.lockedApproval(tx, approval_id);
      const next = change(a);
      if (!next) return a;
      const events = next.history.slice(a.history.length).map((e) => e.event);
      await this.writeApproval(tx, next, { details: { events, ...(opts.operation ? { operation: opts.operation } : {}) } });
      return next;
    });
  }

  private async lockedApproval(tx: Queryable, approval_id: string): Promise<Approval> {
    const bound = await this.store.read<Approval>(tx, "approvals", approval_id, { lock: true });
    if (!bound) throw new GovernanceError(`no approval ${approval_id}`);
    return validate("approval", bound.value);
  }

  private async writeApproval(tx: Queryable, a: Approval, entry: { actor?: Principal; details?: Record<string, unknown> }): Promise<AuditRecord> {
    return this.store.write(tx, "approvals", a.approval_id, validate("approval", a), {
      type: "approval",
      action_id: a.action_id,
      ...(entry.actor ? { actor: entry.actor } : {}),
      ...(entry.details ? { details: entry.details } : {}),
    });
  }

  /** The newest decision record of an action on the request with this hash. */
  private async decisionRecord(action_id: string, request_hash: string): Promise<AuditRecord | undefined> {
    let found: AuditRecord | undefined;
    for await (const r of this.opts.audit.list({ action_id, type: "decision" })) if (r.request_hash === request_hash && r.request) found = r;
    return found;
  }

  // --- running ------------------------------------------------------------------------------

  /** Refuses the directory's unknown agents and roles an agent does not hold. */
  private async checkAgent(request: ActionRequest): Promise<void> {
    const entry = await this.store.principal(request.agent.id);
    if (!entry || entry.kind !== "agent") throw new GovernanceRefusal("unknown_agent", `agent ${request.agent.id} is not in the directory (see warden principals add)`);
    if (!entry.roles.includes(request.agent.role)) {
      throw new GovernanceRefusal("role_not_held", `agent ${request.agent.id} acts as ${request.agent.role}, a role the directory does not give it (it holds ${entry.roles.join(", ") || "none"})`);
    }
  }

  private unmetObligation(obligations: readonly string[], opts: ExecuteOptions): string | undefined {
    if (obligations.includes(RECORD_STATE) && opts.resource === undefined && opts.external !== true) {
      return `the policy obliges the action to ${RECORD_STATE}, and the caller named no resource (ExecuteOptions.resource) nor an external effect`;
    }
    return undefined;
  }

  /** Refuses a decided action: its decision record and the refusal, in one transaction. */
  private async refuse(p: Proposal, code: RefusalCode, message: string, decided: AuditEntry): Promise<Outcome> {
    const e = new GovernanceRefusal(code, message);
    await this.opts.audit.appendAll([decided, refusalEntry(e, { operation: "execute", action_id: p.action_id, actor: agentOf(p.request), request_hash: p.request_hash })!]);
    return refusedOutcome(e, p.action_id);
  }

  /**
   * The intent (consuming the approval, if any, in the same transaction, and only while the kill
   * switch is off and the action has not run) with the started mark (the resource's lease and its
   * state before: see start()), the handler (abortable, state captured), and the outcome as it
   * happened; notify actions join the review queue with their outcome record. Two commits: the
   * mark shares the intent's, so recovery counts every intent without an outcome as one that may
   * have run (a separate commit between them would tell "never started" apart, for one fsync more
   * on every action).
   */
  private async run(r: Run, handler: Handler, opts: ExecuteOptions, decided?: AuditEntry): Promise<Outcome> {
    const { action_id, request, request_hash, category } = r;
    const audit = this.opts.audit;
    const executed = { action: request.action, parameters: request.parameters };
    const actor = agentOf(request);
    const ctx = { operation: r.approval_id ? "resume" : "execute", action_id, actor, request_hash };
    const state = this.opts.state;
    let before: unknown;
    try {
      await this.store.transaction(async (tx) => {
        let approval: Approval | undefined;
        if (r.approval_id) {
          approval = consume(await this.lockedApproval(tx, r.approval_id), this.now());
        }
        if (this.rewritten) throw new GovernanceRefusal("store_rewritten", `the audit store was rewritten since its last signed checkpoint: ${this.rewritten}`);
        if ((await this.store.killSwitch(tx)).on) throw new GovernanceRefusal("kill_switch", "the kill switch is on");
        if (await audit.has(tx, action_id, "intent")) throw new GovernanceRefusal("already_executed", `action ${action_id} already ran`);
        // The decision, the consumed approval (if any), the intent and its mark, in chain order;
        // without an approval to write between them, one append carries all of them.
        const entries: AuditEntry[] = decided ? [decided] : [];
        if (approval) {
          if (entries.length) await audit.appendIn(tx, entries.splice(0));
          await this.writeApproval(tx, approval, { actor, details: { events: ["consume"] } });
        }
        entries.push({
          type: "intent",
          action_id,
          actor,
          initiator: request.initiator,
          request_hash,
          executed,
          ...(opts.resource !== undefined ? { resource: opts.resource } : {}),
          ...(approval ? { approval } : {}),
          details: { category },
        });
        before = await this.start(tx, action_id, opts.resource, entries);
      });
    } catch (e) {
      // The transaction rolled back: the decision (if it was to go with the intent) and the refusal.
      const refusal = refusalEntry(e, ctx);
      const entries = [...(decided ? [decided] : []), ...(refusal ? [refusal] : [])];
      if (entries.length) await audit.appendAll(entries);
      if (e instanceof GovernanceRefusal && e.code === "kill_switch") return { status: "blocked", action_id, reasons: ["kill switch is on"] };
      if (e instanceof GovernanceRefusal || e instanceof ApprovalError) return refusedOutcome(e, action_id);
      throw e;
    }

    const controller = new AbortController();
    this.inFlight.add(controller);
    this.watchKillSwitch();
    try {
      if (this.killSwitchOn) controller.abort(abortError("kill switch is on"));
      let result: HandlerResult = {};
      let error: unknown;
      let threw = false;
      try {
        controller.signal.throwIfAborted();
        result = (await handler({ action_id, request, parameters: request.parameters, signal: controller.signal, state })) ?? {};
      } catch (e) {
        threw = true;
        error = e;
      }
      const aborted = controller.signal.aborted;
      // What happened, as it happened: a handler that finished after the abort did its work.
      let rollback: RollbackRecord | undefined;
      if (!threw && result.external) rollback = externalEffect(action_id, result.external);
      else if (opts.resource !== undefined) rollback = captureChange(action_id, opts.resource, before, await state.get(opts.resource));
      else if (!threw) rollback = noEffect(action_id);
      const status: "succeeded" | "aborted" | "failed" = !threw ? "succeeded" : aborted ? "aborted" : "failed";
      const message = threw ? (aborted ? String((controller.signal.reason as Error)?.message ?? "aborted") : (error as Error)?.message ?? String(error)) : undefined;
      const queued = status === "succeeded" && category === "notify";
      const outcome = {
        type: "outcome" as const,
        action_id,
        status,
        executed,
        ...(result.output ? { output: result.output } : {}),
        ...(rollback ? { rollback } : {}),
        ...(message !== undefined ? { error: message } : {}),
        ...(!threw && aborted ? { details: { after_abort: true } } : {}),
      };
      // The outcome must not be lost to a busy store: the action already ran.
      await transactPatiently(audit.db, async (tx) => {
        if (queued) await this.store.write(tx, "notify_queue", action_id, notifyItem(action_id, request.action, this.now()), outcome);
        else await audit.appendIn(tx, [outcome]);
      });
      if (status === "succeeded") {
        return { status: "executed", action_id, category, ...(result.output ? { output: result.output } : {}), rollback: rollback!, queued_for_review: queued, ...(aborted ? { after_abort: true } : {}) };
      }
      return { status, action_id, error: message!, ...(rollback && rollback.kind === "state" && rollback.forward?.length ? { rollback } : {}) };
    } finally {
      this.inFlight.delete(controller);
      if (this.inFlight.size === 0) this.stopWatchingKillSwitch();
    }
  }

  /**
   * Writes the started mark of an action or rollback (after `preceding`, in the caller's write
   * transaction), the mark that tells recovery the handler may have run. With a resource, the
   * mark takes the resource's lease and carries its state before, read once the lease is held:
   * one action or rollback at a time changes a resource, so what it records as before and after
   * is its own change, and a rollback cannot interleave with an action on the same state. A lease
   * is held until its holder's outcome is on the chain; until then the resource is refused
   * (resource_busy), including after a crash, until recovery resolves the holder.
   */
  private async start(tx: Queryable, action_id: string, resource: string | undefined, preceding: AuditEntry[] = []): Promise<unknown> {
    // Recovery on other hosts would see this governor gone and could resolve what it starts.
    if (!this.owner.visible()) throw new GovernanceRefusal("liveness_lost", "this governor's liveness lock on the store is lost and not yet taken again: nothing starts until it is (retry shortly)");
    if (resource === undefined) {
      await this.opts.audit.appendIn(tx, [...preceding, { type: "started", action_id, owner: this.owner.owner }]);
      return undefined;
    }
    const held = (await this.store.read<Lease>(tx, "leases", resource, { lock: true }))?.value;
    if (held && !(await this.opts.audit.has(tx, held.action_id, "outcome"))) {
      throw new GovernanceRefusal("resource_busy", `resource ${resource} is being changed by action ${held.action_id} (running, or left without an outcome: see warden recover)`);
    }
    const before = await this.opts.state.get(resource);
    await this.store.write(tx, "leases", resource, { action_id } satisfies Lease, { type: "started", action_id, resource, before, owner: this.owner.owner }, preceding);
    return before;
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

/** A request that fits its schema and holds only finite numbers, with its hash (hashing is the
 * finiteness check); refused (input_invalid) otherwise. */
function checkedRequest(raw: unknown): { request: ActionRequest; request_hash: string } {
  let request: ActionRequest;
  try {
    request = validate("action-request", raw);
  } catch (e) {
    throw new GovernanceRefusal("input_invalid", (e as Error).message);
  }
  try {
    return { request, request_hash: hashJSON(request) };
  } catch (e) {
    throw new GovernanceRefusal("input_invalid", `invalid action-request: ${(e as Error).message} (numbers must be finite)`);
  }
}

function refusedOutcome(e: unknown, action_id: string): Outcome {
  if (e instanceof GovernanceRefusal) return { status: "refused", action_id, code: e.code, error: e.message };
  if (e instanceof ApprovalError) return { status: "refused", action_id, code: e.reason, error: e.message };
  throw e;
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
