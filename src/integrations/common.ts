// What every framework adapter shares: the mapping from a tool call to a governed action request,
// the store of paused tickets keyed by the framework's own call id, and the governed context a
// tool body can read while it runs. The adapters (ai-sdk.ts, mcp.ts, openai-agents.ts) are thin
// shells over these and over Governor.execute / resume; none of them decides anything itself.
import { AsyncLocalStorage } from "node:async_hooks";
import { hashJSON } from "../canonical-json.ts";
import { GovernanceRefusal } from "../governance/errors.ts";
import type { ExecuteOptions, Governor, HandlerContext, Outcome } from "../governance/governor.ts";
import { auditRefusal } from "../governance/refusals.ts";
import type { ActionRequest, Approval, Principal, Ticket } from "../schemas/types.ts";

/** How one tool maps to an action of the policy's inventory. Every field is optional. */
export interface ToolMapping {
  /** The action name the policy knows (default: the tool's name). */
  action?: string;
  /** The action's parameters from the tool's input (default: the input object itself). */
  parameters?: (input: unknown) => Record<string, unknown>;
  /** The state document the tool changes, so Warden records before/after (for writes the policy requires it). */
  resource?: (input: unknown) => string | undefined;
  /** The tool reports an external effect (HandlerResult.external) instead of changing a resource. */
  external?: boolean;
}

/**
 * Who acts, for every tool call of one agent. The identity comes from the embedding service
 * (what it authenticated), never from the model: the model only chooses tools and their input.
 */
export interface GovernedAgentOptions {
  governor: Governor;
  /** The agent the service authenticated, and the role it acts under (checked against the directory). */
  agent: { id: string; role: string };
  /** Who the agent acts for (the user of the conversation). */
  initiator: Principal;
  /** Request context the policy reads (input, channel, attributes such as identity_verified). */
  context?: ActionRequest["context"];
  /** Per tool name: its action, parameters and resource. Tools not listed map by name. */
  tools?: Record<string, ToolMapping>;
  /** Where paused tickets wait for their approval (default: in memory). */
  tickets?: TicketStore;
}

