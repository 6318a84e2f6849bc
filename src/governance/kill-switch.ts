// The kill switch as a setting in the governance store: thrown and read with nothing but the
// store (no bundle, no evaluator, no running governor), so an operator can always halt agents.
// Each change is a settings row written with its audit record; a row that disagrees with the
// chain reads as ON (state.ts). Running governors poll it and abort their in-flight actions.
import { authorize } from "./directory.ts";
import { audited } from "./refusals.ts";
import type { GovernanceState, KillSwitch } from "./state.ts";

/** Throws (on) or resets (off) the kill switch as principal `by` (who needs warden:operator or warden:admin). */
export async function setKillSwitch(state: GovernanceState, on: boolean, by: string, opts: { reason?: string; now?: Date; aborted?: number } = {}): Promise<KillSwitch> {
  const k: KillSwitch = { on, by, at: (opts.now ?? new Date()).toISOString(), ...(opts.reason ? { reason: opts.reason } : {}) };
  return audited(state.audit, { operation: "kill_switch", actor: { id: by }, details: { on } }, () =>
    state.transaction(async (tx) => {
      const actor = await authorize(state, by, "kill_switch", tx);
      await state.read(tx, "settings", "kill_switch", { lock: true }).catch(() => undefined); // a tampered row is overwritten
      await state.write(tx, "settings", "kill_switch", k, {
        type: "kill_switch",
        actor,
        details: { on, ...(opts.aborted !== undefined ? { aborted: opts.aborted } : {}), ...(opts.reason ? { reason: opts.reason } : {}) },
      });
      return k;
    }),
  );
}
