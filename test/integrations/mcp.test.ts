// The MCP gateway with the MCP SDK v2: the SDK's client talks to the gateway (in-memory
// transport, both protocol eras); the gateway talks to a real upstream MCP server over stdio.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_META, McpGateway, REQUEST_STATE_META, agentAuthorizer, type ActionInventory } from "../../src/integrations/mcp.ts";
import { issueToken } from "../../src/serve/tokens.ts";
import { AGENT, CONTEXT, CUSTOMER, categories, expectTrail, records, shop } from "./support.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/shop-mcp-server.mjs", import.meta.url));
const EVERYTHING = fileURLToPath(new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url));

type Result = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown>; resultType?: string; requestState?: string; _meta?: Record<string, unknown> };
/** tools/call with the retry fields of 2026-07-28 (requestState), which the SDK's params type leaves out. */
const call = (c: Client, params: { name: string; arguments: Record<string, unknown>; requestState?: string; _meta?: Record<string, unknown> }, o?: { allowInputRequired?: boolean }) =>
  c.callTool(params as Parameters<Client["callTool"]>[0], o) as unknown as Promise<Result>;
const text = (r: Result) => r.content.map((c) => c.text ?? "").join(" ");

let g: Awaited<ReturnType<typeof shop>>;
let upstream: Client;
let gateway: McpGateway;
const closers: (() => Promise<void>)[] = [];

/** A client of the gateway: on the 2026-07-28 revision (manual input_required) or a 2025-era one. */
async function agentClient(modern: boolean): Promise<Client> {
  const [server, client] = InMemoryTransport.createLinkedPair();
  const handle = gateway.serveStdio({ transport: server });
  const c = new Client({ name: "agent", version: "1.0.0" }, modern ? { versionNegotiation: { mode: { pin: "2026-07-28" } }, inputRequired: { autoFulfill: false } } : {});
  await c.connect(client);
  closers.push(() => c.close(), () => handle.close());
  return c;
}

async function upstreamRuns(): Promise<Record<string, number>> {
  const r = (await upstream.callTool({ name: "calls", arguments: {} })) as Result;
  return (r.structuredContent as { runs: Record<string, number> }).runs;
}

beforeAll(async () => {
  g = await shop();
  upstream = new Client({ name: "warden-gateway", version: "1.0.0" });
  await upstream.connect(new StdioClientTransport({ command: process.execPath, args: [FIXTURE] }));
  closers.push(() => upstream.close());
  const refundEffect = { target: (a: Record<string, unknown>) => `order ${String(a.order)}`, compensation: "reverse the payment in the billing console" };
  gateway = new McpGateway({
    governor: g.gov,
    agent: AGENT,
    initiator: CUSTOMER,
    context: CONTEXT,
    upstream,
    tools: {
      lookup_order: { action: "order.lookup" },
      apply_discount: { action: "discount.apply", effect: refundEffect },
      issue_refund: { action: "refund.issue", effect: refundEffect },
      delete_account: { action: "account.delete" },
    },
  });
});

afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

