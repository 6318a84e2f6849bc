// `warden mcp-gateway`: the MCP gateway of src/integrations/mcp.ts as a stdio or Streamable HTTP
// server, over the deployment (its governor, bundle and directory). The MCP SDK packages are
// optional peers of warden: they are imported only here, when the command runs, and their absence
// is one line. A configured sealing key is checked before anything is opened.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, type Command } from "../command.ts";
import { GatewaySecretError, MIN_SECRET_BYTES, sealingKey } from "../../integrations/request-state.ts";
import { openEvaluator, openGovernor, type Deployment } from "../../governance/deployment.ts";
import type { JwtConfig } from "../../serve/auth.ts";
import { ServeConfigError, serveSettings } from "../../serve/config.ts";
import type { ActionRequest, Principal } from "../../schemas/types.ts";
import { DEPLOYMENT_HELP, DEPLOYMENT_OPTIONS, checkId, checkStoreExists, deploymentFrom } from "../governance.ts";

const USAGE = `warden mcp-gateway --agent ID [--role R] [--initiator ID] [--tool NAME=ACTION]...
                    (--upstream-url URL | -- COMMAND [ARGS...]) [--upstream-timeout MS]
                    [--listen [HOST:]PORT] [--secret-file PATH] [--json]

An MCP server in front of an upstream MCP server (the COMMAND after --, started over stdio, or a
Streamable HTTP URL), on stdin/stdout, or with --listen over MCP Streamable HTTP. tools/list shows
only the upstream tools the agent's role may ever use (tools mapped to actions of the policy's
inventory: by --tool, by mcp_gateway.tools in warden.yaml, or by having an action's name); every
tools/call is decided by the governor as the configured agent (never as anything the client
sends): auto and notify run upstream (notify is queued for review), block is a tool error with
the policy's reasons, approve answers "wait for approval X" (2026-07-28 clients: input_required
with a requestState to retry with; 2025 clients: a tool error whose _meta["dev.warden/request-state"]
the retry carries back in its _meta). The retry runs upstream once the routed role approved
(warden approvals approve), exactly once. Upstream outputs are audited; upstream errors and
timeouts fail the action.

  --agent ID            the agent the gateway acts as (its roles come from the directory)
  --role R              the role it acts under (default: the directory's first role for it)
  --initiator ID        who the agent acts for (default: the agent itself)
  --tool NAME=ACTION    map an upstream tool to an action of the inventory (repeatable)
  --upstream-url URL    reach the upstream over Streamable HTTP instead of starting a command
  --upstream-timeout MS how long one upstream tools/call may take (default 30000)
  --listen [HOST:]PORT  serve MCP Streamable HTTP at http://HOST:PORT/mcp instead of stdio
                        (HOST 127.0.0.1 unless given; PORT 0: any free one, named on stderr).
                        Every request must carry Authorization: Bearer with a credential of
                        the agent (warden tokens issue AGENT; or a JWT, with serve: jwks_file
                        or jwks_url in warden.yaml): none or a bad one is 401, another
                        principal's is 403, each refusal audited
  --secret-file PATH    the key sealing requestState (see below)
  --json                the startup line on stderr as JSON (stdout carries the MCP protocol)

The sealing key: a paused call's requestState is sealed with it, and only a gateway with the same
key resumes it (after a restart, or on another replica over the same store). From the first of
--secret-file, $WARDEN_MCP_GATEWAY_SECRET, mcp_gateway.secret_file, mcp_gateway.secret: text of at
least 32 bytes, no white space (e.g. openssl rand -base64 48; a file's final line break is
ignored). A malformed one is refused (mcp_secret_invalid, exit 2). None configured: a random key
for the process, said on stderr.

warden.yaml may hold an mcp_gateway: mapping with the same settings: agent, role, initiator,
upstream_command (a list: command and arguments, run in warden.yaml's directory), upstream_url,
upstream_timeout_ms, listen, secret_file (relative to warden.yaml's directory), secret, context
(the request context the policy reads: channel, attributes), and tools: {NAME: ACTION} or
{NAME: {action: ACTION, compensation: TEXT}} for tools whose upstream effect Warden records as
external (writes the policy asks to be recorded need one).

Needs the optional peers @modelcontextprotocol/server and @modelcontextprotocol/client.
Runs until stdin closes (stdio), SIGINT or SIGTERM. Exit 2 for usage and config errors.

${DEPLOYMENT_HELP}`;

