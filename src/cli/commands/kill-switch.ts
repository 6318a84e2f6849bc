import { UsageError, type Command } from "../command.ts";
import { setKillSwitch } from "../../governance/kill-switch.ts";
import type { KillSwitch } from "../../governance/state.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, openGovernanceStore, principalId, refused, subcommand } from "../governance.ts";

const USAGE = `warden kill-switch on|off|status [--by ID] [--reason TEXT] [--json]

Halts every governed agent action at once. When on, the policy blocks every new action, approved
actions cannot resume, and every running service sharing the store aborts its in-flight handlers
within its poll interval. It needs only the store: no bundle, key or running service. Throwing and
resetting it are audited, by a principal the directory gives warden:operator or warden:admin.

warden kill-switch on [--by ID] [--reason TEXT]    throw it
warden kill-switch off [--by ID] [--reason TEXT]   reset it
warden kill-switch status [--json]                 print its state; exit 0 either way

  --by ID        who throws it: a principal in the directory (default: the login name)
  --reason TEXT  why, kept in the audit trail

Exit 1 when refused (the principal is unknown or lacks the role; the refusal is audited).

${DEPLOYMENT_HELP}`;

export const killSwitch: Command = {
  summary: "halt every governed action now, or reset the halt",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, by: { type: "string" }, reason: { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("kill-switch", v, given, { on: ["by", "reason", "json"], off: ["by", "reason", "json"], status: ["json"] });
    if (rest.length) throw new UsageError(`kill-switch ${sub}: unexpected argument ${JSON.stringify(rest[0])}`);
    const by = sub === "status" ? undefined : principalId(v);
    const g = await openGovernanceStore(v);
    try {
      if (sub === "status") {
        const k = await g.state.killSwitch();
        console.log(v.json ? JSON.stringify(k) : describe(k));
        return 0;
      }
      const on = sub === "on";
      const before = await g.state.killSwitch();
      let after: KillSwitch;
      try {
        after = await setKillSwitch(g.state, on, by!, v.reason !== undefined ? { reason: v.reason as string } : {});
      } catch (e) {
        return refused(e);
      }
      if (v.json) {
        console.log(JSON.stringify(after));
        return 0;
      }
      if (before.on === on) console.log(`the kill switch was already ${on ? "on" : "off"}; recorded again`);
      console.log(describe(after));
      if (on) console.log("new actions are blocked, approved ones cannot resume; running services abort their in-flight actions within their poll interval");
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
