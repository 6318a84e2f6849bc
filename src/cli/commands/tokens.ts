import { UsageError, type Command } from "../command.ts";
import { issueToken, listTokens, revokeToken } from "../../serve/tokens.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkId, openGovernanceStore, principalId, refused, subcommand } from "../governance.ts";

const USAGE = `warden tokens issue|revoke|list [OPTIONS]

API tokens of warden serve, one per principal of the directory and purpose. A token is shown once,
when it is issued; the store keeps only its SHA-256. Issuing and revoking need warden:admin and are
audited. The principal's roles are the directory's at each request, never the token's.

warden tokens issue PRINCIPAL [--label TEXT] [--expires-days N] --by ADMIN [--json]
  Prints the token (wdn_<id>.<secret>) on stdout, once.
warden tokens revoke TOKEN_ID --by ADMIN [--json]
warden tokens list [--json]                  ids, principals, dates; never secrets

Exit 1 when refused (the refusal is audited), 2 for usage errors.

${DEPLOYMENT_HELP}`;

export const tokens: Command = {
  summary: "issue, revoke and list the API tokens of warden serve (stored hashed)",
  usage: USAGE,
  options: { ...DEPLOYMENT_OPTIONS, by: { type: "string" }, label: { type: "string" }, "expires-days": { type: "string" }, json: { type: "boolean" } },
  async run(v, positionals) {
    const [given, ...rest] = positionals;
    const sub = subcommand("tokens", v, given, { issue: ["by", "label", "expires-days", "json"], revoke: ["by", "json"], list: ["json"] });
    if (sub === "list" ? rest.length > 0 : rest.length !== 1) throw new UsageError(sub === "list" ? `tokens list: unexpected argument ${JSON.stringify(rest[0])}` : `tokens ${sub}: give one ${sub === "issue" ? "PRINCIPAL" : "TOKEN_ID"}`);
    const arg = rest[0];
    if (arg !== undefined) checkId(arg, sub === "issue" ? "PRINCIPAL" : "TOKEN_ID");
    let expiresAt: Date | undefined;
    if (v["expires-days"] !== undefined) {
      const d = Number(v["expires-days"]);
      if (!(d > 0)) throw new UsageError("--expires-days: a number of days above 0");
      expiresAt = new Date(Date.now() + d * 86_400_000);
    }
    const by = sub === "list" ? undefined : principalId(v);
    const g = await openGovernanceStore(v);
    try {
      if (sub === "list") {
        const rows = await listTokens(g.state);
        const safe = rows.map(({ sha256: _s, ...r }) => r);
        if (v.json) console.log(JSON.stringify(safe));
        else if (!safe.length) console.log("no tokens: issue one with warden tokens issue PRINCIPAL --by ADMIN");
        else for (const r of safe) console.log(`${r.id}  ${r.principal.padEnd(20)} ${r.revoked_at ? `revoked ${r.revoked_at}` : r.expires_at ? `expires ${r.expires_at}` : "active"}${r.label ? `  ${r.label}` : ""}`);
        return 0;
      }
      try {
        if (sub === "issue") {
          const { token, row } = await issueToken(g.state, arg!, by!, { ...(v.label ? { label: v.label as string } : {}), ...(expiresAt ? { expiresAt } : {}) });
          console.log(v.json ? JSON.stringify({ token, id: row.id, principal: row.principal, ...(row.expires_at ? { expires_at: row.expires_at } : {}) }) : token);
          if (!v.json) console.error(`token ${row.id} for ${row.principal}: shown once; the store keeps only its hash`);
          return 0;
        }
        const row = await revokeToken(g.state, arg!, by!);
        const { sha256: _s, ...safe } = row;
        console.log(v.json ? JSON.stringify(safe) : `token ${row.id} of ${row.principal} revoked`);
        return 0;
      } catch (e) {
        return refused(e);
      }
    } finally {
      await g.close();
    }
  },
};