const SETTINGS = ["agent", "role", "initiator", "upstream_command", "upstream_url", "upstream_timeout_ms", "context", "tools", "secret_file", "secret", "listen", "config_dir"];

/** The environment variable a sealing key may come from. */
export const SECRET_ENV = "WARDEN_MCP_GATEWAY_SECRET";

interface GatewaySettings {
  agent: string;
  role?: string;
  initiator: Principal;
  upstream: { command: string; args: string[]; cwd?: string } | { url: string };
  timeoutMs: number;
  context?: ActionRequest["context"];
  tools: Record<string, { action: string; effect?: { compensation: string } }>;
  /** The sealing key, checked, and where it came from; undefined: none configured (random). */
  secret?: { key: Uint8Array; source: string };
  /** Serve over Streamable HTTP here instead of stdio. */
  listen?: { host: string; port: number };
}

export const mcpGateway: Command = {
  summary: "an MCP server in front of an upstream MCP server, every tools/call governed",
  usage: USAGE,
  options: {
    ...DEPLOYMENT_OPTIONS,
    agent: { type: "string" },
    role: { type: "string" },
    initiator: { type: "string" },
    tool: { type: "string", multiple: true },
    "upstream-url": { type: "string" },
    "upstream-timeout": { type: "string" },
    "secret-file": { type: "string" },
    listen: { type: "string" },
    json: { type: "boolean" },
  },
  async run(v, positionals) {
    const d = deploymentFrom(v);
    const s = settings(d, v, positionals);
    let mcp: typeof import("../../integrations/mcp.ts");
    try {
      mcp = await import("../../integrations/mcp.ts");
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && /@modelcontextprotocol\//.test((e as Error).message)) {
        throw new Error("mcp-gateway needs the MCP SDK: npm install @modelcontextprotocol/server @modelcontextprotocol/client");
      }
      throw e;
    }
    checkStoreExists(d.store);
    const evaluator = await openEvaluator(d);
    const governor = await openGovernor(d, { evaluator });
    const closers: (() => Promise<unknown>)[] = [() => governor.dispose()];
    const closeAll = async () => {
      for (const c of closers.reverse()) await c().catch(() => undefined);
    };
    try {
      const entry = await governor.store.principal(s.agent);
      if (!entry || entry.kind !== "agent") throw new UsageError(`--agent: ${s.agent} is not an agent of the directory (warden principals add)`);
      const role = s.role ?? entry.roles[0];
      if (!role || !entry.roles.includes(role)) throw new UsageError(`--role: the directory gives ${s.agent} the roles ${entry.roles.join(", ") || "(none)"}, not ${role ?? "any"}`);
      let upstream;
      try {
        upstream = await mcp.connectUpstream(s.upstream);
      } catch (e) {
        throw new Error(`mcp-gateway: cannot reach the upstream MCP server: ${(e as Error).message}`);
      }
      closers.push(() => upstream.close());
      const inventory = (evaluator.bundle.bundle.data as { governance?: import("../../integrations/mcp.ts").ActionInventory }).governance ?? {};
      const gateway = new mcp.McpGateway({
        governor,
        agent: { id: s.agent, role },
        initiator: s.initiator,
        ...(s.context ? { context: s.context } : {}),
        upstream,
        inventory,
        tools: s.tools,
        upstreamTimeoutMs: s.timeoutMs,
        ...(s.secret ? { secret: s.secret.key } : {}),
      });
      const listed = (await gateway.listTools()).map((t) => t.name);
      const http = s.listen ? await gateway.serveHttp({ ...s.listen, authorize: mcp.agentAuthorizer(governor.store, s.agent, jwtOf(d)) }) : undefined;
      if (http) closers.push(() => http.close());
      else {
        const handle = gateway.serveStdio();
        closers.push(() => handle.close());
      }
      const sealing = s.secret?.source ?? "random";
      const warnings = [
        ...(s.secret ? [] : [`no sealing key configured (--secret-file, $${SECRET_ENV}, mcp_gateway.secret_file): a random one for this process, so a call paused here cannot be resumed after a restart or by another gateway`]),
      ];
      const served = http ? http.url : "stdio";
      const line = { agent: s.agent, role, revision: governor.revision, tools: listed, serving: served, sealing_key: sealing, ...(warnings.length ? { warnings } : {}) };
      if (v.json) console.error(JSON.stringify(line));
      else {
        console.error(`warden mcp-gateway: ${s.agent} (${role}) under revision ${governor.revision} on ${served}; tools: ${listed.join(", ") || "(none)"}; sealing key: ${sealing}`);
        for (const w of warnings) console.error(`warden mcp-gateway: ${w}`);
      }
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
        // Over stdio the client closing stdin ends the gateway; over HTTP only a signal does.
        if (!http) {
          process.stdin.once("end", resolve);
          process.stdin.once("close", resolve);
        }
      });
      return 0;
    } finally {
      await closeAll();
    }
  },
};

