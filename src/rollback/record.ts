// Building rollback records: JSON-Patch forward/inverse for state an action changed, or a note of
// an external effect (a message sent cannot be unsent) with the compensation a person must make.
import { hashJSON } from "../canonical-json.ts";
import type { RollbackRecord } from "../schemas/types.ts";
import { validate } from "../schemas/validate.ts";
import { applyToCopy, assertPlainJSON, patchBetween } from "./patch.ts";
import { InvalidRollbackRecord } from "./errors.ts";

/**
 * The record of one state change: `forward` turns `before` into `after`, `inverse` turns `after`
 * back into `before`; both hashes over canonical JSON. A resource that did not exist reads as null.
 * Throws TypeError when either document is not plain JSON.
 */
export function captureChange(action_id: string, resource: string, before: unknown, after: unknown): RollbackRecord {
  assertPlainJSON(before);
  assertPlainJSON(after);
  const forward = patchBetween(before, after);
  const inverse = patchBetween(after, before);
  const before_hash = hashJSON(before);
  const after_hash = hashJSON(after);
  // Cheap self-check: a record that would not round-trip is a bug here, better caught now than at rollback.
  if (hashJSON(applyToCopy(before, forward)) !== after_hash || hashJSON(applyToCopy(after, inverse)) !== before_hash) {
    throw new InvalidRollbackRecord(action_id, "the computed patches do not round-trip between before and after");
  }
  return validate("rollback-record", { action_id, kind: "state", resource, before_hash, after_hash, forward, inverse });
}

export interface ExternalEffect {
  /** What was done, e.g. `message.sent`. */
  effect: string;
  /** To whom or what, e.g. `customer-42 <ann@example.com>`. */
  target: string;
  /** What was sent (plain JSON). */
  payload?: unknown;
  /** What a person should do instead of an undo, e.g. `send a correction apologising for the wrong refund amount`. */
  compensation: string;
}

/** The record of an effect outside Warden's state: rolling it back asks for the compensation instead. */
export function externalEffect(action_id: string, e: ExternalEffect): RollbackRecord {
  if (e.payload !== undefined) assertPlainJSON(e.payload);
  const external: NonNullable<RollbackRecord["external"]> = { effect: e.effect, target: e.target, compensation: e.compensation };
  // The schema allows any JSON payload; the generated type narrows it to an object.
  if (e.payload !== undefined) external.payload = structuredClone(e.payload) as typeof external.payload;
  return validate("rollback-record", { action_id, kind: "external", external });
}

/** The record of an action that changed nothing: rolling it back is a no-op. */
export function noEffect(action_id: string): RollbackRecord {
  return validate("rollback-record", { action_id, kind: "none" });
}
