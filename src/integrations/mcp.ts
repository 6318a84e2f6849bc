// `warden/mcp`: an MCP gateway. A server (built on the MCP TypeScript SDK v2,
// `@modelcontextprotocol/server`) in front of an upstream MCP server reached through a connected
// `@modelcontextprotocol/client` Client (stdio, Streamable HTTP, in-memory: whatever transport it
// was connected with). Every tools/call is a governed action:
//
// - tools/list lists the upstream tools mapped to an action (by `tools`, or by an inventory action
//   of the same name) that the agent's role may ever use (with `inventory`: the action is in the
//   policy's data, granted to the role, not hard-blocked). A call to any other tool is decided like
//   every call (the policy blocks what it does not know, or the schema refuses the name; audited).
// - auto and notify: the governor runs the call upstream and records its result as the outcome.
// - block and every refusal: a tool error (isError) with the policy's reasons; upstream never sees it.
// - approve: on the 2026-07-28 revision, an `input_required` result carrying `requestState` only
//   (the sealed ticket) and, in `_meta`, Warden's approval (id, role, due time). The client calls
//   again later with the same arguments and that `requestState`; the retry resumes the ticket and
//   runs upstream once Warden's approval is granted, exactly once (a further retry is
//   already_executed). While pending, the retry gets the same input_required answer. On 2025-era
//   connections (no input_required) the answer is a tool error whose `_meta` holds the same state
//   under `dev.warden/request-state`, for the client to send back in the retried call's `_meta`.
//
// The requestState is HMAC-sealed by the gateway (it round-trips through the client), and the
// retried call must be the approved one (same tool and arguments, hashed as Warden hashed the
// request); what runs upstream are the parameters of the request Warden granted. Retries refused
// here (a state not sealed by this gateway, other arguments) are audited as refusals. Upstream
// calls are bounded (upstreamTimeoutMs); an upstream error, timeout or closed connection fails the
// action, and a governor that cannot decide answers a refusal: nothing is returned as a result.
// Over Streamable HTTP every request is authorized first (agentAuthorizer: the agent's own API
// token or JWT from the deployment; refusals audited), since whoever passes acts as the agent.
import { randomBytes } from "node:crypto";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  Server,
  createMcpHandler,
  hostHeaderValidationResponse,
  inputRequired,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type CallToolResult,
  type InputRequiredResult,
  type McpHttpHandler,
  type Tool,
} from "@modelcontextprotocol/server";
import { serveStdio, type ServeStdioOptions, type StdioServerHandle } from "@modelcontextprotocol/server/stdio";
import type { ExternalEffect } from "../rollback/index.ts";
import type { Outcome } from "../governance/governor.ts";
import type { GovernanceState } from "../governance/state.ts";
import { Authenticator, Unauthenticated, auditHttpRefusal, type JwtConfig } from "../serve/auth.ts";
import type { Authenticated } from "../serve/tokens.ts";
import type { ActionRequest, Ticket } from "../schemas/types.ts";
import { describeRefusal, outputRecord, refuseRetry, requestHash, toolRequest, type GovernedAgentOptions, type ToolMapping } from "./common.ts";
import { seal, sealingKey, unseal } from "./request-state.ts";

export { GatewaySecretError, MIN_SECRET_BYTES, sealingKey } from "./request-state.ts";
export type { JwtConfig } from "../serve/auth.ts";

/** The `_meta` key of a 2025-era retry's sealed state, and of Warden's approval on a paused answer. */
export const REQUEST_STATE_META = "dev.warden/request-state";
export const APPROVAL_META = "dev.warden/approval";

export interface McpToolMapping extends Omit<ToolMapping, "parameters" | "resource"> {
  /** The upstream call changes something outside Warden: who it affects and how a person undoes it. */
  effect?: { target?: (args: Record<string, unknown>) => string; compensation: string };
}

/** The part of the policy's data.governance the listing reads: the action inventory, the roles' grants, the hard block list. */
export interface ActionInventory {
  actions?: Record<string, { system?: string; access?: string }>;
  roles?: Record<string, Record<string, string[]>>;
  blocked?: string[];
}

export interface McpGatewayOptions extends Omit<GovernedAgentOptions, "tools" | "tickets"> {
  /** A connected client of the upstream MCP server. */
  upstream: Client;
  /** Upstream tool name → its action in the policy's inventory. With an inventory, a tool named as an action maps to it. */
  tools?: Record<string, McpToolMapping>;
  /**
   * The policy's data.governance: tools/list then shows only the tools whose action the agent's
   * role may ever use (in the inventory, granted to the role, not hard-blocked). Without it, every
   * mapped tool is listed. Either way every call is decided by the governor.
   */
  inventory?: ActionInventory;
  /** How long an upstream tools/call may take before the action fails (ms, default 30000). */
  upstreamTimeoutMs?: number;
  /**
   * The key sealing requestState: at least 32 bytes (text: no white space or control characters).
   * Gateways given the same key resume each other's paused calls (a restart, several replicas over
   * one store). Default: random, so a paused call can be resumed only by this gateway instance.
   */
  secret?: Uint8Array | string;
  /** The gateway's MCP implementation name (default warden-mcp-gateway). */
  name?: string;
}