/** The JWKS the service verifies bearer JWTs with (warden.yaml serve:), for the HTTP listener too. */
function jwtOf(d: Deployment): JwtConfig | undefined {
  try {
    return serveSettings(d.serve ?? {}).jwt;
  } catch (e) {
    if (e instanceof ServeConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** The gateway's settings: flags over the deployment's mcp_gateway mapping, checked. */
function settings(d: Deployment, v: Record<string, unknown>, positionals: string[]): GatewaySettings {
  const c = d.mcp_gateway ?? {};
  for (const k of Object.keys(c)) if (!SETTINGS.includes(k)) throw new UsageError(`mcp_gateway: unknown setting ${JSON.stringify(k)} (settings: ${SETTINGS.slice(0, -1).join(", ")})`);
  const str = (k: string): string | undefined => {
    const x = c[k];
    if (x !== undefined && typeof x !== "string") throw new UsageError(`mcp_gateway.${k}: a string, not ${JSON.stringify(x)}`);
    return x;
  };
  const agent = (v.agent as string | undefined) ?? str("agent");
  if (agent === undefined) throw new UsageError("mcp-gateway: give --agent ID (or mcp_gateway.agent in warden.yaml): the agent the gateway acts as");
  checkId(agent, "--agent");
  const role = (v.role as string | undefined) ?? str("role");
  if (role !== undefined) checkId(role, "--role");
  const initiatorId = (v.initiator as string | undefined) ?? str("initiator");
  if (initiatorId !== undefined) checkId(initiatorId, "--initiator");
  const initiator: Principal = initiatorId === undefined ? { id: agent, kind: "agent" } : { id: initiatorId, kind: "user" };

  const url = (v["upstream-url"] as string | undefined) ?? (positionals.length ? undefined : str("upstream_url"));
  let upstream: GatewaySettings["upstream"];
  if (positionals.length && v["upstream-url"] !== undefined) throw new UsageError("mcp-gateway: give an upstream command after -- or --upstream-url, not both");
  if (url !== undefined) {
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--upstream-url: an http(s) URL, not ${JSON.stringify(url)}`);
    upstream = { url };
  } else if (positionals.length) {
    upstream = { command: positionals[0]!, args: positionals.slice(1) };
  } else {
    const cmd = c.upstream_command;
    if (!Array.isArray(cmd) || !cmd.length || !cmd.every((x) => typeof x === "string")) {
      throw new UsageError("mcp-gateway: no upstream: give -- COMMAND [ARGS...], --upstream-url URL, or mcp_gateway.upstream_command (a list) in warden.yaml");
    }
    upstream = { command: cmd[0] as string, args: cmd.slice(1) as string[], ...(typeof c.config_dir === "string" ? { cwd: c.config_dir } : {}) };
  }

  const timeoutText = (v["upstream-timeout"] as string | undefined) ?? c.upstream_timeout_ms;
  const timeoutMs = timeoutText === undefined ? 30_000 : Number(timeoutText);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--upstream-timeout: a whole number of milliseconds above 0, not ${JSON.stringify(timeoutText)}`);

  const context = c.context;
  if (context !== undefined && (typeof context !== "object" || context === null || Array.isArray(context))) throw new UsageError("mcp_gateway.context: a mapping (channel, attributes)");

  const tools: GatewaySettings["tools"] = {};
  const configured = c.tools ?? {};
  if (typeof configured !== "object" || configured === null || Array.isArray(configured)) throw new UsageError("mcp_gateway.tools: a mapping of tool name to action");
  for (const [name, m] of Object.entries(configured as Record<string, unknown>)) {
    if (typeof m === "string") tools[name] = { action: m };
    else if (m && typeof m === "object" && typeof (m as { action?: unknown }).action === "string") {
      const { action, compensation } = m as { action: string; compensation?: unknown };
      if (compensation !== undefined && typeof compensation !== "string") throw new UsageError(`mcp_gateway.tools.${name}.compensation: a string`);
      tools[name] = { action, ...(compensation !== undefined ? { effect: { compensation } } : {}) };
    } else throw new UsageError(`mcp_gateway.tools.${name}: an action name, or {action, compensation}`);
  }
  for (const t of (v.tool as string[] | undefined) ?? []) {
    const m = /^([^=]+)=([^=]+)$/.exec(t);
    if (!m) throw new UsageError(`--tool: NAME=ACTION, not ${JSON.stringify(t)}`);
    tools[m[1]!] = { action: m[2]! };
  }
  const secret = secretOf(v, c);
  const listenText = (v.listen as string | undefined) ?? str("listen");
  const listen = listenText === undefined ? undefined : listenOf(listenText);
  return { ...(listen ? { listen } : {}), agent, ...(role !== undefined ? { role } : {}), initiator, upstream, timeoutMs, ...(context !== undefined ? { context: context as ActionRequest["context"] } : {}), tools, ...(secret ? { secret } : {}) };
}

/** --listen [HOST:]PORT: host 127.0.0.1 unless given; an IPv6 host in brackets. */
function listenOf(text: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen: [HOST:]PORT (e.g. 127.0.0.1:8808), not ${JSON.stringify(text)}`);
  const host = m[1] ? m[1].replace(/^\[|\]$/g, "") : "127.0.0.1";
  return { host, port };
}

/**
 * The sealing key of requestState, from the first of: --secret-file, $WARDEN_MCP_GATEWAY_SECRET,
 * mcp_gateway.secret_file (relative to warden.yaml's directory), mcp_gateway.secret. A file's one
 * trailing line break is not part of the key. Checked (request-state.ts): a malformed key is a
 * config error (exit 2), never replaced by a random one.
 */
function secretOf(v: Record<string, unknown>, c: Record<string, unknown>): GatewaySettings["secret"] {
  try {
    const fromFile = (path: string, where: string) => {
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (e) {
        throw new GatewaySecretError("mcp_secret_unreadable", `${where} ${path}: cannot be read: ${(e as Error).message}`);
      }
      return { key: sealingKey(text.replace(/\r?\n$/, ""), `${where} ${path}`), source: `${where} ${path}` };
    };
    if (v["secret-file"] !== undefined) return fromFile(v["secret-file"] as string, "--secret-file");
    const env = process.env[SECRET_ENV];
    if (env !== undefined && env !== "") return { key: sealingKey(env, `$${SECRET_ENV}`), source: `$${SECRET_ENV}` };
    if (c.secret_file !== undefined && c.secret !== undefined) throw new UsageError("mcp_gateway: give secret_file or secret, not both");
    if (c.secret_file !== undefined) {
      if (typeof c.secret_file !== "string") throw new UsageError("mcp_gateway.secret_file: a path");
      return fromFile(typeof c.config_dir === "string" ? resolve(c.config_dir, c.secret_file) : c.secret_file, "mcp_gateway.secret_file");
    }
    if (c.secret !== undefined) {
      if (typeof c.secret !== "string") throw new UsageError(`mcp_gateway.secret: a string of at least ${MIN_SECRET_BYTES} bytes`);
      return { key: sealingKey(c.secret, "mcp_gateway.secret"), source: "mcp_gateway.secret" };
    }
    return undefined;
  } catch (e) {
    // A config error: exit 2, the code in the line.
    if (e instanceof GatewaySecretError) throw new UsageError(`mcp-gateway: ${e.message}`);
    throw e;
  }
}