describe("warden/mcp: a gateway in front of an upstream MCP server", () => {
  it("lists the mapped tools only; auto and notify run upstream; block and unknown tools never reach it", async () => {
    const c = await agentClient(true);
    expect((await c.listTools()).tools.map((t) => t.name).sort()).toEqual(["apply_discount", "delete_account", "issue_refund", "lookup_order"]);

    const lookup = (await c.callTool({ name: "lookup_order", arguments: { order: "A-1001" } })) as Result;
    expect(lookup.isError).toBeFalsy();
    expect(lookup.structuredContent).toEqual({ order: { total: 240, discounts: [], refunded: 0 } });

    const discount = (await c.callTool({ name: "apply_discount", arguments: { order: "A-1001", amount: 20 } })) as Result;
    expect(discount.structuredContent).toMatchObject({ discounted: 20, total: 220 });
    expect((await g.gov.store.notifyQueue({ pendingOnly: true })).map((q) => q.action)).toContain("discount.apply");

    const del = (await c.callTool({ name: "delete_account", arguments: { customer: "customer-c77" } })) as Result;
    expect(del.isError).toBe(true);
    expect(text(del)).toMatch(/Warden blocked account\.delete: /);

    const hidden = (await c.callTool({ name: "calls", arguments: {} })) as Result;
    expect(hidden.isError).toBe(true);
    expect(text(hidden)).toMatch(/Warden blocked calls: .*unknown action calls/);

    const runs = await upstreamRuns();
    expect(runs.delete_account).toBeUndefined();
    expect(runs).toMatchObject({ lookup_order: 1, apply_discount: 1 });
  });

  it("2026-07-28: a 750 refund is input_required until approved, the retry runs it upstream exactly once", async () => {
    const c = await agentClient(true);
    const args = { order: "A-1002", amount: 750 };
    const first = (await c.callTool({ name: "issue_refund", arguments: args }, { allowInputRequired: true })) as unknown as Result;
    expect(first.resultType).toBe("input_required");
    expect(typeof first.requestState).toBe("string");
    const approval = first._meta?.[APPROVAL_META] as { approval_id: string; approver_role: string; action_id: string };
    expect(approval.approver_role).toBe("support-lead");
    const state = first.requestState!;

    // Retried while pending: the same answer, nothing upstream.
    const early = (await call(c, { name: "issue_refund", arguments: args, requestState: state }, { allowInputRequired: true }));
    expect(early.resultType).toBe("input_required");
    // A forged state, and the state with other arguments, are refused.
    const forged = (await call(c, { name: "issue_refund", arguments: args, requestState: state.replace(/.$/, (ch) => (ch === "A" ? "B" : "A")) }));
    expect(text(forged)).toMatch(/not one this gateway issued/);
    const swapped = (await call(c, { name: "issue_refund", arguments: { order: "A-1002", amount: 75 }, requestState: state }));
    expect(text(swapped)).toMatch(/not the one approval/);
    const retries = (await records(g)).filter((r) => r.type === "refusal" && (r.details as { operation?: string }).operation === "mcp.retry");
    expect(retries.map((r) => [(r.details as { code: string }).code, r.action_id ?? null])).toEqual([["input_invalid", null], ["input_invalid", approval.action_id]]);
    expect((await upstreamRuns()).issue_refund).toBeUndefined();

    const a = (await g.gov.store.getApproval(approval.approval_id))!;
    await g.gov.decideApproval({ approval_id: approval.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: a.request_hash, revision: a.revision } });
    const done = (await call(c, { name: "issue_refund", arguments: args, requestState: state }));
    expect(done.isError).toBeFalsy();
    expect(done.structuredContent).toEqual({ refunded: 750, order: "A-1002" });
    const again = (await call(c, { name: "issue_refund", arguments: args, requestState: state }));
    expect(again.isError).toBe(true);
    expect(text(again)).toMatch(/already_executed/);
    expect((await upstreamRuns()).issue_refund).toBe(1);

    const all = await expectTrail(g);
    const refund = all.filter((r) => r.action_id === approval.action_id);
    expect(refund.filter((r) => r.type === "decision")).toHaveLength(1);
    expect(refund.filter((r) => r.type === "outcome").map((r) => r.output)).toEqual([{ content: [{ type: "text", text: JSON.stringify({ refunded: 750, order: "A-1002" }) }], structuredContent: { refunded: 750, order: "A-1002" } }]);
  });

  it("2025-era client: a tool error carries the state, the retry with it in _meta runs once approved", async () => {
    const c = await agentClient(false);
    const args = { order: "A-1001", amount: 600 };
    const first = (await c.callTool({ name: "issue_refund", arguments: args })) as Result;
    expect(first.isError).toBe(true);
    expect(text(first)).toMatch(/approval .* by support-lead/);
    const state = first._meta?.[REQUEST_STATE_META] as string;
    const approval = first._meta?.[APPROVAL_META] as { approval_id: string };
    const a = (await g.gov.store.getApproval(approval.approval_id))!;
    await g.gov.decideApproval({ approval_id: a.approval_id, verdict: "approve", by: { id: "lars" }, saw: { request_hash: a.request_hash, revision: a.revision } });
    const done = (await c.callTool({ name: "issue_refund", arguments: args, _meta: { [REQUEST_STATE_META]: state } })) as Result;
    expect(done.structuredContent).toEqual({ refunded: 600, order: "A-1001" });
    expect((await upstreamRuns()).issue_refund).toBe(2);
    const twice = (await c.callTool({ name: "issue_refund", arguments: args, _meta: { [REQUEST_STATE_META]: state } })) as Result;
    expect(text(twice)).toMatch(/already_executed/);
    // A state another gateway sealed (another key) is foreign here, even for the same request.
    const other = new McpGateway({ governor: g.gov, agent: AGENT, initiator: CUSTOMER, upstream, tools: {} });
    const foreign = await gateway.callTool("issue_refund", args, { modern: false, state: other.seal(gateway.unseal(state)!) });
    expect(text(foreign as Result)).toMatch(/not one this gateway issued/);
    expect((await upstreamRuns()).issue_refund).toBe(2);

    const all = await expectTrail(g);
    expect(categories(all)).toMatchObject({ "order.lookup": ["auto"], "discount.apply": ["notify"], "account.delete": ["block"], calls: ["block"], "refund.issue": ["approve", "approve"] });
  });
});

