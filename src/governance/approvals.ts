// The approval state machine: pure functions over Approval records, no I/O, time passed in.
//
//   openApproval ─▶ pending(level 0, routed role) ──tick: SLA passed──▶ pending(level 1, next role) ─▶ … ─▶ expired
//                      │ decide
//                      ├─ approve ─▶ approved ──consume──▶ consumed   (exactly the request whose hash is bound here, once)
//                      ├─ reject  ─▶ rejected
//                      └─ modify  ─▶ modified ──consume──▶ consumed   (the modified request, when the policy's new
//                                    │                                 decision lets it run on the modifier's word)
//                                    └─ superseded_by ─▶ a new pending approval for the modified request
//   approved / modified ──tick: validity window passed──▶ expired
//
// An approval is bound to the hash of the exact request and to the bundle revision that routed it:
// a decision is refused when the request or the policy version changed since, or when the approver
// saw something else. It escalates along the route's chain when the SLA passes and expires at the
// end of it; once granted it stays usable for the route's validity window, and one execution
// consumes it. Nothing here ever approves on its own. Every function returns a new object that
// fits schemas/approval.schema.json and leaves its arguments untouched. The roles of an approver
// are the directory's (the caller resolves them): nothing here trusts a role a caller claims.
import { hashJSON } from "../canonical-json.ts";
import { validate } from "../schemas/validate.ts";
import type { ActionRequest, Approval, ApprovalDecision, ApprovalEvent, Principal, Route } from "../schemas/types.ts";

export type ApprovalRefusal =
  /** The decision names another approval. */
  | "wrong_approval"
  /** The approver does not hold the role that must decide now (the current level's role). */
  | "wrong_role"
  /** The approver is the requester, or the initiator of the request. */
  | "self_approval"
  /** The request changed since it was routed, or the approver saw another request. */
  | "stale_request"
  /** The policy revision changed since the request was routed, or the approver saw another revision. */
  | "stale_revision"
  /** The approval expired at the end of its escalation chain. */
  | "expired"
  /** The approval already holds a decision. */
  | "not_pending"
  /** The SLA of the current level passed: run tick() to escalate first. */
  | "past_due"
  /** A modify decision without changed parameters. */
  | "missing_parameters"
  /** An approve or reject decision carrying parameters (they would be silently ignored). */
  | "unexpected_parameters"
  /** The policy blocks the modified request. */
  | "modified_blocked"
  /** An agent cannot decide approvals: a person must. */
  | "agent_approver"
  /** The approval was already used by an execution. */
  | "already_executed";

/** A refused decision; `reason` says why in a form programs can branch on. */
export class ApprovalError extends Error {
  constructor(
    readonly reason: ApprovalRefusal,
    readonly approval_id: string,
    detail: string,
  ) {
    super(`approval ${approval_id}: ${reason}: ${detail}`);
    this.name = "ApprovalError";
  }
}

export interface OpenApprovalInput {
  approval_id: string;
  action_id: string;
  /** The exact request the approver decides on; its hash binds the approval. */
  request: ActionRequest;
  /** The bundle revision (policy version) whose decision routed the request here. */
  revision: string;
  /** The route the policy named: first approver role, SLA per level, escalation chain. */
  route: Route;
  /** Who asked for the action (usually the agent). Neither they nor the request's initiator may approve. */
  requested_by: Principal;
  now: Date;
}

/** A new pending approval at level 0, routed to `route.approver_role`, due `sla_minutes` from now. */
export function openApproval(input: OpenApprovalInput): Approval {
  const request = validate("action-request", input.request);
  const now = checkedTime(input.now);
  return validate("approval", {
    approval_id: input.approval_id,
    action_id: input.action_id,
    request_hash: hashJSON(request),
    revision: input.revision,
    route: clone(input.route),
    status: "pending",
    level: 0,
    approver_role: input.route.approver_role,
    requested_by: clone(input.requested_by),
    initiator: clone(request.initiator),
    created_at: iso(now),
    due_at: iso(addMinutes(now, input.route.sla_minutes)),
    history: [],
  });
}

export interface DecideContext {
  now: Date;
  /** hashJSON of the request as it stands now (the one that would run). */
  currentRequestHash: string;
  /** The revision of the bundle in force now. */
  currentRevision: string;
  /**
   * For a modify verdict: the policy's decision on the modified request, and, when that decision
   * asks for an approval the modifier cannot give, the id of the approval to open for it.
   */
  modification?: Modification & { superseded_by?: string };
}

export type Modification = NonNullable<Approval["modification"]>;

/** Minutes an approval stays usable once granted, when the route does not say. */
export const DEFAULT_VALID_MINUTES = 1440;

