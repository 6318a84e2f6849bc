import { UsageError, type Command } from "../command.ts";
import type { AuditLog } from "../../audit/log.ts";
import { GovernanceError } from "../../governance/errors.ts";
import { CompensationRequired, InvalidRollbackRecord, RollbackConflict, renderDifference } from "../../rollback/index.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, openGoverned, principalId, refused } from "../governance.ts";

const USAGE = `warden rollback ACTION_ID [--by ID] [--json]

Undoes an executed action by applying the inverse of its recorded JSON Patch, only if the state
still equals what the action left. The rollback is an audited action of its own.

Exit 0 when rolled back. Exit 1 when:
  - a later change conflicts: the differences between the recorded after-state and the state
    now are printed, and nothing is written;
  - the action had an external effect (a message sent, a payment made): what was done to whom,
    and the compensating action a person must take, are printed;
  - no executed action with that id holds a rollback record;
  - the principal is not in the directory or lacks warden:operator / warden:admin (audited).

ACTION_ID may be a unique prefix (at least 4 characters) of an action id.

  --by ID     who rolls back: a principal in the directory (default: the login name)
  --json      print the result as JSON

${DEPLOYMENT_HELP}`;

export const rollback: Command = {
  summary: "undo an executed action (only over the exact state it left)",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, by: { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    if (positionals.length !== 1) throw new UsageError("rollback: give one ACTION_ID (see warden audit show for action ids)");
    const by = principalId(v);
    const g = await openGoverned(v);
    let action_id = positionals[0]!;
    try {
      action_id = await actionIdFrom(g.audit, action_id);
      const r = await g.governor.rollback(action_id, by);
      if (v.json) console.log(JSON.stringify({ action_id, rollback_action_id: r.action_id, by, restored: r.restored ?? null }));
      else {
        console.log(`rolled back action ${action_id} (rollback action ${r.action_id}, by ${by})`);
        console.log(`restored: ${clip(JSON.stringify(r.restored))}`);
      }
      return 0;
    } catch (e) {
      if (e instanceof RollbackConflict) {
        console.error(`conflict: cannot roll back action ${action_id}${e.resource ? ` on ${e.resource}` : ""}: the state changed since it ran`);
        for (const d of e.differences) console.error(`  ${renderDifference(d)}`);
        if (e.differences.length === 0) console.error(`  ${e.message.split("\n").pop()!.replace(/^.*: the values/, "the values")}`);
        console.error("nothing was written; undo the later change first, or compensate by hand");
        return 1;
      }
      if (e instanceof CompensationRequired) {
        console.error(`cannot undo action ${action_id} automatically: ${e.effect} to ${e.target}`);
        console.error(`compensating action for a person to take: ${e.compensation}`);
        return 1;
      }
      if (e instanceof InvalidRollbackRecord) {
        console.error(`warden: rollback: ${e.message}`);
        return 1;
      }
      return refused(e);
    } finally {
      await g.close();
    }
  },
};

/** An action id from a full id or a unique prefix of one (at least 4 characters). */
async function actionIdFrom(audit: AuditLog, key: string): Promise<string> {
  if (key.length >= 36 || key.length < 4) return key;
  const found = new Set<string>();
  for await (const r of audit.list({ type: "outcome" })) if (r.action_id?.startsWith(key)) found.add(r.action_id);
  if (found.size > 1) throw new GovernanceError(`${JSON.stringify(key)} names ${found.size} actions: give more of the id`);
  return found.size === 1 ? [...found][0]! : key;
}

function clip(s: string | undefined): string {
  if (s === undefined) return "(nothing)";
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}
