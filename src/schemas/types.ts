// Generated from schemas/*.schema.json by scripts/gen-types.ts. Do not edit: run `npm run gen:types`.

/**
 * An RFC 6902 JSON Patch.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "JsonPatch".
 */
export type JsonPatch = {
op: ("add" | "remove" | "replace" | "move" | "copy" | "test")
path: string
from?: string
value?: unknown
[k: string]: unknown
}[]

export interface WardenSchemas {
"action-request"?: ActionRequest
"approval-decision"?: ApprovalDecision
approval?: Approval
"audit-record"?: AuditRecord
common?: Common
decision?: Decision
"directory-entry"?: DirectoryEntry
"rollback-record"?: RollbackRecord
ticket?: Ticket
}
/**
 * What an agent proposes to do, with what it received and why: the input of the decision policy.
 */
export interface ActionRequest {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
request_id?: string
/**
 * The agent proposing the action and the role it runs under.
 */
agent: {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
id: string
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
role: string
}
initiator: Principal
/**
 * A dotted action name from the action inventory, such as refund.issue.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "ActionName".
 */
action: string
/**
 * The action's arguments.
 */
parameters: {
[k: string]: unknown
}
/**
 * What the agent received: the user's input and the context it retrieved.
 */
context?: {
/**
 * The message or event that started the work.
 */
input?: unknown
retrieved?: unknown[]
channel?: string
/**
 * Facts about the user or situation the policy may use.
 */
attributes?: {
[k: string]: unknown
}
}
/**
 * Reasoning artifacts kept for the audit trail.
 */
reasoning?: {
trace?: string[]
documents?: string[]
confidence?: number
}
}
/**
 * A person or agent: who initiated, who approved, who ran a command.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Principal".
 */
