import { existsSync, writeFileSync } from "node:fs";
import { UsageError, type Command } from "../command.ts";
import { CONFIG_FILE } from "../../governance/deployment.ts";

export const init: Command = {
  summary: "write a documented warden.yaml deployment config here",
  usage: `warden init [--config FILE] [--force] [--store URL] [--bundles DIR] [--verification-key FILE]
            [--signing-alg ALG] [--entrypoint E] [--mode enforce|shadow] [--state DIR] [--allow-unsigned] [--json]

Writes ${CONFIG_FILE} (or FILE) in the working directory: every setting of the deployment,
each with what it means, the given flags filled in. The governance commands (approvals,
kill-switch, rollback, recover, principals, replay, notify, review, audit) find it from the
working directory upward, or read the one --config or $WARDEN_CONFIG names; their flags
override it. A service opens the same deployment with resolveDeployment() and openGovernor()
from "warden". Refuses to replace an existing file without --force.`,
  options: {
    config: { type: "string" },
    force: { type: "boolean" },
    store: { type: "string" },
    bundles: { type: "string" },
    "verification-key": { type: "string" },
    "signing-alg": { type: "string" },
    entrypoint: { type: "string" },
    mode: { type: "string" },
    state: { type: "string" },
    "allow-unsigned": { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(v, rest) {
    if (rest.length) throw new UsageError(`init takes no arguments (got ${rest.join(" ")})`);
    const file = (v.config as string | undefined) ?? CONFIG_FILE;
    if (existsSync(file) && v.force !== true) throw new UsageError(`${file} exists: pass --force to replace it`);
    const mode = (v.mode as string | undefined) ?? "enforce";
    if (mode !== "enforce" && mode !== "shadow") throw new UsageError(`--mode: enforce or shadow, not ${JSON.stringify(mode)}`);
    writeFileSync(file, configText(v, mode));
    if (v.json) console.log(JSON.stringify({ config: file }));
    else console.log(`${file}: written; edit it, then \`warden principals add\` to bootstrap the directory`);
    return 0;
  },
};

const q = (s: string) => JSON.stringify(s);

function configText(v: Record<string, unknown>, mode: string): string {
  const opt = (k: string) => v[k] as string | undefined;
  const line = (key: string, value: string | undefined, fallback: string) => (value === undefined ? `# ${key}: ${fallback}` : `${key}: ${q(value)}`);
  return `# Warden deployment config, read by every governance command (from this directory or below)
# and by services through resolveDeployment() / openGovernor() from "warden". Relative paths
# are relative to this file's directory. Command-line flags override each setting.

# The audit trail and governance state (approvals, notify queue, kill switch, directory):
# a SQLite file (path or sqlite:PATH) or a PostgreSQL URL (postgres://user@host/db) shared by
# every instance. Unset: $WARDEN_STORE, else .warden/warden.db.
${line("store", opt("store"), ".warden/warden.db")}

# The bundle store: signed bundles by revision, as \`warden publish --store\` writes them.
${line("bundles", opt("bundles"), "bundles")}

# The bundle revision in force (a content hash). Unset: the latest published in the store.
# revision: 0123abcd...

# The PEM public key (or certificate) every bundle must be signed with, and its algorithm.
${line("verification_key", opt("verification-key"), "keys/bundle-signing.pub.pem")}
${line("algorithm", opt("signing-alg"), "RS256")}

# Load bundles without a signature when no verification_key is set. Development only: every
# load prints a warning. Unset or false: unsigned bundles are refused.
allow_unsigned: ${v["allow-unsigned"] === true ? "true" : "false"}

# The decision entrypoint the governor asks for each action request.
${line("entrypoint", opt("entrypoint"), "governance/decision")}

# enforce: the policy's decision is applied. shadow: a human approves every action the policy
# would not block, and the policy's verdict is recorded for calibration.
mode: ${q(mode)}

# Where the state documents actions change live (before/after records, rollback).
${line("state", opt("state"), ".warden/state")}

# Signed checkpoints of the audit tree, written while a governor or \`warden serve\` runs: the
# log's signer key (warden audit keygen NAME), where to keep them outside the store (a
# directory, and/or a URL each is POSTed to), and how often. A governor whose store no longer
# extends the checkpoint it signed last runs nothing more (store_rewritten).
# checkpoint_key: .warden/keys/example.com-warden-audit.key
# checkpoint_dir: /var/lib/warden-checkpoints
# checkpoint_url: https://witness.example.com/add-checkpoint
# checkpoint_every_records: 1000
# checkpoint_every_seconds: 60

# \`warden mcp-gateway\`: the agent it acts as (roles from the directory), the upstream MCP server
# (a command over stdio, or upstream_url for Streamable HTTP), and tools mapped to actions.
# mcp_gateway:
#   agent: support-bot-1
#   upstream_command: [node, tools-server.mjs]
#   secret_file: /etc/warden/mcp-gateway.key   # seals paused calls; >= 32 bytes, shared by instances
#   listen: 127.0.0.1:8787                     # Streamable HTTP instead of stdio
#   tools:
#     lookup_order: order.lookup
`;
}