describe("warden/mcp: the published reference server (@modelcontextprotocol/server-everything) as upstream", () => {
  it("lists only the tools the agent's role may use; an auto call is proxied, notify is queued, block never reaches it", async () => {
    const ref = await shop();
    // The policy's data.governance, as the bundle carries it (policy/governance/data.json).
    const inventory = JSON.parse(readFileSync("policy/governance/data.json", "utf8")) as ActionInventory;
    const everything = new Client({ name: "warden-gateway", version: "1.0.0" });
    await everything.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, "stdio"], stderr: "ignore" }));
    const gw = new McpGateway({
      governor: ref.gov,
      agent: AGENT,
      initiator: CUSTOMER,
      context: CONTEXT,
      upstream: everything,
      inventory,
      // echo reads (auto), get-sum is a notify-category write, get-env is on the hard block list,
      // (a write: the gateway records it as an external effect with its compensation), permissions.change needs an iam grant support-agent does not have.
      tools: { echo: { action: "order.lookup" }, "get-sum": { action: "discount.apply", effect: { compensation: "nothing to undo: the upstream only computes" } }, "get-env": { action: "account.delete" }, "toggle-simulated-logging": { action: "permissions.change" } },
    });
    const [server, client] = InMemoryTransport.createLinkedPair();
    const handle = gw.serveStdio({ transport: server });
    const c = new Client({ name: "agent", version: "1.0.0" });
    await c.connect(client);
    try {
      const listed = (await c.listTools()).tools.map((t) => t.name).sort();
      expect(listed).toEqual(["echo", "get-sum"]);
      const echo = (await c.callTool({ name: "echo", arguments: { message: "hello" } })) as Result;
      expect(echo.isError).toBeFalsy();
      expect(text(echo)).toBe("Echo: hello");
      const sum = (await c.callTool({ name: "get-sum", arguments: { a: 2, b: 3 } })) as Result;
      expect(text(sum)).toMatch(/sum of 2 and 3 is 5/);
      expect((await ref.gov.store.notifyQueue({ pendingOnly: true })).map((q) => q.action)).toEqual(["discount.apply"]);
      const env = (await c.callTool({ name: "get-env", arguments: {} })) as Result;
      expect(env.isError).toBe(true);
      expect(text(env)).toMatch(/Warden blocked account\.delete: .*hard block list/);
      const perms = (await c.callTool({ name: "toggle-simulated-logging", arguments: {} })) as Result;
      expect(text(perms)).toMatch(/role support-agent has no write access to iam/);
      const unknown = (await c.callTool({ name: "get-tiny-image", arguments: {} })) as Result;
      // An unmapped tool is decided under its own name; this one is not even an action name the schema admits.
      expect(unknown.isError).toBe(true);
      expect(text(unknown)).toMatch(/^Warden refused get-tiny-image \(input_invalid\)/);

      const all = await expectTrail(ref);
      expect(categories(all)).toEqual({ "order.lookup": ["auto"], "discount.apply": ["notify"], "account.delete": ["block"], "permissions.change": ["block"] });
      expect(all.some((r) => r.type === "refusal" && (r.details as { code?: string } | undefined)?.code === "input_invalid")).toBe(true);
      const outputs = all.filter((r) => r.type === "outcome").map((r) => r.output);
      expect(outputs).toEqual([{ content: [{ type: "text", text: "Echo: hello" }] }, { content: [{ type: "text", text: "The sum of 2 and 3 is 5." }] }]);
    } finally {
      await c.close();
      await handle.close();
      await everything.close();
    }
  });

  it("fails closed when the upstream is gone: the action fails, audited, nothing is returned as a result", async () => {
    const ref = await shop();
    const everything = new Client({ name: "warden-gateway", version: "1.0.0" });
    await everything.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, "stdio"], stderr: "ignore" }));
    const gw = new McpGateway({ governor: ref.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, upstream: everything, tools: { echo: { action: "order.lookup" } } });
    await everything.close();
    const r = await gw.callTool("echo", { message: "x" }, { modern: false });
    expect((r as Result).isError).toBe(true);
    expect(text(r as Result)).toMatch(/order\.lookup failed/);
    const all = await expectTrail(ref);
    expect(all.filter((x) => x.type === "outcome").map((x) => (x.details as { status?: string } | undefined)?.status ?? x.type)).toHaveLength(1);
  });
});