/**
 * Records a human decision, or throws ApprovalError (SchemaError when the decision does not fit its
 * schema). The checks, in order: the decision's shape; that it names this approval; that the
 * approval is still pending and within its SLA; that neither the revision nor the request changed
 * since routing and that the approver saw the current ones; that the approver is neither the
 * requester nor the initiator; that they hold the role of the current level; parameters.
 *
 * A `modify` verdict ends this approval with status `modified`; the changed parameters are in the
 * last history event. The caller builds the modified request with applyModification(), has the
 * policy decide it, and passes that decision as `ctx.modification`: a block is refused
 * (modified_blocked); auto or notify may run on this approval; approve may run on it only when
 * the new route's first role is one the modifier holds, otherwise `ctx.modification.superseded_by`
 * must name the new approval opened for the route, and this one never runs.
 *
 * `decision.by` must carry the approver's roles from the directory: authenticating the approver
 * and resolving their roles is the caller's job.
 */
export function decide(approval: Approval, decision: ApprovalDecision, ctx: DecideContext): Approval {
  const d = validate("approval-decision", decision);
  const id = approval.approval_id;
  const now = checkedTime(ctx.now);
  const refuse = (reason: ApprovalRefusal, detail: string) => new ApprovalError(reason, id, detail);

  if (d.approval_id !== id) throw refuse("wrong_approval", `the decision is for approval ${d.approval_id}`);
  if (approval.status === "expired") throw refuse("expired", `it expired at the end of its escalation chain`);
  if (approval.status !== "pending") throw refuse("not_pending", `it is already ${approval.status}`);
  if (now.getTime() > Date.parse(approval.due_at)) {
    throw refuse("past_due", `the SLA of level ${approval.level} (${approval.approver_role}) passed at ${approval.due_at}; escalate first`);
  }
  if (ctx.currentRevision !== approval.revision) {
    throw refuse("stale_revision", `routed under revision ${approval.revision}, the policy is now at ${ctx.currentRevision}: a new decision is needed`);
  }
  if (d.saw.revision !== approval.revision) {
    throw refuse("stale_revision", `the approver saw revision ${d.saw.revision}, the request was routed under ${approval.revision}`);
  }
  if (ctx.currentRequestHash !== approval.request_hash) {
    throw refuse("stale_request", `the request changed since it was routed (hash ${short(approval.request_hash)} then, ${short(ctx.currentRequestHash)} now)`);
  }
  if (d.saw.request_hash !== approval.request_hash) {
    throw refuse("stale_request", `the approver saw request ${short(d.saw.request_hash)}, the request is ${short(approval.request_hash)}`);
  }
  if (d.by.kind === "agent") throw refuse("agent_approver", `${d.by.id} is an agent; approvals are decided by people`);
  if (d.by.id === approval.requested_by.id) throw refuse("self_approval", `${d.by.id} requested this action`);
  if (approval.initiator && d.by.id === approval.initiator.id) throw refuse("self_approval", `${d.by.id} initiated this request`);
  if (!(d.by.roles ?? []).includes(approval.approver_role)) {
    throw refuse("wrong_role", `${d.by.id} does not hold the role ${approval.approver_role}, which must decide at level ${approval.level}`);
  }
  const hasParameters = d.parameters !== undefined && Object.keys(d.parameters).length > 0;
  if (d.verdict === "modify" && !hasParameters) throw refuse("missing_parameters", "a modify decision must carry the changed parameters");
  if (d.verdict !== "modify" && d.parameters !== undefined) {
    throw refuse("unexpected_parameters", `a ${d.verdict} decision cannot change parameters; use modify`);
  }

  const event: ApprovalEvent = { event: d.verdict, at: iso(now), by: clone(d.by), saw: clone(d.saw) };
  if (d.verdict === "modify") event.parameters = clone(d.parameters!);
  if (d.comment !== undefined) event.comment = d.comment;
  const status = ({ approve: "approved", reject: "rejected", modify: "modified" } as const)[d.verdict];
  const next: Approval = { ...clone(approval), status, history: [...clone(approval.history), event] };
  const validUntil = iso(addMinutes(now, approval.route.valid_minutes ?? DEFAULT_VALID_MINUTES));
  if (d.verdict === "approve") next.valid_until = validUntil;
  if (d.verdict === "modify") {
    const m = ctx.modification;
    if (!m) throw new TypeError("a modify decision needs the policy's decision on the modified request (ctx.modification)");
    if ((m.category as string) === "block") throw refuse("modified_blocked", "the policy blocks the modified request");
    const { superseded_by, ...modification } = clone(m);
    const modifierMayApprove = m.category !== "approve" || (m.route !== undefined && (d.by.roles ?? []).includes(m.route.approver_role));
    if (!modifierMayApprove && superseded_by === undefined) {
      throw new TypeError(`the modified request needs approval by ${m.route?.approver_role ?? "another role"}: open a new approval and pass its id`);
    }
    next.modification = modification;
    if (modifierMayApprove) next.valid_until = validUntil;
    else next.superseded_by = superseded_by!;
  }
  return validate("approval", next);
}

