// What a rollback refuses to do, as values: a conflict (the state moved on since the action), a
// compensation a human must perform (external effects cannot be undone), or a broken record.

/** One path where the recorded after-state and the current state disagree. */
export interface Difference {
  path: string;
  /** The value the action left there; absent when the action left nothing there. */
  recorded?: unknown;
  /** The value there now; absent when nothing is there now. */
  current?: unknown;
}

/** The current state is not the state the action left: undoing it would overwrite a later change. */
export class RollbackConflict extends Error {
  constructor(
    readonly action_id: string,
    readonly resource: string | undefined,
    readonly differences: Difference[],
    /** Set when the paths the action wrote still hold its values but the document changed elsewhere. */
    readonly elsewhere?: { recorded_hash: string; current_hash: string },
  ) {
    super(conflictMessage(action_id, resource, differences, elsewhere));
    this.name = "RollbackConflict";
  }
}

/** The action had an external effect (a message sent, a payment made): a person must compensate. */
export class CompensationRequired extends Error {
  constructor(
    readonly action_id: string,
    readonly effect: string,
    readonly target: string,
    readonly compensation: string,
  ) {
    super(`action ${action_id} cannot be undone automatically: ${effect} to ${target}. Compensating action: ${compensation}`);
    this.name = "CompensationRequired";
  }
}

/** A rollback record whose patches do not fit, apply or lead back to the recorded before-state. */
export class InvalidRollbackRecord extends Error {
  constructor(
    readonly action_id: string,
    detail: string,
  ) {
    super(`rollback record of action ${action_id}: ${detail}`);
    this.name = "InvalidRollbackRecord";
  }
}

/** `replace /balance: 1250 (recorded) -> 1300 (now)`, `remove /note: "x" (recorded) -> absent (now)`. */
export function renderDifference(d: Difference): string {
  const hasRecorded = "recorded" in d;
  const hasCurrent = "current" in d;
  const op = hasRecorded && hasCurrent ? "replace" : hasRecorded ? "remove" : "add";
  return `${op} ${d.path === "" ? "(whole document)" : d.path}: ${show(d.recorded, hasRecorded)} (recorded) -> ${show(d.current, hasCurrent)} (now)`;
}

function show(v: unknown, present: boolean): string {
  if (!present) return "absent";
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function conflictMessage(
  action_id: string,
  resource: string | undefined,
  differences: Difference[],
  elsewhere?: { recorded_hash: string; current_hash: string },
): string {
  const what = `cannot roll back action ${action_id}${resource === undefined ? "" : ` on ${resource}`}: the state changed since`;
  if (differences.length > 0) return `${what}:\n${differences.map((d) => `  ${renderDifference(d)}`).join("\n")}`;
  const h = elsewhere ? ` (after-state ${elsewhere.recorded_hash.slice(0, 12)} recorded, ${elsewhere.current_hash.slice(0, 12)} now)` : "";
  return `${what}: the values the action wrote are still in place, but the document changed elsewhere${h}`;
}