/** Paused tickets, keyed by the framework's call id. Tickets are plain JSON: persist them to survive restarts. */
export interface TicketStore {
  get(key: string): Promise<Ticket | undefined> | Ticket | undefined;
  set(key: string, ticket: Ticket): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

export class MemoryTicketStore implements TicketStore {
  private readonly tickets = new Map<string, Ticket>();
  get(key: string): Ticket | undefined {
    return this.tickets.get(key);
  }
  set(key: string, ticket: Ticket): void {
    this.tickets.set(key, JSON.parse(JSON.stringify(ticket)) as Ticket);
  }
  delete(key: string): void {
    this.tickets.delete(key);
  }
}

/** A governed tool call that did not run: its outcome (blocked, refused, pending, rejected ...) says why. */
export class ToolCallRefused extends Error {
  constructor(
    readonly outcome: Exclude<Outcome, { status: "executed" }>,
    message: string,
  ) {
    super(message);
    this.name = "ToolCallRefused";
  }
}

const current = new AsyncLocalStorage<HandlerContext>();

/**
 * The governed action a tool body is running in (its action id, the request, the kill switch's
 * abort signal, and the state store whose writes are captured for rollback); undefined outside one.
 */
export function wardenContext(): HandlerContext | undefined {
  return current.getStore();
}

/** Runs fn as the body of the governed action ctx. */
export function withContext<T>(ctx: HandlerContext, fn: () => T): T {
  return current.run(ctx, fn);
}

/** The action request of one tool call: who from the options, what from the mapping and the input. */
export function toolRequest(opts: GovernedAgentOptions, toolName: string, input: unknown): { request: ActionRequest; execute: ExecuteOptions } {
  const m = opts.tools?.[toolName] ?? {};
  const parameters = m.parameters ? m.parameters(input) : isRecord(input) ? input : { input };
  const request: ActionRequest = {
    agent: { id: opts.agent.id, role: opts.agent.role },
    initiator: opts.initiator,
    action: m.action ?? toolName,
    parameters: jsonParameters(parameters),
    ...(opts.context ? { context: opts.context } : {}),
  };
  const resource = m.resource?.(input);
  const execute: ExecuteOptions = { agent: opts.agent.id, ...(resource ? { resource } : {}), ...(m.external ? { external: true } : {}) };
  return { request, execute };
}

/** A tool's result as the audited output: objects as they are, anything else under `result`. */
export function outputRecord(result: unknown): Record<string, unknown> | undefined {
  if (result === undefined) return undefined;
  const safe = jsonSafe(result);
  return isRecord(safe) ? safe : { result: safe };
}

/** What a refused outcome tells the model (and a human reading the transcript). */
export function describeRefusal(action: string, outcome: Exclude<Outcome, { status: "executed" }>): string {
  switch (outcome.status) {
    case "blocked":
      return `Warden blocked ${action}: ${outcome.reasons.join("; ") || "the policy forbids it"}`;
    case "paused":
      return `Warden paused ${action}: approval ${outcome.approval.approval_id} waits for ${outcome.approval.approver_role}`;
    case "pending":
      return `Warden has not granted ${action}: approval ${outcome.approval.approval_id} is still pending with ${outcome.approval.approver_role}`;
    case "rejected":
      return `Warden refused ${action}: approval ${outcome.approval.approval_id} was rejected${lastComment(outcome.approval)}`;
    case "expired":
      return `Warden refused ${action}: approval ${outcome.approval.approval_id} expired`;
    case "refused":
      return `Warden refused ${action} (${outcome.code}): ${outcome.error}`;
    case "failed":
    case "aborted":
      return `${action} ${outcome.status}: ${outcome.error}`;
  }
}

/** The approval a ticket waits for, with its clock applied (escalation, expiry). */
export async function approvalOf(governor: Governor, ticket: Ticket): Promise<Approval> {
  return governor.refresh(ticket.approval_id);
}

function lastComment(a: Approval): string {
  const c = [...a.history].reverse().find((h) => (h as { comment?: string }).comment)?.comment;
  return c ? ` (${c})` : "";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The parameters as JSON (jsonSafe), except that a non-finite number is not turned into null: the
 * parameters are then left as they are, so that the governor refuses them (input_invalid,
 * audited) instead of deciding, and running, an amount of null where the model said Infinity.
 */
function jsonParameters(p: Record<string, unknown>): Record<string, unknown> {
  let finite = true;
  const text = JSON.stringify(p, (_k, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) finite = false;
    return v;
  });
  return finite ? (JSON.parse(text) as Record<string, unknown>) : p;
}

/** hashJSON of a request, or undefined when it cannot be hashed (a non-finite number): never equal to a ticket's. */
export function requestHash(request: ActionRequest): string | undefined {
  try {
    return hashJSON(request);
  } catch {
    return undefined;
  }
}

/**
 * A retried call that is not the one Warden paused (another input, a state not sealed here),
 * refused before the governor sees it: audited (input_invalid, with the request as retried when
 * it can be recorded), and returned as the refused outcome.
 */
export async function refuseRetry(
  governor: Governor,
  request: ActionRequest,
  message: string,
  ctx: { operation: string; action_id?: string; approval_id?: string; details?: Record<string, unknown> },
): Promise<Extract<Outcome, { status: "refused" }>> {
  const e = new GovernanceRefusal("input_invalid", message);
  await auditRefusal(governor.auditLog, e, {
    operation: ctx.operation,
    ...(ctx.action_id ? { action_id: ctx.action_id } : {}),
    actor: { id: request.agent.id, kind: "agent" },
    ...(requestHash(request) !== undefined ? { request } : {}),
    details: { ...(ctx.details ?? {}), ...(ctx.approval_id ? { approval_id: ctx.approval_id } : {}) },
  });
  return { status: "refused", action_id: ctx.action_id ?? "", code: "input_invalid", error: message };
}

/** A JSON copy (drops undefined, functions; dates become strings): what the audit trail can hold. */
export function jsonSafe(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}
