// What the governor refuses, as values a program can branch on. Every refusal the governor makes
// on behalf of a caller is also written to the audit trail (type "refusal"); these are what the
// caller gets back.

/** Something about governance went wrong or was refused; the base of the errors below. */
export class GovernanceError extends Error {
  override name = "GovernanceError";
}

export type RefusalCode =
  /** The request does not fit schemas/action-request.schema.json (or has non-finite numbers). */
  | "input_invalid"
  /** The policy could not be evaluated (an error, a budget exceeded): nothing runs. */
  | "evaluation_failed"
  /** The request's agent is not in the directory, or is not an agent. */
  | "unknown_agent"
  /** The request claims a role its agent does not hold in the directory. */
  | "role_not_held"
  /** The caller authenticated as one agent and sent a request in another's name. */
  | "agent_mismatch"
  /** A person or operator not in the directory. */
  | "unknown_principal"
  /** The principal holds none of the roles the operation needs. */
  | "not_permitted"
  /** The approval was already used by an execution (an approval runs its action once). */
  | "already_executed"
  /** The action was rolled back already, or is being rolled back (an action is rolled back once). */
  | "already_rolled_back"
  /** Another action or rollback is changing the resource (or was left without an outcome: recover it). */
  | "resource_busy"
  /** Recovery was asked to resolve an action whose governor may still be running it. */
  | "governor_alive"
  /** This governor cannot show other processes it is alive (its PostgreSQL lock session is lost): nothing starts. */
  | "liveness_lost"
  /** The kill switch is on. */
  | "kill_switch"
  /** The audit store no longer extends the checkpoint signed last (rewritten, truncated): nothing runs. */
  | "store_rewritten"
  /** The policy obliges something the caller did not provide (e.g. the resource to record). */
  | "obligation_unmet"
  /** A governance row disagrees with the audit trail: it was changed outside Warden. */
  | "tampered_state";

/** A refusal with its code; already audited when the governor throws or returns it. */
export class GovernanceRefusal extends GovernanceError {
  override name = "GovernanceRefusal";
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** A governance row (approval, setting, notify entry, principal) that the audit trail does not vouch for. */
export class TamperedState extends GovernanceRefusal {
  override name = "TamperedState";
  constructor(
    readonly table: string,
    readonly key: string,
    detail: string,
  ) {
    super("tampered_state", `${table} ${key}: ${detail}: the row was changed outside Warden; it is not used (see warden audit verify)`);
  }
}
