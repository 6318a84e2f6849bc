// warden serve attacked from outside, with a valid token of one principal: acting as another
// principal, deciding or seeing what is not routed to me, replaying approvals and outcomes,
// credentials that must not work, hostile bodies and query strings, slow and many connections,
// and error paths that must fail closed. Each attack asserts the refusal's status and code, its
// audit record, and that nothing changed.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/index.ts";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { Governor } from "../../src/governance/governor.ts";
import { MemoryStateStore } from "../../src/rollback/index.ts";
import type { AuditRecord } from "../../src/schemas/types.ts";
import { createService } from "../../src/serve/server.ts";
import { issueToken, revokeToken } from "../../src/serve/tokens.ts";
import { DIRECTORY, seedDirectory } from "../governance/fixture.ts";
import { lookup, refund750, serve, type Served } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-serve-redteam-"));
let s: Served;
let key: CryptoKey;
let publicPem: string;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  key = pair.privateKey as CryptoKey;
  publicPem = await exportSPKI(pair.publicKey as CryptoKey);
  writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" }] }));
  s = await serve(`sqlite:${join(dir, "w.db")}`, { jwt: { jwksFile: join(dir, "jwks.json"), issuer: "https://idp.test", audience: "warden" }, maxWaitMs: 5_000 });
});
afterAll(async () => {
  await s.close();
});

async function all(served: Served = s): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of served.audit.list()) out.push(r);
  return out;
}

/** Calls, then finds the refusal records the call added (there must be at least one). */
async function refused(as: string | undefined, method: string, path: string, body?: unknown, served: Served = s) {
  const before = await served.audit.count();
  const res = await served.call(as, method, path, body);
  const added = (await all(served)).slice(before).filter((r) => r.type === "refusal");
  return { ...res, refusals: added.map((r) => (r.details as { code?: string }).code) };
}

/** A raw HTTP exchange (bodies fetch cannot send: invalid UTF-8, partial, odd headers). */
function raw(url: string, head: string, body: Buffer | string = "", o: { waitMs?: number } = {}): Promise<{ status: number; text: string; closed: boolean; ms: number }> {
  const { hostname, port } = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ status: 0, text: data, closed: false, ms: Date.now() - t0 });
    }, o.waitMs ?? 10_000);
    sock.on("data", (b) => (data += b.toString()));
    sock.on("error", reject);
    sock.on("close", () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), text: data.slice(data.indexOf("\r\n\r\n") + 4), closed: true, ms: Date.now() - t0 });
    });
    sock.write(head.replace(/\n/g, "\r\n") + "\r\n");
    sock.write(body);
  });
}
const headFor = (as: string, method: string, path: string, extra: string[] = []) => [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", `Authorization: Bearer ${s.tokens[as]}`, "Connection: close", ...extra, ""].join("\n");

async function paused(order = "A-1001", amount = 750) {
  const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750(order, amount), effect: "state" });
  expect(p.status).toBe(202);
  return { ...p.body, saw: { request_hash: p.body.ticket.request_hash, revision: p.body.ticket.revision } } as { action_id: string; approval_id: string; ticket: { request: unknown }; saw: { request_hash: string; revision: string } };
}

