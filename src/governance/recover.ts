// Recovery: actions whose intent is on the chain and whose outcome is not, such as after a crash.
// The started mark says which could have run: with it the handler may have run wholly, partly or
// not at all, and the resource's state before is on the mark; without it (chains written before
// the mark joined the intent's transaction) the handler was never called. The governor now writes
// the mark with the intent of every execution and every rollback, so whatever it left incomplete
// may have run.
// The mark also names the governor that runs the handler; while that governor lives (or cannot be
// known dead) its actions are not resolved without the operator's force (liveness.ts).
// An operator resolves each, audited, with an outcome record that says so:
//   completed    it ran: the outcome records the change from the state before to the state now
//                (so it can be rolled back), and a notify action joins the review queue;
//   rolled_back  undo whatever it did: the resource is put back to its state before;
//   failed       it did not take effect (nothing is written to the state).
import { transactPatiently } from "../audit/db.ts";
import type { AuditRecord } from "../schemas/types.ts";
import { captureChange, noEffect, type StateStore } from "../rollback/index.ts";
import { authorize } from "./directory.ts";
import { GovernanceError, GovernanceRefusal } from "./errors.ts";
import { notifyItem } from "./notify.ts";
import { audited } from "./refusals.ts";
import type { GovernanceState, RollbackClaim } from "./state.ts";
import { ownerLiveness, type Liveness } from "./liveness.ts";

export type Resolution = "completed" | "rolled_back" | "failed";

export interface IncompleteAction {
  action_id: string;
  intent: AuditRecord;
  /** The started mark: present when the handler may have run. */
  started?: AuditRecord;
  /** "never_started" (safe to mark failed) or "may_have_run" (look at the resource first). */
  state: "never_started" | "may_have_run";
  /**
   * For one that may have run: whether the governor running it is alive (see liveness.ts). An
   * action of a live governor is still running, or hung in a live process; recovery leaves it be.
   */
  governor?: Liveness;
  resource?: string;
}

/** Every action with an intent and no outcome, oldest first. */
export async function listIncomplete(state: GovernanceState): Promise<IncompleteAction[]> {
  const out: IncompleteAction[] = [];
  for (const intent of await state.audit.incomplete()) {
    let started: AuditRecord | undefined;
    for await (const r of state.audit.list({ action_id: intent.action_id!, type: "started" })) started = r;
    out.push({
      action_id: intent.action_id!,
      intent,
      ...(started ? { started, governor: await ownerLiveness(state.db, started.owner) } : {}),
      state: started ? "may_have_run" : "never_started",
      ...(intent.resource !== undefined ? { resource: intent.resource } : {}),
    });
  }
  return out;
}

/** Resolves one incomplete action as principal `by` (warden:operator or warden:admin). */
export async function resolveIncomplete(
  state: GovernanceState,
  documents: StateStore,
  action_id: string,
  resolution: Resolution,
  by: string,
  opts: { comment?: string; now?: Date; force?: boolean } = {},
): Promise<AuditRecord> {
  return audited(state.audit, { operation: "recover", action_id, actor: { id: by }, details: { resolution } }, async () => {
    const actor = await authorize(state, by, "recover");
    const item = (await listIncomplete(state)).find((i) => i.action_id === action_id);
    if (!item) throw new GovernanceError(`action ${action_id} is not incomplete (it has an outcome, or no intent)`);
    // Resolving a running action would free its resource while it still changes it, and leave it
    // with two outcomes when it ends. Only the operator's force overrides (a handler hung for good).
    if (item.governor !== undefined && item.governor !== "gone" && !opts.force) {
      const o = item.started?.owner;
      const who = o ? `governor ${o.instance} (process ${o.pid} on ${o.host})` : "a governor that recorded no identity (an older version)";
      throw new GovernanceRefusal(
        "governor_alive",
        `action ${action_id} was started by ${who}, which is ${item.governor === "alive" ? "still alive" : "not known to have stopped"}: it may still be running. Resolve only what a crash left; force it only for a handler hung for good`,
      );
    }
    const resource = item.resource;
    const before = item.started?.before ?? null;
    if (resolution === "rolled_back" && resource !== undefined) {
      if (!item.started) throw new GovernanceError(`action ${action_id} never started: mark it failed, there is nothing to roll back`);
      await documents.put(resource, before);
    }
    const rollback = resolution === "completed" && resource !== undefined && item.started ? captureChange(action_id, resource, before, await documents.get(resource)) : noEffect(action_id);
    const category = (item.intent.details as { category?: string } | undefined)?.category;
    const outcome = {
      type: "outcome" as const,
      action_id,
      actor,
      status: resolution === "completed" ? ("succeeded" as const) : ("failed" as const),
      ...(item.intent.executed ? { executed: item.intent.executed } : {}),
      rollback,
      ...(resolution !== "completed" ? { error: `resolved by ${by} after the action was left without an outcome: ${resolution === "rolled_back" ? "its effect was undone" : "it did not take effect"}` } : {}),
      details: {
        recovered: resolution,
        handler_started: item.started !== undefined,
        ...(item.governor !== undefined && item.governor !== "gone" ? { forced: true, governor: item.governor } : {}),
        ...(opts.comment ? { comment: opts.comment } : {}),
      },
    };
    const now = opts.now ?? new Date();
    return transactPatiently(state.db, async (tx) => {
      if (await state.audit.has(tx, action_id, "outcome")) throw new GovernanceError(`action ${action_id} was resolved meanwhile`);
      if (resolution === "completed" && category === "notify") {
        return state.write(tx, "notify_queue", action_id, notifyItem(action_id, item.intent.executed?.action ?? "unknown", now), outcome);
      }
      // An interrupted rollback holds its claim on the action it undoes: kept if it completed,
      // released otherwise (that action can be rolled back again).
      const target = item.intent.rolls_back;
      if (target !== undefined) return state.write(tx, "rollbacks", target, resolution === "completed" ? ({ rollback_id: action_id, status: "done" } satisfies RollbackClaim) : null, outcome);
      const [rec] = await state.audit.appendIn(tx, [outcome]);
      return rec!;
    });
  });
}