describe("examples/mcp-gateway: warden mcp-gateway as an operator runs it", () => {
  it("runs: auto, notify, block, an approval granted with warden approvals approve, the retry once", { timeout: 120_000 }, async () => {
    const { execFile } = await import("node:child_process");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [fileURLToPath(new URL("../../examples/mcp-gateway/run.mjs", import.meta.url))], { encoding: "utf8", timeout: 110_000 }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))),
    );
    expect(out).toMatch(/^tools: lookup_order, apply_discount, issue_refund$/m);
    expect(out).toMatch(/^apply_discount A-1001 20: \{"discounted":20,"total":220\}$/m);
    expect(out).toMatch(/^delete_account: refused: Warden blocked account\.delete: .*hard block list/m);
    expect(out).toMatch(/^issue_refund A-1002 750: refused: Warden holds issue_refund for approval \S+ by support-lead/m);
    expect(out).toMatch(/^retried before approval: refused: Warden holds/m);
    expect(out).toMatch(/^retried after approval: \{"refunded":750,"order":"A-1002"\}$/m);
    expect(out).toMatch(/^retried again: refused: .*already_executed/m);
    expect(out).toMatch(/^2026-07-28 issue_refund A-1001 600: input_required \(approval \S+ by support-lead\)$/m);
    expect(out).toMatch(/^2026-07-28 retried with requestState: \{"refunded":600,"order":"A-1001"\}$/m);
    expect(out).toMatch(/^ok: \d+ record\(s\) verified/m);
  });

  it("--help, and one-line usage errors with exit 2", async () => {
    const { spawnSync } = await import("node:child_process");
    const warden = (...args: string[]) => spawnSync(process.execPath, [fileURLToPath(new URL("../../bin/warden.mjs", import.meta.url)), ...args], { encoding: "utf8", timeout: 60_000 });
    const help = warden("mcp-gateway", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--upstream-url URL/);
    const bad = warden("mcp-gateway", "--revision", "abc", "--allow-unsigned", "--upstream-timeout", "soon", "--agent", "support-bot-1", "--", "node", "x.mjs");
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^warden: --upstream-timeout: a whole number of milliseconds above 0, not "soon"$/);
    // Without the optional peers (a resolve hook hides them): one line naming what to install.
    const hide = fileURLToPath(new URL("./fixtures/hide-mcp-sdk.mjs", import.meta.url));
    const absent = spawnSync(process.execPath, [`--import=${hide}`, fileURLToPath(new URL("../../bin/warden.mjs", import.meta.url)), "mcp-gateway", "--revision", "abc", "--allow-unsigned", "--agent", "support-bot-1", "--", "node", "x.mjs"], { encoding: "utf8", timeout: 60_000 });
    expect(absent.status).toBe(1);
    expect(absent.stderr.trim().split("\n")).toHaveLength(1);
    expect(absent.stderr).toMatch(/^warden: mcp-gateway needs the MCP SDK: npm install @modelcontextprotocol\/server @modelcontextprotocol\/client/);
  });
});