describe("identity: a token acts as its own principal only", () => {
  it("an agent naming another agent (body, case, white space, look-alike Unicode) is refused and audited; headers and query change nothing", async () => {
    for (const id of ["triage-bot", "Support-Bot-1", "support-bot-1 ", " support-bot-1", "support\u2010bot-1", "\u0455upport-bot-1", "support-bot-1\u0000"]) {
      const r = await refused("support-bot-1", "POST", "/v1/actions", { request: { ...lookup(), agent: { id, role: "support-agent" } } });
      // A look-alike the schema admits is another agent (403); one it does not is refused at the door (400).
      expect([id, [400, 403].includes(r.status)]).toEqual([id, true]);
      expect(["agent_mismatch", "input_invalid"]).toContain(r.body.code);
      expect(r.refusals.length).toBeGreaterThan(0);
    }
    // Another agent's token with the first agent's id in a header or the query: still triage-bot, who is not that agent.
    const res = await fetch(`${s.url}/v1/actions?agent=support-bot-1`, { method: "POST", headers: { authorization: `Bearer ${s.tokens["triage-bot"]}`, "content-type": "application/json", "x-warden-agent": "support-bot-1", "x-agent-id": "support-bot-1" }, body: JSON.stringify({ request: lookup() }) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("agent_mismatch");
  });

  it("an agent may not act under a role the directory does not give it (actions, AuthZEN, the Data API)", async () => {
    const asCfo = { ...lookup(), agent: { id: "support-bot-1", role: "cfo" } };
    const a = await refused("support-bot-1", "POST", "/v1/actions", { request: asCfo });
    expect([a.status, a.body.code]).toEqual([403, "role_not_held"]);
    const z = await s.call("support-bot-1", "POST", "/access/v1/evaluation", { subject: { type: "agent", id: "support-bot-1", properties: { role: "triage-agent" } }, action: { name: "order.lookup" }, resource: { type: "order", id: "A-1001" } });
    expect(z.body).toMatchObject({ decision: false, context: { code: "role_not_held" } });
    // The Data API answers for the caller's own id only, and only under a role the directory gives it.
    const d = await refused("support-bot-1", "POST", "/v1/data/governance/decision", { input: { ...refund750(), agent: { id: "support-bot-1", role: "triage-agent" } } });
    expect([d.status, d.body.code]).toEqual([403, "role_not_held"]);
    expect(d.refusals).toEqual(["role_not_held"]);
    const other = await refused("support-bot-1", "POST", "/v1/data/governance/decision", { input: { ...lookup(), agent: { id: "triage-bot", role: "triage-agent" } } });
    expect([other.status, other.body.code]).toEqual([403, "not_permitted"]);
    // A user (not an agent) may not ask for itself either, unless it is a policy enforcement point.
    expect((await s.call("sam", "POST", "/v1/data/governance/decision", { input: { ...lookup(), agent: { id: "sam", role: "support-agent" } } })).status).toBe(403);
    expect((await s.call("pep", "POST", "/v1/data/governance/decision", { input: asCfo })).status).toBe(200);
  });
});

describe("approvals: decided and seen only by the roles they are routed to", () => {
  it("the requesting agent, an approver of another role, and an approver who initiated the request are each refused, audited, nothing decided", async () => {
    const p = await paused();
    const agent = await refused("support-bot-1", "POST", `/v1/approvals/${p.approval_id}/approve`, { saw: p.saw });
    expect([agent.status, agent.body.code, agent.refusals]).toEqual([403, "agent_approver", ["agent_approver"]]);
    const cfo = await refused("carla", "POST", `/v1/approvals/${p.approval_id}/approve`, { saw: p.saw });
    expect([cfo.status, cfo.body.code, cfo.refusals]).toEqual([404, "not_found", ["not_found"]]);
    // sam holds support-agent, the agent's business role, not support-lead.
    expect((await s.call("sam", "POST", `/v1/approvals/${p.approval_id}/approve`, { saw: p.saw })).status).toBe(404);
    // A request whose initiator is lena cannot be approved by lena.
    const own = await s.call("support-bot-1", "POST", "/v1/actions", { request: { ...refund750("A-2001"), initiator: { id: "lena", kind: "user" } } });
    const mine = await refused("lena", "POST", `/v1/approvals/${own.body.approval_id}/approve`, { saw: { request_hash: own.body.ticket.request_hash, revision: own.body.ticket.revision } });
    expect([mine.status, mine.body.code, mine.refusals]).toEqual([403, "self_approval", ["self_approval"]]);
    for (const id of [p.approval_id, own.body.approval_id]) expect((await s.governor.store.getApproval(id))!.status).toBe("pending");
  });

  it("the requesting agent sees its own approval but neither other actions' ids (similar) nor the policy's answers to other parameters (preview)", async () => {
    const p = await paused("A-3001");
    const shown = await s.call("support-bot-1", "GET", `/v1/approvals/${p.approval_id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.approval.approval_id).toBe(p.approval_id);
    expect(shown.body.context.similar ?? []).toEqual([]);
    const lena = await s.call("lena", "GET", `/v1/approvals/${p.approval_id}`);
    expect(lena.body.context.similar.length).toBeGreaterThan(0);
    const preview = await refused("support-bot-1", "POST", `/v1/approvals/${p.approval_id}/preview`, { parameters: { amount: 499 } });
    expect([preview.status, preview.body.code, preview.refusals]).toEqual([403, "agent_approver", ["agent_approver"]]);
    expect((await s.call("lena", "POST", `/v1/approvals/${p.approval_id}/preview`, { parameters: { amount: 499 } })).body.category).toBe("notify");
    // Lists: approvers of other roles and agents see none of it.
    for (const who of ["carla", "sam", "support-bot-1", "triage-bot", "ops"]) {
      const list = await s.call(who, "GET", "/v1/approvals?status=all");
      expect(list.body.approvals.map((a: { approval_id: string }) => a.approval_id)).not.toContain(p.approval_id);
    }
    expect((await s.call("triage-bot", "GET", `/v1/approvals/${p.approval_id}`)).status).toBe(404);
    expect((await s.call("triage-bot", "GET", `/v1/approvals/${p.approval_id}/wait?timeout_s=0`)).status).toBe(404);
  });

  it("a modified approval: the agent is told to run the granted parameters, not the ones it proposed", async () => {
    const p = await paused("A-4001", 750);
    const m = await s.call("lena", "POST", `/v1/approvals/${p.approval_id}/modify`, { saw: p.saw, parameters: { amount: 300 } });
    expect(m.status).toBe(200);
    expect(m.body.approval.status).toBe("modified");
    const go = await s.call("support-bot-1", "POST", `/v1/actions/${p.action_id}/resume`, { ticket: p.ticket, effect: "state" });
    expect(go.status).toBe(200);
    expect(go.body).toMatchObject({ status: "go", action: "refund.issue", parameters: { order: "A-4001", amount: 300 } });
    const done = await s.call("support-bot-1", "POST", `/v1/actions/${p.action_id}/outcome`, { status: "succeeded", change: { resource: "orders/A-4001", before: { refunded: 0 }, after: { refunded: 300 } } });
    expect(done.body.status).toBe("executed");
    const intent = (await all()).find((r) => r.type === "intent" && r.action_id === p.action_id)!;
    expect(intent.executed).toEqual({ action: "refund.issue", parameters: { order: "A-4001", amount: 300 } });
  });
});

describe("exactly once: replayed approvals and outcomes", () => {
  it("30 concurrent resumes of one approval over HTTP: one go, the rest 409 already_executed, one intent", async () => {
    const p = await paused("A-5001");
    expect((await s.call("lena", "POST", `/v1/approvals/${p.approval_id}/approve`, { saw: p.saw })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 30 }, () => s.call("support-bot-1", "POST", `/v1/actions/${p.action_id}/resume`, { ticket: p.ticket, effect: "state" })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((x) => x === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.body.code)).toEqual(Array(29).fill("already_executed"));
    // Reports: two at once, only one is taken; the other agent's report is refused and changes nothing.
    const other = await refused("triage-bot", "POST", `/v1/actions/${p.action_id}/outcome`, { status: "failed", error: "not mine" });
    expect([other.status, other.body.code, other.refusals]).toEqual([403, "not_your_action", ["not_your_action"]]);
    expect((await s.call("support-bot-1", "GET", `/v1/actions/${p.action_id}`)).body.state).toBe("running");
    const report = { status: "succeeded", change: { resource: "orders/A-5001", before: { refunded: 0 }, after: { refunded: 750 } } };
    const two = await Promise.all([0, 1].map(() => s.call("support-bot-1", "POST", `/v1/actions/${p.action_id}/outcome`, report)));
    expect(two.map((x) => x.status).sort()).toEqual([200, 404]);
    expect(two.find((x) => x.status === 404)!.body.code).toBe("no_waiting_action");
    const records = (await all()).filter((r) => r.action_id === p.action_id);
    expect(records.filter((r) => r.type === "intent")).toHaveLength(1);
    expect(records.filter((r) => r.type === "outcome")).toHaveLength(1);
  });

  it("another agent's ticket does not resume, nor tell its approval's state: 403 agent_mismatch, audited, the approval still granted", async () => {
    const p = await paused("A-5101");
    const early = await refused("triage-bot", "POST", `/v1/actions/${p.action_id}/resume`, { ticket: p.ticket });
    expect([early.status, early.body.code, early.body.approval_id]).toEqual([403, "agent_mismatch", undefined]);
    await s.call("lena", "POST", `/v1/approvals/${p.approval_id}/approve`, { saw: p.saw });
    const stolen = await refused("triage-bot", "POST", `/v1/actions/${p.action_id}/resume`, { ticket: p.ticket, effect: "state" });
    expect([stolen.status, stolen.body.code]).toEqual([403, "agent_mismatch"]);
    expect(stolen.refusals).toContain("agent_mismatch");
    expect((await s.governor.store.getApproval(p.approval_id))!.status).toBe("approved");
    expect((await all()).filter((r) => r.action_id === p.action_id && r.type === "intent")).toEqual([]);
  });

  it("a forged ticket (another amount with its hash recomputed, another approved approval's id) resumes nothing: 409, audited", async () => {
    const { hashJSON } = await import("../../src/canonical-json.ts");
    const small = await paused("A-5301", 600);
    const big = await paused("A-5302", 750);
    for (const x of [small, big]) await s.call("lena", "POST", `/v1/approvals/${x.approval_id}/approve`, { saw: x.saw });
    const request = { ...(small.ticket.request as Record<string, unknown>), parameters: { order: "A-5301", amount: 7500 } };
    const forged = [
      { ...small.ticket, request, request_hash: hashJSON(request) },
      { ...small.ticket, approval_id: big.approval_id },
    ];
    for (const ticket of forged) {
      const r = await refused("support-bot-1", "POST", `/v1/actions/${small.action_id}/resume`, { ticket, effect: "state" });
      expect([r.status, r.body.code, r.refusals]).toEqual([409, "conflict", ["conflict"]]);
    }
    for (const x of [small, big]) expect((await s.governor.store.getApproval(x.approval_id))!.status).toBe("approved");
    expect((await all()).filter((r) => r.type === "intent" && [small.action_id, big.action_id].includes(r.action_id!))).toEqual([]);
  });

  it("approvers deciding at once: exactly one decision stands, the others 409 not_pending", async () => {
    const p = await paused("A-5201");
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => s.call(i % 2 ? "lars" : "lena", "POST", `/v1/approvals/${p.approval_id}/${i % 3 ? "approve" : "reject"}`, { saw: p.saw })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(new Set(answers.filter((a) => a.status !== 200).map((a) => a.body.code))).toEqual(new Set(["not_pending"]));
    const decided = (await s.governor.store.getApproval(p.approval_id))!;
    expect(decided.history.filter((h) => h.event === "approve" || h.event === "reject")).toHaveLength(1);
  });

  it("an agent that never reports cannot pile up open actions: past maxRunning a coded 429, audited, not decided", async () => {
    const t = await serve(`sqlite:${join(dir, "running.db")}`, { maxRunning: 3 });
    try {
      for (let i = 0; i < 3; i++) expect((await t.call("support-bot-1", "POST", "/v1/actions", { request: lookup() })).body.status).toBe("go");
      const decisions = (await all(t)).filter((r) => r.type === "decision").length;
      const more = await refused("support-bot-1", "POST", "/v1/actions", { request: lookup() }, t);
      expect([more.status, more.body.code, more.refusals]).toEqual([429, "too_many_running", ["too_many_running"]]);
      expect((await all(t)).filter((r) => r.type === "decision")).toHaveLength(decisions);
    } finally {
      await t.close();
    }
  });

  it("an outcome for an action never proposed, or proposed by no one here, is 404 no_waiting_action, audited", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "../../v1/kill-switch", "x".repeat(90)]) {
      const r = await refused("support-bot-1", "POST", `/v1/actions/${encodeURIComponent(id)}/outcome`, { status: "succeeded" });
      expect([r.status, r.body.code]).toEqual([404, r.body.code === "not_found" ? "not_found" : "no_waiting_action"]);
      expect(r.refusals).toHaveLength(1);
    }
  });

  it("a forged before/after in an outcome cannot make Warden write its own state on rollback", async () => {
    await s.governor.stateStore.put("orders/A-6001", { refunded: 0 });
    const go = await s.call("support-bot-1", "POST", "/v1/actions", { request: { ...lookup("A-6001") }, effect: "state" });
    expect(go.body.status).toBe("go");
    await s.call("support-bot-1", "POST", `/v1/actions/${go.body.action_id}/outcome`, { status: "succeeded", change: { resource: "orders/A-6001", before: { refunded: 1_000_000 }, after: { refunded: 0 } } });
    const undo = await s.call("ops", "POST", `/v1/actions/${go.body.action_id}/rollback`, {});
    expect([undo.status, undo.body.code]).toEqual([409, "compensation_required"]);
    expect(await s.governor.stateStore.get("orders/A-6001")).toEqual({ refunded: 0 });
  });
});

describe("credentials that must not work", () => {
  const jwt = (o: { sub?: string; iss?: string; aud?: string; exp?: string | number | null; nbf?: string | number } = {}) => {
    let j = new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(o.iss ?? "https://idp.test").setAudience(o.aud ?? "warden").setIssuedAt();
    if (o.sub !== undefined) j = j.setSubject(o.sub);
    if (o.exp !== null) j = j.setExpirationTime(o.exp ?? "5m");
    if (o.nbf !== undefined) j = j.setNotBefore(o.nbf);
    return j.sign(key);
  };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

  it("expired, not yet valid, without exp, wrong issuer or audience, alg none, HS256 keyed with the public key, unknown or case-varied sub: 401, audited", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { createHmac } = await import("node:crypto");
    const hs = (secret: string) => {
      const body = `${b64({ alg: "HS256", kid: "k1", typ: "JWT" })}.${b64({ sub: "ops", iss: "https://idp.test", aud: "warden", exp: now + 300 })}`;
      return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
    };
    const cases: [string, string][] = [
      ["expired", await jwt({ sub: "ops", exp: now - 10 })],
      ["not yet valid", await jwt({ sub: "ops", nbf: now + 600 })],
      ["no exp: never expires", await jwt({ sub: "ops", exp: null })],
      ["wrong issuer", await jwt({ sub: "ops", iss: "https://evil.test" })],
      ["wrong audience", await jwt({ sub: "ops", aud: "other" })],
      ["no sub", await jwt({})],
      ["sub not in the directory", await jwt({ sub: "mallory" })],
      ["sub in another case", await jwt({ sub: "OPS" })],
      ["sub with white space", await jwt({ sub: "ops " })],
      ["alg none", `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "ops", iss: "https://idp.test", aud: "warden", exp: now + 300 })}.`],
      ["HS256 with the PEM public key", hs(publicPem)],
      ["HS256 with the JWKS text", hs(JSON.stringify({ keys: [] }))],
    ];
    try {
      for (const [what, token] of cases) {
        const r = await refused(token, "POST", "/v1/kill-switch", { on: true, reason: what });
        expect([what, r.status, r.body.code]).toEqual([what, 401, "unauthenticated"]);
        expect(r.refusals).toEqual(["unauthenticated"]);
      }
      expect((await s.governor.store.killSwitch()).on).toBe(false);
    } finally {
      if ((await s.governor.store.killSwitch()).on) await s.governor.setKillSwitch(false, "ops");
    }
    // The valid one works (so the cases above fail for their own reason).
    expect((await s.call(await jwt({ sub: "ops" }), "GET", "/v1/kill-switch")).status).toBe(200);
  });

  it("a revoked token is refused at once, and ends a long-poll it opened", async () => {
    const { token, row } = await issueToken(s.governor.store, "lars", "admin");
    const p = await paused("A-7001");
    const t0 = Date.now();
    const waiting = s.call(token, "GET", `/v1/approvals/${p.approval_id}/wait?timeout_s=5`);
    await new Promise((r) => setTimeout(r, 300));
    await revokeToken(s.governor.store, row.id, "admin");
    const w = await waiting;
    expect([w.status, w.body.code]).toEqual([401, "unauthenticated"]);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await s.call(token, "GET", "/v1/approvals")).status).toBe(401);
    // An event stream likewise ends with a coded error event, audited.
    const second = await issueToken(s.governor.store, "lars", "admin");
    const res = await fetch(`${s.url}/v1/approvals/${p.approval_id}/events?timeout_s=5`, { headers: { authorization: `Bearer ${second.token}` } });
    const before = await s.audit.count();
    setTimeout(() => void revokeToken(s.governor.store, second.row.id, "admin"), 300);
    const body = await res.text();
    expect(body).toMatch(/event: error\ndata: \{"code":"unauthenticated"/);
    expect((await all()).slice(before).filter((r) => r.type === "refusal").map((r) => (r.details as { code: string }).code)).toEqual(["unauthenticated"]);
    // An API token past its expiry is refused like a revoked one.
    const expired = await issueToken(s.governor.store, "lars", "admin", { expiresAt: new Date(Date.now() - 1000) });
    const e = await refused(expired.token, "GET", "/v1/approvals");
    expect([e.status, e.body.code, e.refusals]).toEqual([401, "unauthenticated", ["unauthenticated"]]);
  });

  it("a malformed inbox session cookie is a coded 401 (the sign-in page for a browser), not a crash", async () => {
    const res = await fetch(`${s.url}/inbox/kill-switch`, { method: "POST", headers: { cookie: "warden_session=%E0%A4%A", "content-type": "application/x-www-form-urlencoded" }, body: "on=true&confirmed=yes", redirect: "manual" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
    const page = await fetch(`${s.url}/inbox`, { headers: { cookie: "warden_session=%ZZ" }, redirect: "manual" });
    expect(page.status).toBe(302);
  });
});

describe("hostile input: a bounded, coded refusal, audited, never a crash, hang or silent coercion", () => {
  const post = (path: string, body: Buffer | string, type = "application/json", as = "support-bot-1") =>
    raw(s.url, headFor(as, "POST", path, [`Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body)}`]), body);
  const code = (r: { text: string }) => (JSON.parse(r.text) as { code: string }).code;

  it("JSON nested 100 000 levels deep, in a request and in the Data API input", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    for (const [path, body] of [["/v1/actions", `{"request":{"agent":{"id":"support-bot-1","role":"support-agent"},"initiator":{"id":"c","kind":"user"},"action":"order.lookup","parameters":{"x":${deep}}}}`], ["/v1/data/governance/decision", `{"input":${deep}}`]] as const) {
      const before = await s.audit.count();
      const r = await post(path, body);
      expect([path, r.status, code(r)]).toEqual([path, 400, "input_invalid"]);
      expect(JSON.parse(r.text).message).toMatch(/nest/);
      expect((await all()).slice(before).map((x) => x.type)).toEqual(["refusal"]);
    }
  });

  it("numbers JSON cannot carry exactly (1e400 is Infinity once parsed) are refused, not coerced", async () => {
    for (const [path, body] of [
      ["/v1/actions", JSON.stringify({ request: lookup() }).replace('"A-1001"', "1e400")],
      ["/v1/data/governance/decision", JSON.stringify({ input: refund750() }).replace("750", "1e400")],
      ["/access/v1/evaluation", `{"subject":{"type":"agent","id":"support-bot-1"},"action":{"name":"refund.issue"},"resource":{"type":"order","id":"A","properties":{"amount":-1e999}}}`],
    ] as const) {
      const r = await post(path, body);
      expect([path, r.status, code(r)]).toEqual([path, 400, "input_invalid"]);
    }
  });

  it("duplicate keys (a parser differential: which amount did the approver see?) are refused", async () => {
    const r = await post("/v1/actions", `{"request":{"agent":{"id":"support-bot-1","role":"support-agent"},"initiator":{"id":"c","kind":"user"},"action":"refund.issue","parameters":{"order":"A-1001","amount":10,"amount":750}}}`);
    expect([r.status, code(r)]).toEqual([400, "input_invalid"]);
    expect(JSON.parse(r.text).message).toMatch(/duplicate key "amount"/);
    const escaped = await post("/v1/kill-switch", `{"on":false,"\\u006fn":true}`, "application/json", "ops");
    expect([escaped.status, code(escaped)]).toEqual([400, "input_invalid"]);
    expect((await s.governor.store.killSwitch()).on).toBe(false);
  });

  it("__proto__ and constructor.prototype keys are refused", async () => {
    for (const body of [`{"request":{"__proto__":{"polluted":1}}}`, `{"request":{"constructor":{"prototype":{"polluted":1}}}}`]) {
      const r = await post("/v1/actions", body);
      expect(r.status).toBe(400);
      expect(["bad_request", "input_invalid"]).toContain(code(r));
    }
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it("invalid UTF-8 is refused, not replaced with U+FFFD", async () => {
    const bad = Buffer.concat([Buffer.from(`{"request":{"agent":{"id":"support-bot-1","role":"support-agent"},"initiator":{"id":"c","kind":"user"},"action":"order.lookup","parameters":{"order":"A-`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`"}}}`)]);
    const before = await s.audit.count();
    const r = await post("/v1/actions", bad);
    expect([r.status, code(r)]).toEqual([400, "input_invalid"]);
    expect((await all()).slice(before).map((x) => x.type)).toEqual(["refusal"]);
  });

  it("wrong content types and a JSON body on a form route are coded refusals", async () => {
    const text = await post("/v1/actions", JSON.stringify({ request: lookup() }), "text/plain");
    expect([text.status, code(text)]).toEqual([415, "unsupported_media_type"]);
    const plusJson = await post("/v1/actions", JSON.stringify({ request: lookup() }), "application/x-json-stream");
    expect(plusJson.status).toBe(415);
    // The inbox form parser must not make a JSON API accept a form (on=true is not a boolean).
    const form = await post("/v1/kill-switch", "on=true", "application/x-www-form-urlencoded", "ops");
    expect([form.status, code(form)]).toEqual([415, "unsupported_media_type"]);
    expect((await s.governor.store.killSwitch()).on).toBe(false);
  });

  it("the inbox: a malformed Origin is cross-origin (403), modify parameters that are not JSON a 400 page; nothing decided", async () => {
    const p = await paused("A-9001");
    const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
    const signedIn = await fetch(`${s.url}/inbox/login`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: s.tokens.lena! }) });
    const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    const send = (body: string, origin?: string) =>
      fetch(`${s.url}/inbox/approvals/${p.approval_id}/decide`, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) }, body });
    const before = await s.audit.count();
    const bad = await send(form({ verdict: "approve", ...p.saw }), "http://[::1");
    expect(bad.status).toBe(403);
    const notJson = await send(form({ verdict: "modify", parameters: "{amount: 1", ...p.saw }));
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toMatch(/not JSON/);
    expect((await all()).slice(before).map((r) => r.type)).toEqual(["refusal"]);
    expect((await s.governor.store.getApproval(p.approval_id))!.status).toBe("pending");
  });

  it("path traversal and odd paths in /v1/data/{path} reach no other entrypoint", async () => {
    // Raw: fetch would resolve the dot segments before sending.
    const body = JSON.stringify({ input: lookup() });
    for (const path of ["/v1/data/governance/../governance/decision", "/v1/data/governance/decision/..", "/v1/data/governance%2F..%2Fdecision", "/v1/data/%2e%2e/governance/decision", "/v1/data/governance//decision", "/v1/data/", "/v1/data/governance/decision%00"]) {
      const r = await post(path, body);
      expect([path, r.status, code(r)]).toEqual([path, 404, "unknown_entrypoint"]);
    }
  });

  it("very long URLs and parameters are refused with a status, not a hang", async () => {
    // Refused by the router before any route: still {code, message}, still audited.
    for (const [path, status, c] of [[`/v1/approvals/${"a".repeat(5_000)}`, 414, "uri_too_long"], ["/v1/approvals/%E0%A4%A", 400, "bad_url"]] as const) {
      const before = await s.audit.count();
      const r = await s.call("lena", "GET", path);
      expect([r.status, r.body.code]).toEqual([status, c]);
      expect((await all()).slice(before).map((x) => [x.type, (x.details as { code?: string }).code])).toEqual([["refusal", c]]);
    }
    const huge = await raw(s.url, headFor("lena", "GET", `/v1/approvals?status=${"x".repeat(70_000)}`));
    expect(huge.status).toBe(431);
    expect(JSON.parse(huge.text).code).toBe("headers_too_large");
  });

  it("query strings: a timeout_s, limit or since that is no number is 400 input_invalid, not silently another value", async () => {
    const p = await paused("A-8001");
    for (const [as, path] of [
      ["lena", `/v1/approvals/${p.approval_id}/wait?timeout_s=soon`],
      ["lena", `/v1/approvals/${p.approval_id}/events?timeout_s=-1`],
      ["auditor", "/v1/audit/records?limit=-1"],
      ["auditor", "/v1/audit/records?limit=2.5"],
      ["auditor", "/v1/audit/records?since=yesterday"],
      ["lena", "/v1/approvals?status=pending&status=all"],
    ] as const) {
      const r = await refused(as, "GET", path);
      expect([path, r.status, r.body.code]).toEqual([path, 400, "input_invalid"]);
      expect(r.refusals).toEqual(["input_invalid"]);
    }
    expect((await s.call("auditor", "GET", "/v1/audit/records?limit=2&since=1")).body.records.map((r: { seq: number }) => r.seq)).toEqual([1, 2]);
  });
});

describe("bounded: slow clients and many waiters", () => {
  it("a body that never finishes is cut off (408) within the request timeout", async () => {
    const t = await serve(`sqlite:${join(dir, "slow.db")}`, { requestTimeoutMs: 500 });
    try {
      const head = [`POST /v1/actions HTTP/1.1`, "Host: 127.0.0.1", `Authorization: Bearer ${t.tokens["support-bot-1"]}`, "Content-Type: application/json", "Content-Length: 1000", ""].join("\n");
      const before = await t.audit.count();
      const r = await raw(t.url, head, '{"request":', { waitMs: 5_000 });
      expect(r.closed).toBe(true);
      expect(r.status).toBe(408);
      expect(JSON.parse(r.text).code).toBe("request_timeout");
      expect(r.ms).toBeLessThan(3_000);
      await new Promise((res) => setTimeout(res, 100));
      expect((await all(t)).slice(before).map((x) => [x.type, (x.details as { code?: string }).code])).toEqual([["refusal", "request_timeout"]]);
      // Headers that never finish, likewise.
      const h = await raw(t.url, `GET /health HTTP/1.1\nHost: 127.0.0.1\nX-Slow: 1`.replace(/\n$/, ""), "", { waitMs: 5_000 });
      expect(h.closed).toBe(true);
      expect(h.ms).toBeLessThan(3_000);
    } finally {
      await t.close();
    }
  });

  it("long-polls and event streams are bounded per principal: past the bound a coded 429, audited", async () => {
    const t = await serve(`sqlite:${join(dir, "waiters.db")}`, { maxWaiters: 4 });
    try {
      const p = await t.call("support-bot-1", "POST", "/v1/actions", { request: refund750() });
      const id = p.body.approval_id as string;
      const held = Array.from({ length: 4 }, (_, i) => t.call("lena", "GET", `/v1/approvals/${id}/${i % 2 ? "events" : "wait"}?timeout_s=3`));
      await new Promise((r) => setTimeout(r, 300));
      const more = await refused("lena", "GET", `/v1/approvals/${id}/wait?timeout_s=3`, undefined, t);
      expect([more.status, more.body.code, more.refusals]).toEqual([429, "too_many_waiters", ["too_many_waiters"]]);
      // Another principal has its own bound.
      const lars = await t.call("lars", "GET", `/v1/approvals/${id}/wait?timeout_s=0`);
      expect(lars.status).toBe(200);
      await Promise.all(held);
      // Released when they end.
      expect((await t.call("lena", "GET", `/v1/approvals/${id}/wait?timeout_s=0`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe("a deployment deciding with another entrypoint", () => {
  it("the preview of a modify asks the governor's entrypoint, not governance/decision", async () => {
    // acme/decision is the repository's policy; governance/decision a decoy that allows everything.
    const pdir = mkdtempSync(join(tmpdir(), "warden-acme-policy-"));
    mkdirSync(join(pdir, "acme"));
    mkdirSync(join(pdir, "governance"));
    writeFileSync(join(pdir, "acme", "decision.rego"), readFileSync("policy/governance/decision.rego", "utf8").replace("package governance", "package acme"));
    cpSync("policy/governance/data.json", join(pdir, "governance", "data.json"));
    writeFileSync(join(pdir, "governance", "decoy.rego"), `package governance\n\n# METADATA\n# entrypoint: true\ndecision := {"allow": true, "category": "auto", "reasons": [], "approval": null, "obligations": []}\n`);
    const { bytes } = await buildBundleBytes({ paths: [pdir] });
    const audit = await AuditLog.open(`sqlite:${join(dir, "acme.db")}`);
    await seedDirectory(audit, DIRECTORY);
    const evaluator = await Evaluator.load({ bytes }, { allowUnsigned: true });
    const governor = await Governor.open({ evaluator, audit, state: new MemoryStateStore(), entrypoint: "acme/decision" });
    const service = await createService({ governor, evaluator, clock: false, entrypoint: "acme/decision" });
    const url = await service.app.listen({ port: 0, host: "127.0.0.1" });
    const as = async (who: string, method: string, path: string, body?: unknown) => {
      const token = (await issueToken(governor.store, who, "admin")).token;
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    try {
      const p = await as("support-bot-1", "POST", "/v1/actions", { request: refund750(), effect: "state" });
      expect(p.status).toBe(202);
      const shown = await as("lena", "POST", `/v1/approvals/${p.body.approval_id}/preview`, { parameters: { amount: 760 } });
      expect(shown.body.category).toBe("approve");
    } finally {
      await service.close();
      await governor.dispose();
    }
  });
});

