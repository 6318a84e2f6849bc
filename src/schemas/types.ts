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
/**
 * opens: denied (approve or block) before, allowed (auto or notify) now, the dangerous direction; loosens: a category lower in the matrix; tightens: higher; same_category: the category stays, other fields change; error: either side is not a decision.
 * 
 * This interface was referenced by `PolicyImpact`'s JSON-Schema
 * via the `definition` "ImpactDirection".
 */
export type ImpactDirection = ("opens" | "loosens" | "tightens" | "same_category" | "error")
/**
 * A decision-matrix category.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "Category".
 */
export type Category = ("auto" | "notify" | "approve" | "block")
/**
 * What a human did with an approval; not_asked: shadow mode never asks about a block.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "HumanOutcome".
 */
export type HumanOutcome = ("approved" | "modified" | "rejected" | "expired" | "pending" | "not_asked")

export interface WardenSchemas {
"action-request"?: ActionRequest
"approval-decision"?: ApprovalDecision
approval?: Approval
"audit-record"?: AuditRecord
common?: Common
decision?: Decision
"directory-entry"?: DirectoryEntry
"review-impact"?: PolicyImpact
"review-report"?: ReviewReport
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
 * decision: the policy's verdict (denied attempts included); intent: about to execute (written with the approval it consumes); started: the handler is about to be called (an intent without it never ran; with a resource, it takes the resource's lease until the action's outcome); outcome: what execution produced; approval: a request, decision, escalation, expiry or use of an approval; notify: the review queue (an entry reviewed); kill_switch and mode: operator settings; principal: a directory change; token: an API token issued or revoked; refusal: a request, decision or command the governor refused (who, what, why).
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
table: ("approvals" | "notify_queue" | "settings" | "principals" | "api_tokens" | "rollbacks" | "leases")
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
 * For started records: the governor that runs the handler (recovery refuses to resolve an action whose governor is still alive).
 */
owner?: {
instance: string
host: string
pid: number
}
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
 * What a candidate bundle would decide differently on the recorded traffic (warden report impact --json).
 */
export interface PolicyImpact {
/**
 * The candidate revision replayed.
 */
candidate?: string
/**
 * Decisions replayed.
 */
checked: number
same: number
changed: number
/**
 * Decisions not replayed because their revision could not be loaded.
 */
unreplayed: number
/**
 * Changes per direction.
 */
directions: {
opens: number
loosens: number
tightens: number
same_category: number
error: number
}
/**
 * Changes per (recorded -> candidate) category, opens first.
 */
transitions: ImpactTransition[]
/**
 * Changes per action and transition, opens first.
 */
by_action: ActionImpact[]
/**
 * The changed decisions, in the order of by_action.
 */
records: ImpactRecord[]
}
/**
 * This interface was referenced by `PolicyImpact`'s JSON-Schema
 * via the `definition` "ImpactTransition".
 */
export interface ImpactTransition {
/**
 * The recorded category (or error, (none)).
 */
from: string
/**
 * The candidate's.
 */
to: string
direction: ImpactDirection
count: number
}
/**
 * This interface was referenced by `PolicyImpact`'s JSON-Schema
 * via the `definition` "ActionImpact".
 */
export interface ActionImpact {
action: string
/**
 * The recorded category (or error, (none)).
 */
from: string
/**
 * The candidate's.
 */
to: string
direction: ImpactDirection
count: number
/**
 * The seqs of the decisions that change.
 */
seqs: number[]
}
/**
 * This interface was referenced by `PolicyImpact`'s JSON-Schema
 * via the `definition` "ImpactRecord".
 */
export interface ImpactRecord {
seq: number
action_id?: string
action: string
from: string
to: string
direction: ImpactDirection
/**
 * Result paths that differ.
 */
paths: string[]
}
/**
 * The monthly governance review of an audit trail window (warden review --json).
 */
export interface ReviewReport {
version: 2
/**
 * Records stamped at or after this time (absent: from the start).
 */
since?: string
/**
 * Records stamped before this time (absent: to the end).
 */
until?: string
/**
 * Records read in the window.
 */
records: number
/**
 * Decisions among them.
 */
decisions: number
categories: CategoryCounts
/**
 * Decisions by the governor's mode (those recorded before modes existed count as enforce).
 */
modes: {
enforce: number
shadow: number
}
/**
 * Decisions per UTC day and category.
 */
timeline: {
/**
 * YYYY-MM-DD (UTC).
 */
day: string
auto: number
notify: number
approve: number
block: number
}[]
by_agent: {
agent: string
total: number
auto: number
notify: number
approve: number
block: number
}[]
by_action: {
action: string
total: number
auto: number
notify: number
approve: number
block: number
}[]
approvals: ApprovalFigures[]
/**
 * Approve-actions approved every time: candidates for notify.
 */
notify_candidates: {
action: string
approved: number
}[]
/**
 * Per blocked action: requests blocked (each counted once), and the reasons given (a request may give several).
 */
blocked: {
action: string
requests: number
reasons: {
reason: string
count: number
}[]
}[]
/**
 * Blocked actions requested at least `often` times: candidates for governed access (a grant plus approval), or a misbehaving agent.
 */
governed_access_candidates: {
action: string
requests: number
}[]
often: number
/**
 * Notify actions: queued, reviewed on time (within 24 h), late, never (unreviewed past due at the window's end), not yet due.
 */
notify_review: {
action: string
queued: number
on_time: number
late: number
never: number
not_due: number
max_late_minutes: number
}[]
/**
 * Per executed action and the category it ran as: succeeded, later rolled back, failed or aborted.
 */
executed: {
action: string
category: string
executed: number
rolled_back: number
failed: number
}[]
/**
 * Auto actions that were rolled back: candidates for approval.
 */
approval_candidates: {
action: string
executed: number
rolled_back: number
}[]
kill_switch: {
/**
 * An RFC 3339 time (UTC).
 */
time: string
on: boolean
by: string
reason?: string
aborted?: number
}[]
/**
 * Per agent and revision: decisions, first and last use.
 */
revisions: {
agent: string
revision: string
decisions: number
/**
 * An RFC 3339 time (UTC).
 */
first: string
/**
 * An RFC 3339 time (UTC).
 */
last: string
/**
 * Another revision was in use at the same time.
 */
drift: boolean
}[]
/**
 * Per UTC day and agent: decisions under each revision.
 */
revision_days: {
day: string
agent: string
revision: string
decisions: number
}[]
/**
 * Two agents on different revisions at the same time.
 */
drift: {
/**
 * An RFC 3339 time (UTC).
 */
from: string
/**
 * An RFC 3339 time (UTC).
 */
to: string
a: {
agent: string
revision: string
}
b: {
agent: string
revision: string
}
}[]
/**
 * The newest published revision in the bundle store when given, else the newest decision's.
 */
current_revision?: string
/**
 * Agents whose newest decision used another revision than the current one.
 */
behind: {
agent: string
revision: string
/**
 * An RFC 3339 time (UTC).
 */
last: string
}[]
calibration: Calibration
least_privilege?: LeastPrivilege
}
/**
 * Decisions per category.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "CategoryCounts".
 */
export interface CategoryCounts {
auto: number
notify: number
approve: number
block: number
}
/**
 * Enforce-mode approvals of one action: how the humans decided (the last decision of each approval), how fast, and escalations.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "ApprovalFigures".
 */
export interface ApprovalFigures {
action: string
requested: number
approved: number
modified: number
rejected: number
expired: number
pending: number
/**
 * Shares of requested, rounded to 4 decimals.
 */
shares: {
approved: number
modified: number
rejected: number
expired: number
}
/**
 * Approved every time: at least once, never modified, rejected or expired.
 */
always_granted: boolean
/**
 * The SLA of the first level (minutes; the largest if routes differed).
 */
sla_minutes: number
/**
 * Approvals a human decided (approve, modify, reject).
 */
decided: number
/**
 * Decided within the first level's SLA.
 */
within_sla: number
/**
 * Decided after it.
 */
over_sla: number
/**
 * Minutes from request to the first human decision: median (0 when none decided).
 */
median_minutes: number
/**
 * And maximum.
 */
max_minutes: number
/**
 * Approvals escalated at least once.
 */
escalated: number
/**
 * Escalation steps in all.
 */
escalations: number
}
/**
 * Shadow-mode decisions: the policy's verdict against the human decision, per action.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "Calibration".
 */
export interface Calibration {
decisions: number
agreed: number
actions: CalibrationAction[]
suggestions: MatrixSuggestion[]
}
/**
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "CalibrationAction".
 */
export interface CalibrationAction {
action: string
decisions: number
/**
 * Policy verdict -> human outcome -> count, every cell present.
 */
table: {
auto: ConfusionRow
notify: ConfusionRow
approve: ConfusionRow
block: ConfusionRow
}
/**
 * Policy and humans agreed: the policy allowed (auto, notify) and they approved; it asked (approve) and they approved or modified; or it blocked.
 */
agreed: number
suggestions: MatrixSuggestion[]
}
/**
 * Human outcomes for one policy verdict.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "ConfusionRow".
 */
export interface ConfusionRow {
approved: number
modified: number
rejected: number
expired: number
pending: number
not_asked: number
}
/**
 * A change to the decision matrix the shadow calibration suggests: from the category the policy gave (the entry now) to the one suggested.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "MatrixSuggestion".
 */
export interface MatrixSuggestion {
action: string
from: Category
to: Category
why: string
}
/**
 * The role table of a revision against the grants used in the window.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "LeastPrivilege".
 */
export interface LeastPrivilege {
revision: string
roles: RoleReview[]
/**
 * Per agent and the role it acted under.
 */
agents: AgentPermissions[]
/**
 * The role table with the unused grants removed.
 */
proposed_roles: {
[k: string]: {
[k: string]: string[]
}
}
/**
 * The policy's whole data.governance with that role table: a drop-in data.json.
 */
proposed_data: {
/**
 * role -> system -> accesses.
 */
roles?: {
[k: string]: {
[k: string]: string[]
}
}
[k: string]: unknown
}
/**
 * How many grants the proposal removes.
 */
removed: number
}
/**
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "RoleReview".
 */
export interface RoleReview {
role: string
grants: RoleGrant[]
/**
 * Grants no decision in the window used: candidates to remove.
 */
unused: {
system: string
access: string
blocked: number
}[]
/**
 * Grants the role lacks that its agents asked for.
 */
denied: {
system: string
access: string
requests: number
}[]
}
/**
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "RoleGrant".
 */
export interface RoleGrant {
system: string
access: string
/**
 * Decisions it let through (not blocked).
 */
used: number
/**
 * Blocked requests for actions that need it.
 */
blocked: number
/**
 * The actions of the inventory that need this grant.
 */
actions: string[]
/**
 * Those among them requested in the window.
 */
requested_actions: string[]
}
/**
 * One agent under one role: the decisions it was given, and which of its role's grants (system:access) those used.
 * 
 * This interface was referenced by `ReviewReport`'s JSON-Schema
 * via the `definition` "AgentPermissions".
 */
export interface AgentPermissions {
agent: string
role: string
decisions: number
blocked: number
used: string[]
/**
 * Grants of its role it never used in the window.
 */
unused: string[]
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