/** What the gateway answers a tools/call: the tool's result, or (2026-07-28 clients) input required. */
export type Answer = CallToolResult | InputRequiredResult;

/** Where the upstream MCP server is: a command the gateway starts (stdio), or a Streamable HTTP endpoint. */
export type UpstreamSpec = { command: string; args?: string[]; cwd?: string } | { url: string };

/**
 * A client connected to the upstream: the command started with its stderr passed through (so its
 * own diagnostics reach the operator), or the URL over Streamable HTTP.
 */
export async function connectUpstream(spec: UpstreamSpec, name = "warden-mcp-gateway"): Promise<Client> {
  const client = new Client({ name, version: "0.1.0" });
  const transport =
    "url" in spec
      ? new StreamableHTTPClientTransport(new URL(spec.url))
      : new StdioClientTransport({ command: spec.command, args: spec.args ?? [], ...(spec.cwd ? { cwd: spec.cwd } : {}), stderr: "inherit" });
  await client.connect(transport);
  return client;
}

export class McpGateway {
  private readonly secret: Uint8Array;
  /** Whether the sealing key was given (false: random, for this instance only). */
  readonly keyed: boolean;

  constructor(private readonly opts: McpGatewayOptions) {
    this.keyed = opts.secret !== undefined;
    this.secret = opts.secret === undefined ? randomBytes(32) : sealingKey(opts.secret);
  }

