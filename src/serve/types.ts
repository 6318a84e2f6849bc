// Generated from schemas/serve/*.schema.json by test/serve/gen-types.ts. Do not edit: run `npx tsx test/serve/gen-types.ts`.

export interface ServeSchemas {
"action-proposal"?: ActionProposal
"action-resume"?: ActionResume
"approval-verdict"?: ApprovalVerdict
"authzen-evaluation"?: AuthZENEvaluation
"authzen-evaluations"?: AuthZENEvaluations
"data-query"?: DataQuery
"kill-switch"?: KillSwitchChange
"outcome-report"?: OutcomeReport
review?: Review
}
/**
 * POST /v1/actions: a remote agent's request (checked by the governor against schemas/action-request.schema.json) and the kind of effect it will report when it has run the action.
 */
export interface ActionProposal {
request: {
[k: string]: unknown
}
/**
 * state: the outcome report carries change {resource, before, after}; external: it carries external {effect, target, compensation}; none (default): the action changes nothing (a policy that obliges before/after state refuses it).
 */
effect?: ("none" | "state" | "external")
}
/**
 * POST /v1/actions/{id}/resume: the ticket the 202 answer carried, once its approval is decided.
 */
export interface ActionResume {
ticket: {
[k: string]: unknown
}
effect?: ("none" | "state" | "external")
}
/**
 * POST /v1/approvals/{id}/approve|modify|reject: what the approver saw (the request hash and revision GET /v1/approvals/{id} showed), a comment, and for modify the changed parameters. The approver is the authenticated principal.
 */
export interface ApprovalVerdict {
saw: {
request_hash: string
revision: string
}
comment?: string
parameters?: {
[k: string]: unknown
}
}
/**
 * POST /access/v1/evaluation (AuthZEN Authorization API 1.0): subject, action, resource, context.
 */
export interface AuthZENEvaluation {
subject: Subject
action: Action
resource: Resource
context?: {
[k: string]: unknown
}
[k: string]: unknown
}
/**
 * This interface was referenced by `AuthZENEvaluation`'s JSON-Schema
 * via the `definition` "Subject".
 */
export interface Subject {
type: string
id: string
properties?: {
[k: string]: unknown
}
[k: string]: unknown
}
/**
 * This interface was referenced by `AuthZENEvaluation`'s JSON-Schema
 * via the `definition` "Action".
 */
export interface Action {
name: string
properties?: {
[k: string]: unknown
}
[k: string]: unknown
}
/**
 * This interface was referenced by `AuthZENEvaluation`'s JSON-Schema
 * via the `definition` "Resource".
 */
export interface Resource {
type: string
id: string
properties?: {
[k: string]: unknown
}
[k: string]: unknown
}
/**
 * POST /access/v1/evaluations (AuthZEN 1.0): defaults at the top, one entry per evaluation overriding them, and the evaluation semantics.
 */
export interface AuthZENEvaluations {
subject?: Subject
action?: Action
resource?: Resource
context?: {
[k: string]: unknown
}
/**
 * @maxItems 64
 */
evaluations?: {
subject?: Subject
action?: Action
resource?: Resource
context?: {
[k: string]: unknown
}
[k: string]: unknown
}[]
options?: {
evaluations_semantic?: ("execute_all" | "deny_on_first_deny" | "permit_on_first_permit")
[k: string]: unknown
}
[k: string]: unknown
}
/**
 * POST /v1/data/{path}, as OPA's Data API: the input document.
 */
export interface DataQuery {
input?: unknown
}
export interface KillSwitchChange {
on: boolean
reason?: string
}
/**
 * POST /v1/actions/{id}/outcome: what happened when the agent ran the action itself.
 */
export interface OutcomeReport {
status: ("succeeded" | "failed")
output?: {
[k: string]: unknown
}
error?: string
/**
 * The state document the action changed in the agent's system, before and after (for rollback).
 */
change?: {
resource: string
before: unknown
after: unknown
}
external?: {
effect: string
target: string
payload?: unknown
compensation: string
}
}
/**
 * POST /v1/notify/{action_id}/review and rollback: an optional comment.
 */
export interface Review {
comment?: string
}
