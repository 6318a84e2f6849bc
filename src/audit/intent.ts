// Intent before, outcome after. An action that changes anything is bracketed by two records with
// the same action_id: an `intent` appended (durably) before the handler runs, and an `outcome`
// (succeeded, failed or aborted) after. If the process dies in between, the intent stays without
// an outcome and AuditLog.incomplete() lists it: a visible incomplete action, never a silent gap.
//
//   const result = await audited(log, { action_id, initiator, request, executed }, (signal) => handler(signal));
//
// or, by hand: recordIntent(...) ... run ... recordOutcome(...).
import type { AuditRecord } from "../schemas/types.ts";
import type { AuditEntry, AuditLog } from "./log.ts";

/** An intent: what is about to be executed (the action_id is required to pair it with its outcome). */
export type IntentEntry = Omit<AuditEntry, "type" | "status" | "output" | "error"> & { action_id: string };

/** What an outcome adds to the intent's action_id. */
export interface OutcomeFields {
  status: NonNullable<AuditRecord["status"]>;
  output?: AuditRecord["output"];
  error?: string;
  rollback?: AuditRecord["rollback"];
  executed?: AuditRecord["executed"];
  actor?: AuditRecord["actor"];
  details?: AuditRecord["details"];
}

export function recordIntent(log: AuditLog, intent: IntentEntry): Promise<AuditRecord> {
  return log.append({ ...intent, type: "intent" });
}

export function recordOutcome(log: AuditLog, action_id: string, outcome: OutcomeFields): Promise<AuditRecord> {
  return log.append({ ...outcome, type: "outcome", action_id });
}

/**
 * Appends the intent, runs `run`, appends the outcome, and returns (or rethrows) what run did.
 * `describe` turns a result into the outcome's fields (default: the result as `output` when it
 * is an object). An error whose name is AbortError is recorded as `aborted`, others as `failed`.
 */
export async function audited<T>(
  log: AuditLog,
  intent: IntentEntry,
  run: () => Promise<T> | T,
  describe: (result: T) => Partial<OutcomeFields> = defaultDescribe,
): Promise<T> {
  await recordIntent(log, intent);
  let result: T;
  try {
    result = await run();
  } catch (e) {
    const err = e as Error;
    await recordOutcome(log, intent.action_id, { status: err?.name === "AbortError" ? "aborted" : "failed", error: String(err?.message ?? e) });
    throw e;
  }
  await recordOutcome(log, intent.action_id, { status: "succeeded", ...describe(result) });
  return result;
}

function defaultDescribe(result: unknown): Partial<OutcomeFields> {
  return result !== null && typeof result === "object" && !Array.isArray(result) ? { output: result as Record<string, unknown> } : {};
}