describe("warden/mcp: an upstream over Streamable HTTP", () => {
  it("connectUpstream({ url }) reaches the reference server over HTTP; an auto call is proxied and audited", { timeout: 60_000 }, async () => {
    const { spawn } = await import("node:child_process");
    const { createServer } = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [EVERYTHING, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        let err = "";
        child.stderr!.on("data", (b: Buffer) => ((err += b.toString()), /listening on port/.test(err) && resolve()));
        child.once("exit", (code) => reject(new Error(`server-everything exited ${code}: ${err}`)));
      });
      const ref = await shop();
      const { connectUpstream } = await import("../../src/integrations/mcp.ts");
      const upstreamHttp = await connectUpstream({ url: `http://127.0.0.1:${port}/mcp` });
      const gw = new McpGateway({ governor: ref.gov, agent: AGENT, initiator: CUSTOMER, context: CONTEXT, upstream: upstreamHttp, tools: { echo: { action: "order.lookup" } } });
      expect((await gw.listTools()).map((t) => t.name)).toEqual(["echo"]);
      const r = (await gw.callTool("echo", { message: "over http" }, { modern: false })) as Result;
      expect(text(r)).toBe("Echo: over http");
      const all = await expectTrail(ref);
      expect(all.filter((x) => x.type === "outcome").map((x) => x.output)).toEqual([{ content: [{ type: "text", text: "Echo: over http" }] }]);
      await upstreamHttp.close();
    } finally {
      child.kill();
    }
  });
});

