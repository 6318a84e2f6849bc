// Planning a rollback: the inverse patch applies only to the exact state the action left. Any later
// change is a conflict, reported with the differences, never overwritten.
import { canonicalJSON, hashJSON } from "../canonical-json.ts";
import type { JsonPatch, RollbackRecord } from "../schemas/types.ts";
import { validate } from "../schemas/validate.ts";
import { CompensationRequired, InvalidRollbackRecord, RollbackConflict, type Difference } from "./errors.ts";
import { applyToCopy, lookup, patchProblem } from "./patch.ts";

export type RollbackPlan =
  | { ok: true; restored: unknown }
  | { ok: false; error: RollbackConflict | CompensationRequired };

/**
 * What undoing `record` would leave, given the resource's `current` state (not modified):
 * - state: the inverse patch applied to a copy of `current`, only when hashJSON(current) equals the
 *   recorded after_hash; otherwise a RollbackConflict listing where the state differs;
 * - external: a CompensationRequired naming the effect, its target and the compensation;
 * - none: `current` unchanged.
 * Throws SchemaError for a record that does not fit schemas/rollback-record.schema.json and
 * InvalidRollbackRecord for one whose patches are malformed or do not lead back to before_hash.
 */
export function planRollback(record: RollbackRecord, current: unknown): RollbackPlan {
  const r = validate("rollback-record", record);
  if (r.kind === "none") return { ok: true, restored: structuredClone(current) };
  if (r.kind === "external") {
    if (!r.external) throw new InvalidRollbackRecord(r.action_id, "kind external without its external effect");
    const { effect, target, compensation } = r.external;
    return { ok: false, error: new CompensationRequired(r.action_id, effect, target, compensation) };
  }
  const { forward, inverse, before_hash, after_hash } = r;
  if (!forward || !inverse || !before_hash || !after_hash) {
    throw new InvalidRollbackRecord(r.action_id, "kind state needs forward, inverse, before_hash and after_hash");
  }
  for (const [name, patch] of [["forward", forward], ["inverse", inverse]] as const) {
    const problem = patchProblem(patch);
    if (problem) throw new InvalidRollbackRecord(r.action_id, `${name} patch: ${problem}`);
  }

  const currentHash = hashJSON(current);
  if (currentHash !== after_hash) {
    const differences = differencesFromRecorded(forward, current);
    const elsewhere = differences.length === 0 ? { recorded_hash: after_hash, current_hash: currentHash } : undefined;
    return { ok: false, error: new RollbackConflict(r.action_id, r.resource, differences, elsewhere) };
  }
  const problem = patchProblem(inverse, current);
  if (problem) throw new InvalidRollbackRecord(r.action_id, `inverse patch does not apply to the after-state: ${problem}`);
  const restored = applyToCopy(current, inverse);
  if (hashJSON(restored) !== before_hash) {
    throw new InvalidRollbackRecord(r.action_id, "the inverse patch does not lead back to the recorded before-state");
  }
  return { ok: true, restored };
}

/**
 * Where `current` differs from what the action left, judged at the paths its forward patch wrote:
 * add/replace left the operation's value there, remove left nothing (compare() removes array
 * elements from the tail, so a removed index stays absent). The record holds no full after-state,
 * so a change elsewhere in the document is reported by hash only.
 */
export function differencesFromRecorded(forward: JsonPatch, current: unknown): Difference[] {
  const recorded = new Map<string, { present: boolean; value?: unknown }>();
  for (const op of forward) {
    if (op.op === "add" || op.op === "replace") recorded.set(op.path, { present: true, value: op.value });
    else if (op.op === "remove") recorded.set(op.path, { present: false });
  }
  const out: Difference[] = [];
  for (const [path, rec] of recorded) {
    const now = lookup(current, path);
    const same = rec.present ? now.present && canonicalJSON(now.value) === canonicalJSON(rec.value) : !now.present;
    if (same) continue;
    const d: Difference = { path };
    if (rec.present) d.recorded = rec.value;
    if (now.present) d.current = now.value;
    out.push(d);
  }
  return out;
}