/** The request hash an approval lets run: the modified request's for a modified approval. */
export function grantedRequestHash(approval: Approval): string {
  return approval.modification?.request_hash ?? approval.request_hash;
}

/** The revision the granted request was decided under. */
export function grantedRevision(approval: Approval): string {
  return approval.modification?.revision ?? approval.revision;
}

/**
 * Uses a granted approval for one execution: approved or modified (and not superseded) within
 * its validity window becomes consumed. Throws ApprovalError otherwise (already_executed for a
 * consumed one, expired past the window: run tick() to record the expiry).
 */
export function consume(approval: Approval, now: Date): Approval {
  const id = approval.approval_id;
  const t = checkedTime(now);
  if (approval.status === "consumed") throw new ApprovalError("already_executed", id, "it was already used by an execution");
  if ((approval.status !== "approved" && approval.status !== "modified") || approval.superseded_by !== undefined) {
    throw new ApprovalError("not_pending", id, `it is ${approval.status}${approval.superseded_by ? ` (superseded by ${approval.superseded_by})` : ""}, not granted`);
  }
  if (approval.valid_until === undefined || t.getTime() > Date.parse(approval.valid_until)) {
    throw new ApprovalError("expired", id, `it was usable until ${approval.valid_until ?? "(never)"}`);
  }
  return validate("approval", { ...clone(approval), status: "consumed", history: [...clone(approval.history), { event: "consume", at: iso(t) }] });
}

/** Ends a granted or pending approval that can no longer be used (the policy changed, say). */
export function expire(approval: Approval, now: Date, comment: string): Approval {
  const next = clone(approval);
  next.status = "expired";
  next.history.push({ event: "expire", at: iso(checkedTime(now)), comment });
  return validate("approval", next);
}

/**
 * Moves a pending approval along its escalation chain for every SLA that has passed by `now`: each
 * step goes one level up, to the next role in `route.escalation`, due one SLA after the previous
 * deadline; past the last role it expires. A granted approval past its validity window expires.
 * History events carry the deadline that lapsed as `at`. Never approves. Anything else comes back
 * unchanged (as a copy).
 */
export function tick(approval: Approval, now: Date): Approval {
  const t = checkedTime(now).getTime();
  const next = clone(approval);
  const granted = (next.status === "approved" || next.status === "modified") && next.valid_until !== undefined;
  if (granted && t > Date.parse(next.valid_until!)) {
    next.status = "expired";
    next.history.push({ event: "expire", at: next.valid_until!, comment: "not used within its validity window" });
    return validate("approval", next);
  }
  if (next.status !== "pending") return next;
  const chain = next.route.escalation as string[];
  while (next.status === "pending" && t > Date.parse(next.due_at)) {
    const lapsed = next.due_at;
    if (next.level < chain.length) {
      next.level += 1;
      next.approver_role = chain[next.level - 1]!;
      next.due_at = iso(addMinutes(new Date(lapsed), next.route.sla_minutes));
      next.history.push({ event: "escalate", at: lapsed, to_role: next.approver_role });
    } else {
      next.status = "expired";
      next.history.push({ event: "expire", at: lapsed });
    }
  }
  return validate("approval", next);
}

/** True when the approval lets exactly this request run under this revision. */
export function permits(approval: Approval, request: ActionRequest, revision: string): boolean {
  return approval.status === "approved" && approval.revision === revision && approval.request_hash === hashJSON(request);
}

/**
 * The request a `modified` approval asks for: the original with the approver's changed parameters
 * merged over its own (top-level keys replaced). Its hash differs from the approved-on one, so the
 * caller must evaluate it against the policy again; it is never covered by this approval.
 */
export function applyModification(request: ActionRequest, approval: Approval): ActionRequest {
  if (approval.status !== "modified") throw new ApprovalError("not_pending", approval.approval_id, `it is ${approval.status}, not modified`);
  if (hashJSON(request) !== approval.request_hash) {
    throw new ApprovalError("stale_request", approval.approval_id, "this is not the request the approval was opened for");
  }
  const last = approval.history[approval.history.length - 1];
  if (last?.event !== "modify" || last.parameters === undefined) {
    throw new ApprovalError("missing_parameters", approval.approval_id, "its history holds no modify decision");
  }
  const modified = clone(request);
  modified.parameters = { ...modified.parameters, ...clone(last.parameters) };
  return validate("action-request", modified);
}

function checkedTime(d: Date): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`not a valid time: ${String(d)}`);
  return d;
}

function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * 60_000);
}

function iso(d: Date): string {
  return d.toISOString();
}

function short(hash: string): string {
  return hash.slice(0, 12);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