describe("warden/mcp: the gateway served over Streamable HTTP", () => {
  /** The gateway over HTTP, each request authorized as the configured agent with the deployment's tokens. */
  const serveHttp = () => gateway.serveHttp({ authorize: agentAuthorizer(g.gov.store, AGENT.id) });
  const token = async (principal: string) => (await issueToken(g.gov.store, principal, "admin")).token;
  const rpc = (url: string, headers: Record<string, string>) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }) });

  it("refuses a request without the agent's credential: none or a wrong one 401, another principal's 403; each audited, nothing reaches upstream", async () => {
    const served = await serveHttp();
    try {
      const approver = await token("lena");
      const agent = await token(AGENT.id);
      const before = (await records(g)).filter((r) => r.type === "refusal").length;
      const cases: [Record<string, string>, number, RegExp][] = [
        [{}, 401, /no credentials/],
        [{ authorization: "Basic c3VwcG9ydC1ib3QtMTp4" }, 401, /not a bearer token/],
        [{ authorization: `Bearer ${agent.slice(0, -2)}xx` }, 401, /unknown or wrong API token/],
        [{ authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdXBwb3J0LWJvdC0xIn0." }, 401, /no JWKS is configured/],
        [{ authorization: `Bearer ${approver}`, "x-warden-agent": AGENT.id }, 403, /acts as support-bot-1; the credential is lena's/],
      ];
      for (const [headers, status, message] of cases) {
        const r = await rpc(served.url, headers);
        expect(r.status, JSON.stringify(headers)).toBe(status);
        expect(await r.text()).toMatch(message);
        if (status === 401) expect(r.headers.get("www-authenticate")).toMatch(/^Bearer /);
      }
      const refusals = (await records(g)).filter((r) => r.type === "refusal").slice(before);
      expect(refusals.map((r) => [r.details?.operation, r.details?.code])).toEqual([
        ...Array(4).fill(["http POST mcp-gateway", "unauthenticated"]),
        ["http POST mcp-gateway", "not_permitted"],
      ]);
      expect(refusals[4]!.actor).toEqual({ id: "lena", kind: "user" });
      const ok = await rpc(served.url, { authorization: `Bearer ${agent}` });
      expect(ok.status).toBe(200);
    } finally {
      await served.close();
    }
  });

  it("the SDK's client over HTTP (both eras): auto runs, block is refused, approve -> the retry runs once; the agent is the configured one", { timeout: 60_000 }, async () => {
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
    const served = await serveHttp();
    closers.push(() => served.close());
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const bearer = `Bearer ${await token(AGENT.id)}`;
    const connect = async (modern: boolean) => {
      const c = new Client({ name: "agent", version: "1.0.0" }, modern ? { versionNegotiation: { mode: { pin: "2026-07-28" } }, inputRequired: { autoFulfill: false } } : {});
      // A header naming another agent changes nothing: the gateway acts as its configured agent.
      await c.connect(new StreamableHTTPClientTransport(new URL(served.url), { requestInit: { headers: { "x-warden-agent": "triage-bot", authorization: bearer } } }));
      closers.push(() => c.close());
      return c;
    };
    const before = (await upstreamRuns()).lookup_order ?? 0;
    for (const modern of [true, false]) {
      const c = await connect(modern);
      expect((await c.listTools()).tools.map((t) => t.name).sort()).toEqual(["apply_discount", "delete_account", "issue_refund", "lookup_order"]);
      const lookup = (await c.callTool({ name: "lookup_order", arguments: { order: "A-1001" } })) as Result;
      expect(lookup.isError).toBeFalsy();
      expect(lookup.structuredContent).toMatchObject({ order: { total: expect.any(Number) } });
      const del = (await c.callTool({ name: "delete_account", arguments: { customer: "customer-c77" } })) as Result;
      expect(del.isError).toBe(true);
      expect(text(del)).toMatch(/Warden blocked account\.delete: /);
    }
    expect((await upstreamRuns()).lookup_order).toBe(before + 2);
    expect((await upstreamRuns()).delete_account).toBeUndefined();

    const c = await connect(true);
    const args = { order: "A-1002", amount: 700 };
    const first = (await call(c, { name: "issue_refund", arguments: args }, { allowInputRequired: true }));
    expect(first.resultType).toBe("input_required");
    const approval = first._meta?.[APPROVAL_META] as { approval_id: string; action_id: string };
    const refunds = (await upstreamRuns()).issue_refund ?? 0;
    const a = (await g.gov.store.getApproval(approval.approval_id))!;
    await g.gov.decideApproval({ approval_id: a.approval_id, verdict: "approve", by: { id: "lena" }, saw: { request_hash: a.request_hash, revision: a.revision } });
    const done = await call(c, { name: "issue_refund", arguments: args, requestState: first.requestState! });
    expect(done.structuredContent).toEqual({ refunded: 700, order: "A-1002" });
    const again = await call(c, { name: "issue_refund", arguments: args, requestState: first.requestState! });
    expect(text(again)).toMatch(/already_executed/);
    expect((await upstreamRuns()).issue_refund).toBe(refunds + 1);

    const all = await expectTrail(g);
    const mine = all.filter((r) => r.type === "decision" && r.request?.agent.id !== AGENT.id);
    expect(mine).toEqual([]);
    expect(all.filter((r) => r.action_id === approval.action_id && r.type === "outcome")).toHaveLength(1);
  });

  it("on a loopback address, a request whose Host is not a localhost name is refused (DNS rebinding)", async () => {
    const served = await gateway.serveHttp({ authorize: async () => undefined });
    try {
      const { request } = await import("node:http");
      const status = await new Promise<number>((resolve, reject) => {
        const r = request(served.url, { method: "POST", headers: { host: "evil.example.com", "content-type": "application/json", accept: "application/json, text/event-stream" } }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        r.once("error", reject);
        r.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }));
      });
      expect(status).toBe(403);
      const missing = await fetch(served.url.replace(/\/mcp$/, "/other"));
      expect(missing.status).toBe(404);
    } finally {
      await served.close();
    }
  });
});
