import { UsageError, type Command } from "../command.ts";
import { AuditLog } from "../../audit/log.ts";
import { GovernanceState, type KillSwitch } from "../../governance/state.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkStoreExists, deploymentFrom, openGoverned, operator, subcommand } from "../governance.ts";

const USAGE = `warden kill-switch on|off|status [--by USER] [--reason TEXT] [--json]

Halts every governed agent action at once. When on, the policy blocks every new action, and every
running service sharing the store aborts its in-flight handlers within its poll interval (the
governor watches the store while actions run). Throwing and resetting it are audited.

warden kill-switch on [--by USER] [--reason TEXT]    throw it
warden kill-switch off [--by USER] [--reason TEXT]   reset it
warden kill-switch status [--json]                   print its state; exit 0 either way

  --by USER      who throws it (default: the login name)
  --reason TEXT  why, kept in the audit trail

${DEPLOYMENT_HELP}`;

export const killSwitch: Command = {
  summary: "halt every governed action now, or reset the halt",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, by: { type: "string" }, reason: { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("kill-switch", v, given, { on: ["by", "reason"], off: ["by", "reason"], status: ["json"] });
    if (rest.length) throw new UsageError(`kill-switch ${sub}: unexpected argument ${JSON.stringify(rest[0])}`);
    if (sub === "status") {
      // Reading the state needs only the store, not the bundle.
      const d = deploymentFrom(v, { needsRevision: false });
      checkStoreExists(d.store);
      const audit = await AuditLog.open(d.store);
      try {
        const k = await (await GovernanceState.open(audit.db)).killSwitch();
        console.log(v.json ? JSON.stringify(k) : describe(k));
      } finally {
        await audit.close();
      }
      return 0;
    }
    const by = operator(v);
    const g = await openGoverned(v);
    try {
      const before = await g.governor.killSwitch();
      const on = sub === "on";
      await g.governor.setKillSwitch(on, by, v.reason as string | undefined);
      const after = await g.governor.killSwitch();
      if (before.on === on) console.log(`the kill switch was already ${on ? "on" : "off"}; recorded again`);
      console.log(describe(after));
      if (on) console.log("new actions are blocked; running services abort their in-flight actions within their poll interval");
      else console.log("actions run again as the policy decides");
      return 0;
    } finally {
      await g.close();
    }
  },
};

function describe(k: KillSwitch): string {
  const who = [k.by ? `by ${k.by}` : "", k.at ? `at ${k.at}` : ""].filter(Boolean).join(" ");
  return `kill switch: ${k.on ? "ON" : "off"}${who ? ` (${who})` : ""}${k.reason ? `: ${k.reason}` : ""}`;
}