describe("the bounds in warden.yaml", () => {
  it("serve: max_waiters, max_running and request_timeout_seconds are read; a request timeout of 0 (no bound) is refused", async () => {
    const { serveSettings, ServeConfigError } = await import("../../src/serve/config.ts");
    expect(serveSettings({})).toMatchObject({ maxWaiters: 16, maxRunning: 256, requestTimeoutMs: 30_000 });
    expect(serveSettings({ max_waiters: 2, max_running: 5, request_timeout_seconds: 1.5 })).toMatchObject({ maxWaiters: 2, maxRunning: 5, requestTimeoutMs: 1_500 });
    expect(() => serveSettings({ request_timeout_seconds: 0 })).toThrow(ServeConfigError);
    expect(() => serveSettings({ max_waiters: -1 })).toThrow(ServeConfigError);
  });
});

describe("fail closed", () => {
  it("a policy that throws at evaluation refuses every route that asks it (actions, Data API, AuthZEN), audited", async () => {
    const pdir = mkdtempSync(join(tmpdir(), "warden-throwing-policy-"));
    // Two complete definitions with different values: an eval_conflict_error at run time.
    writeFileSync(
      join(pdir, "decision.rego"),
      `package governance\n\n# METADATA\n# entrypoint: true\ndecision := {"allow": true, "category": "auto", "reasons": [], "approval": null, "obligations": []} if input.action\n\ndecision := {"allow": false, "category": "block", "reasons": ["x"], "approval": null, "obligations": []} if input.agent\n`,
    );
    const { bytes } = await buildBundleBytes({ paths: [pdir] });
    const t = await serve(`sqlite:${join(dir, "throwing.db")}`, { bytes });
    try {
      const a = await refused("support-bot-1", "POST", "/v1/actions", { request: lookup() }, t);
      expect([a.status, a.body.code]).toEqual([422, "evaluation_failed"]);
      expect(a.refusals).toContain("evaluation_failed");
      const d = await refused("support-bot-1", "POST", "/v1/data/governance/decision", { input: lookup() }, t);
      expect([d.status, d.body.code, d.refusals]).toEqual([422, "evaluation_failed", ["evaluation_failed"]]);
      const z = await t.call("support-bot-1", "POST", "/access/v1/evaluation", { subject: { type: "agent", id: "support-bot-1" }, action: { name: "order.lookup" }, resource: { type: "order", id: "A" } });
      expect(z.body).toMatchObject({ decision: false, context: { code: "evaluation_failed" } });
      expect((await all(t)).filter((r) => r.type === "intent")).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("a store that stops answering: no go, no decision, a 5xx", async () => {
    const t = await serve(`sqlite:${join(dir, "gone.db")}`);
    try {
      await t.audit.close();
      const r = await t.call("support-bot-1", "POST", "/v1/actions", { request: lookup() });
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(r.body.status).toBeUndefined();
      // The store's own message stays in the operator's log; the caller gets an incident id.
      expect(r.body).toMatchObject({ code: "internal", message: expect.stringMatching(/^the service could not complete the request \(incident [0-9a-f-]{36}\)$/) });
      expect((await t.call(undefined, "GET", "/ready")).status).toBeGreaterThanOrEqual(500);
    } finally {
      await t.service.close();
    }
  });
});

describe("a flood of requests without a credential", () => {
  it("is audited one by one up to the per-address burst, then refused 429 and summed up in one record; the chain grows by a bounded count", async () => {
    const flood = await serve(`sqlite:${join(dir, "flood.db")}`, { unauthenticatedLimit: 1 });
    try {
      const before = await flood.audit.count();
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await flood.call(undefined, "GET", "/v1/approvals")).status);
      // Burst 20 (1/s, 20 times that): 401 audited each, then 429 counted.
      const first429 = statuses.indexOf(429);
      expect(first429).toBeGreaterThanOrEqual(20);
      expect(first429).toBeLessThanOrEqual(22);
      expect(statuses.slice(0, first429).every((x) => x === 401)).toBe(true);
      expect(statuses.slice(first429).every((x) => x === 429 || x === 401)).toBe(true);
      const one = (await all(flood)).slice(before);
      expect(one.filter((r) => (r.details as { code?: string }).code === "unauthenticated")).toHaveLength(statuses.filter((x) => x === 401).length);
      await flood.close();
      // Closing writes the summary of what was counted: one record, every counted request in it.
      const log = await AuditLog.open(join(dir, "flood.db"));
      const added: AuditRecord[] = [];
      for await (const r of log.list({ type: "refusal" })) added.push(r);
      const summary = added.filter((r) => (r.details as { operation?: string }).operation === "http (unauthenticated, summarised)");
      expect(summary).toHaveLength(1);
      const counted = statuses.filter((x) => x === 429).length;
      expect(summary[0]!.details).toMatchObject({ code: "rate_limited", requests: counted, addresses: { "127.0.0.1": counted } });
      expect((await log.verify()).ok).toBe(true);
      await log.close();
    } finally {
      await flood.close().catch(() => undefined);
    }
  });
});

describe("a batch of AuthZEN evaluations", () => {
  it("costs one request of the caller's rate per evaluation: a batch past the limit is refused whole, before any decision", async () => {
    const limited = await serve(`sqlite:${join(dir, "batch.db")}`, { rateLimit: 5 });
    try {
      const one = { action: { name: "order.lookup" }, resource: { type: "order", id: "A-1" } };
      const body = (n: number) => ({ subject: { type: "agent", id: "support-bot-1" }, evaluations: Array.from({ length: n }, () => one) });
      const ok = await limited.call("pep", "POST", "/access/v1/evaluations", body(4));
      expect(ok.status).toBe(200);
      expect(ok.body.evaluations).toHaveLength(4);
      const before = await limited.audit.count();
      const big = await limited.call("pep", "POST", "/access/v1/evaluations", body(40));
      expect(big.status).toBe(429);
      expect(big.body.code).toBe("rate_limited");
      const added = (await all(limited)).slice(before);
      expect(added.map((r) => r.type)).toEqual(["refusal"]);
    } finally {
      await limited.close();
    }
  });
});
