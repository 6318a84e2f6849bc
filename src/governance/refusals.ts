// Refusals on the audit trail. A refusal is decided inside a transaction that then rolls back, so
// it is recorded after, in a transaction of its own; `audited` wraps an operation so that every
// GovernanceRefusal (and ApprovalError) leaving it has been written exactly once.
import type { AuditEntry, AuditLog } from "../audit/log.ts";
import type { ActionRequest, Principal } from "../schemas/types.ts";
import { ApprovalError } from "./approvals.ts";
import { GovernanceRefusal } from "./errors.ts";

export interface RefusalContext {
  /** What was refused: propose, execute, resume, approval.decide, kill_switch, rollback, ... */
  operation: string;
  action_id?: string;
  actor?: Principal;
  request?: ActionRequest;
  request_hash?: string;
  details?: Record<string, unknown>;
}

const recorded = new WeakSet<Error>();

/** Appends the refusal record for an error, once; other errors pass untouched. */
export async function auditRefusal(audit: AuditLog, e: unknown, ctx: RefusalContext): Promise<void> {
  const entry = refusalEntry(e, ctx);
  if (entry) await audit.append(entry);
}

/**
 * The refusal record for an error, to append with others (the caller appends it): undefined
 * when the error is no refusal or its record was already made.
 */
export function refusalEntry(e: unknown, ctx: RefusalContext): AuditEntry | undefined {
  if (!(e instanceof GovernanceRefusal || e instanceof ApprovalError) || recorded.has(e)) return undefined;
  recorded.add(e);
  const code = e instanceof ApprovalError ? e.reason : e.code;
  return {
    type: "refusal",
    ...(ctx.action_id ? { action_id: ctx.action_id } : {}),
    ...(ctx.actor && isId(ctx.actor.id) ? { actor: ctx.actor } : {}),
    ...(ctx.request ? { request: ctx.request } : {}),
    ...(ctx.request_hash ? { request_hash: ctx.request_hash } : {}),
    details: { operation: ctx.operation, code, message: e.message.slice(0, 4096), ...(ctx.details ?? {}) },
  };
}

/** Runs fn; a refusal it throws is audited (with `ctx`) before it is rethrown. */
export async function audited<T>(audit: AuditLog, ctx: RefusalContext | (() => RefusalContext), fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await auditRefusal(audit, e, typeof ctx === "function" ? ctx() : ctx);
    throw e;
  }
}

/** A principal as a refusal names it: only a well-formed id (a caller may send anything). */
export function claimedActor(raw: unknown, kind?: Principal["kind"]): Principal | undefined {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string" && isId(id) ? { id, ...(kind ? { kind } : {}) } : undefined;
}

function isId(id: string): boolean {
  return /^[A-Za-z0-9._:@-]{1,128}$/.test(id);
}