  /** A fresh server instance fronting the upstream (a factory for serveStdio or createMcpHandler). */
  server(): Server {
    const server = new Server({ name: this.opts.name ?? "warden-mcp-gateway", version: "0.1.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler("tools/list", async () => ({ tools: await this.listTools() }));
    server.setRequestHandler("tools/call", async (request, ctx) => {
      const p = request.params;
      const modern = ctx.mcpReq.envelope !== undefined;
      const state = modern ? ctx.mcpReq.requestState<string>() : (ctx.mcpReq._meta as Record<string, unknown> | undefined)?.[REQUEST_STATE_META];
      return this.callTool(p.name, (p.arguments ?? {}) as Record<string, unknown>, { modern, ...(typeof state === "string" ? { state } : {}) });
    });
    return server;
  }

  /** Serves the gateway over stdio (or the transport given), both protocol eras. */
  serveStdio(options?: ServeStdioOptions): StdioServerHandle {
    return serveStdio(() => this.server(), options);
  }

  /**
   * Serves the gateway over MCP Streamable HTTP at http://host:port/mcp (default 127.0.0.1, port 0:
   * any free one), both protocol eras (the SDK's createMcpHandler: 2026-07-28 per request, 2025
   * stateless). Every request acts as the configured agent, so every request must pass `authorize`
   * first (agentAuthorizer: a credential of that agent from the deployment's directory; a gateway
   * behind a proxy that authenticates may pass its own). Nothing else of the request names who
   * acts. On a loopback address, requests whose Host or Origin is not a localhost name are refused
   * (DNS rebinding).
   */
  async serveHttp(o: { authorize: HttpAuthorizer; host?: string; port?: number; path?: string; requestTimeoutMs?: number }): Promise<HttpServerHandle> {
    const host = o.host ?? "127.0.0.1";
    const path = o.path ?? "/mcp";
    const handler = createMcpHandler(() => this.server(), { onerror: () => undefined });
    const loopback = isLoopback(host);
    // A client must send its whole request (headers and up to 4 MiB of body) within the timeout
    // (default 30 s; Node's own is 5 minutes): a slow or stalled sender does not hold a connection.
    const requestTimeout = o.requestTimeoutMs ?? 30_000;
    const timeouts = { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(requestTimeout / 4))) };
    const http = createServer(timeouts, (req, res) => {
      serveFetch(handler, { path, loopback, authorize: o.authorize }, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(o.port ?? 0, host, () => (http.off("error", reject), resolve()));
    });
    const address = http.address() as { address: string; port: number };
    const shown = address.address.includes(":") ? `[${address.address}]` : address.address;
    return {
      url: `http://${shown}:${address.port}${path}`,
      port: address.port,
      loopback,
      close: async () => {
        await handler.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      },
    };
  }

  /** The upstream tools the inventory maps, as the upstream describes them. */
  async listTools(): Promise<Tool[]> {
    const out: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.opts.upstream.listTools(cursor ? { cursor } : {});
      for (const t of page.tools) if (this.usable(t.name)) out.push(t);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** The tool's mapping: the configured one, else the inventory's action of the same name; undefined for an unknown tool. */
  mapping(name: string): McpToolMapping | undefined {
    const tools = this.opts.tools ?? {};
    if (Object.hasOwn(tools, name)) return tools[name];
    return this.opts.inventory?.actions && Object.hasOwn(this.opts.inventory.actions, name) ? { action: name } : undefined;
  }

  /** Whether tools/list shows the tool: mapped, and (with an inventory) an action the agent's role may ever be allowed. */
  usable(name: string): boolean {
    const m = this.mapping(name);
    if (!m) return false;
    const inv = this.opts.inventory;
    if (!inv) return true;
    const action = m.action ?? name;
    const a = inv.actions && Object.hasOwn(inv.actions, action) ? inv.actions[action] : undefined;
    if (!a || inv.blocked?.includes(action)) return false;
    const grants = inv.roles?.[this.opts.agent.role]?.[a.system ?? ""] ?? [];
    return grants.includes(a.access ?? "");
  }

  /**
   * One governed tools/call. `state` is the requestState of a retry; `modern` says whether the
   * client speaks 2026-07-28 (input_required) or an earlier revision (a tool error with the state).
   */
  async callTool(name: string, args: Record<string, unknown>, o: { state?: string; modern: boolean }): Promise<Answer> {
    // An unknown tool is decided under its own name: the policy blocks actions it does not know,
    // and the refusal is on the chain like every other decision.
    const mapping = this.mapping(name);
    const agent = { ...this.opts, tools: { [name]: { action: mapping?.action ?? name } } };
    const { request, execute } = toolRequest(agent, name, args);
    let upstream: CallToolResult | undefined;
    const handler = async ({ parameters, signal }: { parameters: Record<string, unknown>; signal: AbortSignal }) => {
      // Bounded: a hung upstream fails the action (audited), it does not hold the call open.
      upstream = (await this.opts.upstream.callTool({ name, arguments: parameters }, { signal, timeout: this.opts.upstreamTimeoutMs ?? 30_000 })) as CallToolResult;
      if (upstream.isError) throw new Error(`upstream ${name} failed: ${textOf(upstream)}`);
      const external: ExternalEffect | undefined = mapping?.effect
        ? { effect: request.action, target: mapping.effect.target?.(parameters) ?? name, payload: parameters, compensation: mapping.effect.compensation }
        : undefined;
      const output = outputRecord({ content: upstream.content, ...(upstream.structuredContent ? { structuredContent: upstream.structuredContent } : {}) });
      return { ...(output ? { output } : {}), ...(external ? { external } : {}) };
    };
    const options = { ...execute, ...(mapping?.effect ? { external: true } : {}) };

    let outcome: Outcome;
    try {
      if (o.state !== undefined) {
        const ticket = this.unseal(o.state);
        if (!ticket) return this.refuseRetry(request, `Warden refused ${name}: the request state is not one this gateway issued`, {});
        if (ticket.request_hash !== requestHash(request)) {
          return this.refuseRetry(request, `Warden refused ${name}: the retried call is not the one approval ${ticket.approval_id} is for`, { action_id: ticket.action_id, approval_id: ticket.approval_id });
        }
        outcome = await this.opts.governor.resume(ticket, handler, options);
        if (outcome.status === "pending") return this.paused(name, ticket, outcome.approval.approval_id, outcome.approval.approver_role, outcome.approval.due_at, o.modern, o.state);
      } else {
        outcome = await this.opts.governor.execute(request, handler, options);
        if (outcome.status === "paused") return this.paused(name, outcome.ticket, outcome.approval.approval_id, outcome.approval.approver_role, outcome.approval.due_at, o.modern, this.seal(outcome.ticket));
      }
    } catch (e) {
      // The governor could not decide or record (store, schema, evaluation): nothing ran upstream.
      return refusal(`Warden refused ${request.action}: ${(e as Error).message}`);
    }
    if (outcome.status === "executed") return upstream!;
    if (outcome.status === "failed" && upstream?.isError) return upstream;
    return refusal(describeRefusal(request.action, outcome), { action_id: outcome.action_id, status: outcome.status });
  }

  /** A retry refused before the governor sees it (a state not sealed here, other arguments): audited, then answered. */
  private async refuseRetry(request: ActionRequest, text: string, ids: { action_id?: string; approval_id?: string }): Promise<CallToolResult> {
    await refuseRetry(this.opts.governor, request, text, { operation: "mcp.retry", ...ids, details: { tool_call: true } });
    return refusal(`${text} (input_invalid)`);
  }

  private paused(name: string, ticket: Ticket, approval_id: string, approver_role: string, due_at: string, modern: boolean, state: string): Answer {
    const approval = { approval_id, approver_role, due_at, action_id: ticket.action_id };
    if (modern) return { ...inputRequired({ requestState: state }), _meta: { [APPROVAL_META]: approval } };
    return {
      isError: true,
      content: [{ type: "text", text: `Warden holds ${name} for approval ${approval_id} by ${approver_role} (due ${due_at}). Call ${name} again with the same arguments and _meta["${REQUEST_STATE_META}"] once it is approved.` }],
      _meta: { [APPROVAL_META]: approval, [REQUEST_STATE_META]: state },
    };
  }

  /** The ticket, sealed with this gateway's key (request-state.ts). */
  seal(ticket: Ticket): string {
    return seal(ticket, this.secret);
  }

  /** The ticket a state sealed with this gateway's key holds; undefined for any other. */
  unseal(state: string): Ticket | undefined {
    return unseal(state, this.secret);
  }
}

/** A gateway serving over HTTP: where, and how to stop it. */
export interface HttpServerHandle {
  url: string;
  port: number;
  /** Whether it listens on a loopback address (then Host and Origin must be localhost names). */
  loopback: boolean;
  close(): Promise<void>;
}

/** Whether an HTTP request may act as the gateway's agent: resolves, or rejects with a GatewayAuthRefusal. */
export type HttpAuthorizer = (authorization: string | undefined, request: { method: string; ip?: string }) => Promise<void>;

/** An HTTP caller refused: 401 without a valid credential, 403 with another principal's. */
export class GatewayAuthRefusal extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The deployment's credentials (a Warden API token, or a JWT verified against the configured
 * JWKS; serve/auth.ts) for the agent the gateway acts as: a credential of any other principal is
 * refused, whatever its roles. Every refusal is an audit record.
 */
export function agentAuthorizer(state: GovernanceState, agent: string, jwt?: JwtConfig): HttpAuthorizer {
  const auth = new Authenticator(state, jwt);
  const route = "mcp-gateway";
  return async (authorization, request) => {
    let refusal: GatewayAuthRefusal;
    let principal: Authenticated | undefined;
    try {
      principal = await auth.authenticate(authorization);
      if (principal.id === agent) return;
      refusal = new GatewayAuthRefusal(403, `this gateway acts as ${agent}; the credential is ${principal.id}'s`);
    } catch (e) {
      if (!(e instanceof Unauthenticated)) throw e;
      refusal = new GatewayAuthRefusal(401, e.message);
    }
    const code = refusal.status === 401 ? "unauthenticated" : "not_permitted";
    await auditHttpRefusal(state.audit, { route, method: request.method, code, message: refusal.message, ...(principal ? { principal } : {}), ...(request.ip ? { ip: request.ip } : {}) });
    throw refusal;
  };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** One Node HTTP exchange through the SDK's fetch-shaped handler (the only place Node's req/res meet web Request/Response). */
async function serveFetch(
  handler: McpHttpHandler,
  { path, loopback, authorize }: { path: string; loopback: boolean; authorize: HttpAuthorizer },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://gateway.invalid");
  if (url.pathname !== path) {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: the MCP endpoint is ${path}\n`);
    return;
  }
  // Who calls, before the body is read or anything reaches the MCP server. Any other error (a
  // store that cannot answer, tampered state) falls through to the caller's 500: refused too.
  try {
    await authorize(req.headers.authorization, { method: req.method ?? "GET", ...(req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {}) });
  } catch (e) {
    if (!(e instanceof GatewayAuthRefusal)) throw e;
    const challenge: Record<string, string> = e.status === 401 ? { "www-authenticate": 'Bearer realm="warden-mcp-gateway"' } : {};
    res.writeHead(e.status, { "content-type": "text/plain", ...challenge }).end(`${e.message}\n`);
    return;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      // The SDK's own bound on a POST body (4 MiB): refused before anything is parsed.
      if (size > 4 * 1024 * 1024) {
        res.writeHead(413, { "content-type": "text/plain" }).end("request body too large\n");
        return;
      }
      chunks.push(c);
    }
    body = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
  }
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  const request = new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), { method: req.method ?? "GET", headers, ...(body ? { body } : {}), signal: abort.signal });
  const response =
    (loopback ? (hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins())) : undefined) ??
    (await handler.fetch(request));
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    const had = out[k];
    out[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  });
  res.writeHead(response.status, out);
  if (!response.body) {
    res.end();
    return;
  }
  // Streamed as it comes (an SSE answer); a client that goes away cancels the stream.
  const reader = response.body.getReader();
  res.once("close", () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    res.write(value);
  }
  res.end();
}

function refusal(text: string, meta?: Record<string, unknown>): CallToolResult {
  return { isError: true, content: [{ type: "text", text }], ...(meta ? { _meta: { "dev.warden/outcome": meta } } : {}) };
}

function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join(" ").slice(0, 500);
}
