// `warden mcp-gateway` as processes over one deployment: the sealing key from the deployment (a
// file named in warden.yaml, the environment), so a call paused in one gateway process resumes in
// the next exactly once and a gateway with another key refuses it; --listen serves Streamable
// HTTP; malformed keys and listen addresses are config errors with their code.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";

const WARDEN = fileURLToPath(new URL("../../bin/warden.mjs", import.meta.url));
const POLICY = fileURLToPath(new URL("../../policy", import.meta.url));
const UPSTREAM = fileURLToPath(new URL("../../examples/mcp-gateway/shop-server.mjs", import.meta.url));
const KEY = "k3y-of-the-deployment-0123456789abcdefABCDEF";
/** The demo's operator (warden:admin): issues the agent's token. */
const OPS = "ops-oncall";

type Result = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };
const text = (r: Result) => r.content.map((c) => c.text ?? "").join(" ");
const warden = (dir: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [WARDEN, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });

let dir: string;
/** The agent's API token (warden tokens issue): the HTTP listener's credential. */
let agentToken: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "warden-mcp-cli-"));
  execFileSync(process.execPath, [WARDEN, "demo", "--policy", POLICY], { cwd: dir, stdio: "ignore" });
  const deployment = JSON.parse(readFileSync(join(dir, ".warden", "deployment.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "gateway.key"), `${KEY}\n`);
  const mcp_gateway = {
    agent: "support-bot-1",
    initiator: "customer-c77",
    upstream_command: [process.execPath, UPSTREAM],
    secret_file: "gateway.key",
    context: { channel: "chat", attributes: { identity_verified: true, customer_tier: "standard" } },
    tools: { lookup_order: "order.lookup", issue_refund: { action: "refund.issue", compensation: "reverse the payment in the billing console" } },
  };
  writeFileSync(join(dir, "warden.yaml"), JSON.stringify({ ...deployment, mcp_gateway }, null, 2));
  agentToken = (JSON.parse(execFileSync(process.execPath, [WARDEN, "tokens", "issue", "support-bot-1", "--by", OPS, "--json"], { cwd: dir, encoding: "utf8" })) as { token: string }).token;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A client of a `warden mcp-gateway` process over stdio; its stderr collected. */
async function stdioGateway(env: Record<string, string> = {}): Promise<{ client: Client; stderr: () => string }> {
  const client = new Client({ name: "agent", version: "1.0.0" });
  const transport = new StdioClientTransport({ command: process.execPath, args: [WARDEN, "mcp-gateway"], cwd: dir, env: { ...(process.env as Record<string, string>), ...env }, stderr: "pipe" });
  let err = "";
  transport.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  await client.connect(transport);
  return { client, stderr: () => err };
}

/** A `warden mcp-gateway --listen 127.0.0.1:0` process, and the URL its startup line names. */
async function httpGateway(): Promise<{ child: ChildProcess; url: string; line: Record<string, unknown> }> {
  const child = spawn(process.execPath, [WARDEN, "mcp-gateway", "--listen", "127.0.0.1:0", "--json"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (b: Buffer) => {
      err += b.toString();
      const first = err.split("\n").find((l) => l.startsWith("{"));
      if (first) resolve(JSON.parse(first) as Record<string, unknown>);
    });
    child.once("exit", (code) => reject(new Error(`mcp-gateway exited ${code}: ${err}`)));
  });
  return { child, url: line.serving as string, line };
}

const refund = { name: "issue_refund", arguments: { order: "A-1002", amount: 750 } };
const retry = (state: string) => ({ ...refund, _meta: { "dev.warden/request-state": state } });

describe("warden mcp-gateway: the sealing key from the deployment", () => {
  it("a call paused in one gateway process resumes in the next (same key, over HTTP) exactly once; another key refuses it", { timeout: 120_000 }, async () => {
    const first = await stdioGateway();
    const held = (await first.client.callTool(refund)) as Result;
    expect(text(held)).toMatch(/Warden holds issue_refund for approval \S+ by support-lead/);
    const { approval_id } = held._meta!["dev.warden/approval"] as { approval_id: string };
    const state = held._meta!["dev.warden/request-state"] as string;
    expect(first.stderr()).toMatch(/sealing key: mcp_gateway\.secret_file \S+gateway\.key/);
    expect(first.stderr()).not.toMatch(/random/);
    await first.client.close(); // the first gateway process ends with its stdin

    expect(warden(dir, ["approvals", "approve", approval_id, "--by", "lena"]).status).toBe(0);

    // Another process, the same key (from the same file), serving Streamable HTTP.
    const second = await httpGateway();
    try {
      expect(second.line).toMatchObject({ agent: "support-bot-1", sealing_key: expect.stringMatching(/gateway\.key$/) });
      expect(second.line.warnings).toBeUndefined();
      expect(second.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      // Without the agent's token the listener refuses (401, audited); with it, the retry runs.
      const bare = await fetch(second.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }) });
      expect(bare.status).toBe(401);
      const c = new Client({ name: "agent", version: "1.0.0" });
      await c.connect(new StreamableHTTPClientTransport(new URL(second.url), { requestInit: { headers: { authorization: `Bearer ${agentToken}` } } }));
      const done = (await c.callTool(retry(state))) as Result;
      expect(done.isError).toBeFalsy();
      expect(done.structuredContent).toEqual({ refunded: 750, order: "A-1002" });
      expect(text((await c.callTool(retry(state))) as Result)).toMatch(/already_executed/);
      const lookup = (await c.callTool({ name: "lookup_order", arguments: { order: "A-1002" } })) as Result;
      expect(lookup.structuredContent).toMatchObject({ order: { total: 900 } });
      await c.close();
    } finally {
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
    }

    // Another key (the environment comes before warden.yaml): the state is not this gateway's.
    const third = await stdioGateway({ WARDEN_MCP_GATEWAY_SECRET: "an0ther-key-of-another-deployment-0123456789" });
    const foreign = (await third.client.callTool(retry(state))) as Result;
    expect(foreign.isError).toBe(true);
    expect(text(foreign)).toMatch(/not one this gateway issued \(input_invalid\)/);
    expect(third.stderr()).toMatch(/sealing key: \$WARDEN_MCP_GATEWAY_SECRET/);
    await third.client.close();

    // On the chain: the refund decided once, run once (one outcome), the foreign retry refused.
    expect(warden(dir, ["audit", "verify"]).status).toBe(0);
    const { action_id } = held._meta!["dev.warden/approval"] as { action_id: string };
    const log = await AuditLog.open(join(dir, ".warden", "warden.db"));
    const mine: { type: string }[] = [];
    for await (const r of log.list()) if (r.action_id === action_id) mine.push(r);
    await log.close();
    expect(mine.filter((r) => r.type === "decision")).toHaveLength(1);
    expect(mine.filter((r) => r.type === "outcome")).toHaveLength(1);
  });

  it("without a key: random, said on stderr", { timeout: 60_000 }, async () => {
    const bare = mkdtempSync(join(tmpdir(), "warden-mcp-cli-bare-"));
    try {
      const config = JSON.parse(readFileSync(join(dir, "warden.yaml"), "utf8")) as { mcp_gateway: Record<string, unknown> } & Record<string, unknown>;
      delete config.mcp_gateway.secret_file;
      for (const k of ["store", "bundles", "verification_key", "state"]) config[k] = join(dir, config[k] as string);
      writeFileSync(join(bare, "warden.yaml"), JSON.stringify(config));
      const env = { ...(process.env as Record<string, string>) };
      delete env.WARDEN_MCP_GATEWAY_SECRET;
      const client = new Client({ name: "agent", version: "1.0.0" });
      const transport = new StdioClientTransport({ command: process.execPath, args: [WARDEN, "mcp-gateway"], cwd: bare, env, stderr: "pipe" });
      let err = "";
      transport.stderr?.on("data", (b: Buffer) => (err += b.toString()));
      await client.connect(transport);
      await client.listTools();
      await client.close();
      expect(err).toMatch(/sealing key: random/);
      expect(err).toMatch(/no sealing key configured .*cannot be resumed after a restart/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("malformed keys and listen addresses: one line with the code, exit 2, before anything is opened", () => {
    const flags = ["mcp-gateway", "--revision", "abc", "--allow-unsigned", "--agent", "support-bot-1"];
    const short = warden(dir, [...flags, "--", "node", "x.mjs"], { WARDEN_MCP_GATEWAY_SECRET: "too-short" });
    expect(short.status).toBe(2);
    expect(short.stderr.trim()).toBe("warden: mcp-gateway: $WARDEN_MCP_GATEWAY_SECRET: 9 byte(s), at least 32 are needed (e.g. openssl rand -base64 48) (mcp_secret_invalid)");
    const spaced = warden(dir, [...flags, "--", "node", "x.mjs"], { WARDEN_MCP_GATEWAY_SECRET: "a key with spaces in it, long enough to pass" });
    expect(spaced.status).toBe(2);
    expect(spaced.stderr.trim()).toMatch(/^warden: mcp-gateway: \$WARDEN_MCP_GATEWAY_SECRET: white space or a control character .*\(mcp_secret_invalid\)$/);
    const missing = warden(dir, [...flags, "--secret-file", join(dir, "nope.key"), "--", "node", "x.mjs"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^warden: mcp-gateway: --secret-file \S+nope\.key: cannot be read: .*\(mcp_secret_unreadable\)$/);
    writeFileSync(join(dir, "two-lines.key"), `${KEY}\n${KEY}\n`);
    const twoLines = warden(dir, [...flags, "--secret-file", join(dir, "two-lines.key"), "--", "node", "x.mjs"]);
    expect(twoLines.status).toBe(2);
    expect(twoLines.stderr).toMatch(/mcp_secret_invalid/);
    const listen = warden(dir, [...flags, "--listen", "localhost:http", "--", "node", "x.mjs"]);
    expect(listen.status).toBe(2);
    expect(listen.stderr.trim()).toBe('warden: --listen: [HOST:]PORT (e.g. 127.0.0.1:8808), not "localhost:http"');
  });
});