export interface Principal {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
id: string
kind?: ("user" | "agent" | "operator" | "system")
/**
 * @maxItems 64
 * 
 * Items: An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
roles?: string[]
}
/**
 * What an approver submits for a paused action.
 */
export interface ApprovalDecision {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
approval_id: string
verdict: ("approve" | "modify" | "reject")
by: Principal
/**
 * The request hash and revision shown to the approver; they must still be current.
 */
saw: {
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
request_hash: string
revision: string
}
/**
 * Required for modify: the changed parameters.
 */
parameters?: {
[k: string]: unknown
}
comment?: string
}
/**
 * A paused action waiting for, or holding, a human decision. Bound to the exact request (its hash) and to the bundle revision that routed it.
 */
export interface Approval {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
approval_id: string
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
action_id: string
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
request_hash: string
revision: string
route: Route
/**
 * consumed: an execution used it (an approval runs its action once).
 */
status: ("pending" | "approved" | "modified" | "rejected" | "expired" | "consumed")
/**
 * 0 for the routed role, n for the n-th escalation.
 */
level: number
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 */
approver_role: string
requested_by: Principal
initiator?: Principal
/**
 * RFC 3339 time in UTC.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Timestamp".
 */
created_at: string
/**
 * RFC 3339 time in UTC.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Timestamp".
 */
due_at: string
/**
 * RFC 3339 time in UTC.
 */
valid_until?: string
/**
 * For a modified approval: the modified request as the policy decided it again. It runs on this approval only when the policy allows it, or asks for approval by a role the modifier holds.
 */
modification?: {
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
request_hash: string
revision: string
decision_id: string
category: ("auto" | "notify" | "approve")
route?: Route
}
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 */
superseded_by?: string
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 */
supersedes?: string
/**
 * Every decision and escalation, in order.
 */
history: ApprovalEvent[]
}
/**
 * Who must approve an action, how soon, and who is next when the deadline passes.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Route".
 */
export interface Route {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
approver_role: string
sla_minutes: number
/**
 * @maxItems 16
 * 
 * Items: An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
escalation: []|[string]|[string, string]|[string, string, string]|[string, string, string, string]|[string, string, string, string, string]|[string, string, string, string, string, string]|[string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string]
/**
 * How long an approval stays usable once granted (default 1440).
 */
valid_minutes?: number
}
/**
 * This interface was referenced by `Approval`'s JSON-Schema
 * via the `definition` "ApprovalEvent".
 */
export interface ApprovalEvent {
event: ("approve" | "modify" | "reject" | "escalate" | "expire" | "consume")
/**
 * RFC 3339 time in UTC.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Timestamp".
 */
at: string
by?: Principal
/**
 * What the approver was shown: the request hash and revision at the time.
 */
saw?: {
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
request_hash: string
revision: string
}
/**
 * The changed parameters of a modify decision.
 */
parameters?: {
[k: string]: unknown
}
comment?: string
/**
 * The role an escalation moved to.
 */
to_role?: string
}
/**
 * One entry of the append-only audit trail. hash = SHA-256 of the canonical JSON of the record without its hash field; prev_hash chains it to the record before (64 zeros for the first).
 */
export interface AuditRecord {
seq: number
id: string
/**
 * RFC 3339 time in UTC.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Timestamp".
 */
time: string
/**
 * decision: the policy's verdict (denied attempts included); intent: about to execute (written with the approval it consumes); started: the handler is about to be called (an intent without it never ran); outcome: what execution produced; approval: a request, decision, escalation, expiry or use of an approval; notify: the review queue (an entry reviewed); kill_switch and mode: operator settings; principal: a directory change; token: an API token issued or revoked; refusal: a request, decision or command the governor refused (who, what, why).
 */
type: ("decision" | "intent" | "started" | "outcome" | "approval" | "notify" | "kill_switch" | "mode" | "principal" | "refusal" | "token")
/**
 * Groups the records of one action.
 */
action_id?: string
actor?: Principal
initiator?: Principal
request?: ActionRequest
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
request_hash?: string
decision?: {
decision_id: string
/**
 * The policy version: the bundle's content hash.
 */
revision: string
entrypoint: string
mode?: ("enforce" | "shadow")
/**
 * The policy's result as evaluated.
 */
result: unknown
/**
 * Results of non-deterministic built-ins (time.now_ns, random, uuid) fed back on replay.
 */
recorded?: {
[k: string]: unknown
}
}
executed?: {
action: string
parameters: {
[k: string]: unknown
}
}
/**
 * For outcome records.
 */
status?: ("succeeded" | "failed" | "aborted")
/**
 * What the action produced.
 */
output?: unknown
error?: string
rollback?: RollbackRecord
approval?: Approval
/**
 * For the rollback of an action: the action_id undone.
 */
rolls_back?: string
/**
 * Anything else worth keeping, such as a kill switch reason.
 */
details?: {
[k: string]: unknown
}
/**
 * The governance state this record sets: the row `key` of `table` holds exactly `value` from this record on (null: the row is removed). Rows are checked against it at use and by audit verify.
 */
state?: {
table: ("approvals" | "notify_queue" | "settings" | "principals" | "api_tokens")
key: string
/**
 * The row's content, or null when removed.
 */
value: unknown
}
/**
 * For intent and started records: the state document the action changes.
 */
resource?: string
/**
 * For started records: the resource as it was before the handler ran (for recovery).
 */
before?: unknown
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
prev_hash: string
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
hash: string
}
/**
 * How to undo one executed action: JSON-Patch before/after of the state it changed, or, for external effects, what was done to whom and the compensating action to take.
 */
export interface RollbackRecord {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
action_id: string
kind: ("state" | "external" | "none")
/**
 * The key of the state document the action changed.
 */
resource?: string
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
before_hash?: string
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
after_hash?: string
forward?: JsonPatch
inverse?: JsonPatch
external?: {
/**
 * What was done, e.g. message.sent.
 */
effect: string
/**
 * To whom or what.
 */
target: string
/**
 * What was sent.
 */
payload?: unknown
/**
 * The action a human should take instead of an automatic undo.
 */
compensation: string
}
}
/**
 * Definitions shared by the other schemas.
 */
export interface Common {
[k: string]: unknown
}
/**
 * The governance policy's verdict on one action request (entrypoint governance/decision).
 */
export interface Decision {
/**
 * Whether the action may run now, without a human.
 */
allow: boolean
category: ("auto" | "notify" | "approve" | "block")
reasons: string[]
/**
 * The approval route when the category is approve (or the action's route otherwise).
 */
approval?: (Route | null)
/**
 * What must happen alongside the action (for example: review within 24 hours).
 */
obligations?: string[]
}
/**
 * A principal in the deployment's directory: the only source of the roles Warden grants an agent, an approver or an operator. Requests and commands name principals by id; roles they claim are checked against this.
 */
export interface DirectoryEntry {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
id: string
kind: ("user" | "agent" | "operator" | "system")
/**
 * @maxItems 64
 * 
 * Items: An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
roles: string[]
/**
 * A display name.
 */
name?: string
}
/**
 * A paused action, serialisable: hand it to resume() after approval, even after a restart.
 */
export interface Ticket {
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
action_id: string
/**
 * An id chosen by a caller: letters, digits and . _ : @ -, at most 128 characters.
 * 
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Identifier".
 */
approval_id: string
request: ActionRequest
/**
 * This interface was referenced by `Common`'s JSON-Schema
 * via the `definition` "Sha256".
 */
request_hash: string
revision: string
decision_id: string
}
