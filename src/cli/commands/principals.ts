import { UsageError, type Command } from "../command.ts";
import { OPERATION_ROLES, putPrincipal, removePrincipal } from "../../governance/directory.ts";
import type { DirectoryEntry } from "../../schemas/types.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkId, openGovernanceStore, principalId, refused, subcommand } from "../governance.ts";

const KINDS = ["user", "agent", "operator", "system"] as const;

const USAGE = `warden principals list|show|add|remove [OPTIONS]

The directory: the principals of this deployment and their roles, the only source of roles
Warden grants. An agent's request must act under a role the directory gives that agent; an
approver decides only with the roles the directory gives them; Warden's own operations need
Warden's roles:
${Object.entries(OPERATION_ROLES).map(([op, roles]) => `  ${op.padEnd(14)} ${roles.join(", ")}`).join("\n")}
Every change is audited. Changes need warden:admin, except the first principal of an empty
directory (the bootstrap), which must itself hold warden:admin.

warden principals list [--json]
warden principals show ID [--json]
warden principals add ID --kind user|agent|operator|system --role ROLE... [--name TEXT] --by ADMIN
  Adds the principal, or replaces its entry (kind and roles) when it exists.
warden principals remove ID --by ADMIN
  The last warden:admin cannot be removed.

Exit 1 when refused (the refusal is audited), 2 for usage errors.

${DEPLOYMENT_HELP}`;

export const principals: Command = {
  summary: "the directory of agents, approvers and operators, and their roles",
  usage: USAGE,
  options: {
    ...DEPLOYMENT_OPTIONS,
    json: { type: "boolean" },
    kind: { type: "string" },
    role: { type: "string", multiple: true },
    name: { type: "string" },
    by: { type: "string" },
  },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("principals", v, given, { list: ["json"], show: ["json"], add: ["kind", "role", "name", "by", "json"], remove: ["by", "json"] });
    if (sub === "list" ? rest.length > 0 : rest.length !== 1) throw new UsageError(sub === "list" ? `principals list: unexpected argument ${JSON.stringify(rest[0])}` : `principals ${sub}: give one principal ID`);
    const id = rest[0];
    if (id !== undefined) checkId(id, "ID");
    let entry: DirectoryEntry | undefined;
    if (sub === "add") {
      const kind = v.kind as string | undefined;
      if (!kind || !(KINDS as readonly string[]).includes(kind)) throw new UsageError(`principals add: --kind must be one of ${KINDS.join(", ")}`);
      const roles = [...new Set((v.role as string[] | undefined) ?? [])];
      for (const r of roles) checkId(r, "--role");
      entry = { id: id!, kind: kind as DirectoryEntry["kind"], roles, ...(v.name !== undefined ? { name: v.name as string } : {}) };
    }
    const by = sub === "add" || sub === "remove" ? principalId(v) : undefined;
    const g = await openGovernanceStore(v);
    try {
      if (sub === "list") {
        const all = await g.state.principals();
        if (v.json) for (const p of all) console.log(JSON.stringify(p));
        else if (all.length === 0) console.log("the directory is empty: add its first admin with warden principals add ID --kind user --role warden:admin");
        else for (const p of all) console.log([p.id.padEnd(24), p.kind.padEnd(9), p.roles.join(", ") || "(no roles)", p.name ? `  ${p.name}` : ""].join("  ").trimEnd());
        return 0;
      }
      if (sub === "show") {
        const p = await g.state.principal(id!);
        if (!p) {
          console.error(`warden: principals show: ${id} is not in the directory`);
          return 1;
        }
        console.log(v.json ? JSON.stringify(p) : `${p.id}: ${p.kind}, roles ${p.roles.join(", ") || "(none)"}${p.name ? ` (${p.name})` : ""}`);
        return 0;
      }
      try {
        if (sub === "add") {
          const added = await putPrincipal(g.state, entry, by!);
          console.log(v.json ? JSON.stringify(added) : `${added.id}: ${added.kind}, roles ${added.roles.join(", ") || "(none)"} (by ${by})`);
        } else {
          await removePrincipal(g.state, id!, by!);
          console.log(v.json ? JSON.stringify({ removed: id, by }) : `removed ${id} from the directory (by ${by})`);
        }
        return 0;
      } catch (e) {
        return refused(e);
      }
    } finally {
      await g.close();
    }
  },
};
