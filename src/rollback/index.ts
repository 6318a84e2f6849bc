// Rollback: JSON-Patch records of what an action changed, and undoing them only over the exact
// state the action left. See record.ts (capture), plan.ts (undo), store.ts (where state lives).
import type { RollbackRecord } from "../schemas/types.ts";
import { captureChange } from "./record.ts";
import { planRollback } from "./plan.ts";
import type { StateStore } from "./store.ts";

export { captureChange, externalEffect, noEffect, type ExternalEffect } from "./record.ts";
export { planRollback, differencesFromRecorded, type RollbackPlan } from "./plan.ts";
export { RollbackConflict, CompensationRequired, InvalidRollbackRecord, renderDifference, type Difference } from "./errors.ts";
export { MemoryStateStore, FileStateStore, type StateStore } from "./store.ts";
export { patchBetween } from "./patch.ts";

/**
 * Runs `change` (which writes `resource` through `store`) and records what it did: the state is
 * read before and after. Not isolated: a concurrent writer to the same resource lands in the record.
 */
export async function captureAround<T>(
  store: StateStore,
  action_id: string,
  resource: string,
  change: () => Promise<T>,
): Promise<{ result: T; record: RollbackRecord }> {
  const before = await store.get(resource);
  const result = await change();
  const after = await store.get(resource);
  return { result, record: captureChange(action_id, resource, before, after) };
}

/**
 * Undoes a state record in `store`: reads the resource, plans, writes the restored state, returns
 * it. Throws the plan's RollbackConflict or CompensationRequired when it cannot. Check and write are
 * not atomic: callers serialise writers to one resource (the governor's resource leases).
 */
export async function rollback(store: StateStore, record: RollbackRecord): Promise<unknown> {
  const resource = record.resource;
  if (record.kind === "state" && resource === undefined) throw new TypeError(`rollback record of ${record.action_id} names no resource`);
  const current = record.kind === "state" ? await store.get(resource!) : null;
  const plan = planRollback(record, current);
  if (!plan.ok) throw plan.error;
  if (record.kind === "state") await store.put(resource!, plan.restored);
  return plan.restored;
}
