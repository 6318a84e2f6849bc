// Every route of warden serve refuses a missing token, a wrong token and a principal without the
// role it needs, and each refusal is an audit record. Approvers see and decide only approvals
// routed to their roles; agents act only as themselves. Tokens are stored hashed and revocable;
// OIDC/JWT bearer tokens verify against a JWKS, roles still from the directory.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listTokens, revokeToken } from "../../src/serve/tokens.ts";
import { lookup, refund750, serve, type Served } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-serve-auth-"));
let s: Served;
let approval: { approval_id: string; action_id: string; ticket: unknown; saw: { request_hash: string; revision: string } };
let running: string;
let key: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  key = pair.privateKey as CryptoKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
  writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [jwk] }));
  s = await serve(`sqlite:${join(dir, "w.db")}`, { jwt: { jwksFile: join(dir, "jwks.json"), issuer: "https://idp.test", audience: "warden" }, unauthenticatedLimit: 0 }); // every refusal on its own: this file counts them per route
  const p = await s.call("support-bot-1", "POST", "/v1/actions", { request: refund750() });
  approval = { approval_id: p.body.approval_id, action_id: p.body.action_id, ticket: p.body.ticket, saw: { request_hash: p.body.ticket.request_hash, revision: p.body.ticket.revision } };
  running = (await s.call("support-bot-1", "POST", "/v1/actions", { request: lookup() })).body.action_id;
});
afterAll(async () => {
  await s.close();
});

interface Route {
  method: string;
  path: () => string;
  body?: () => unknown;
  /** A principal the directory gives no role this route needs, and the status it gets; absent
   * where every signed-in principal may use the route (it shows each only what is theirs). */
  wrong?: string;
  status?: number;
}

const routes: Route[] = [
  { method: "GET", path: () => "/metrics", wrong: "sam", status: 403 },
  { method: "POST", path: () => "/v1/data/governance/decision", body: () => ({ input: lookup() }), wrong: "sam", status: 403 },
  { method: "POST", path: () => "/access/v1/evaluation", body: () => ({ subject: { type: "agent", id: "support-bot-1" }, action: { name: "order.lookup" }, resource: { type: "order", id: "A" } }), wrong: "triage-bot", status: 403 },
  { method: "POST", path: () => "/access/v1/evaluations", body: () => ({ subject: { type: "agent", id: "support-bot-1" }, action: { name: "order.lookup" }, resource: { type: "order", id: "A" } }), wrong: "triage-bot", status: 403 },
  { method: "POST", path: () => "/v1/actions", body: () => ({ request: lookup() }), wrong: "lena", status: 403 },
  { method: "POST", path: () => `/v1/actions/${approval.action_id}/resume`, body: () => ({ ticket: approval.ticket }), wrong: "lena", status: 403 },
  { method: "GET", path: () => `/v1/actions/${running}`, wrong: "triage-bot", status: 404 },
  { method: "POST", path: () => `/v1/actions/${running}/outcome`, body: () => ({ status: "succeeded" }), wrong: "lena", status: 403 },
  { method: "POST", path: () => `/v1/actions/${running}/rollback`, body: () => ({}), wrong: "lena", status: 403 },
  { method: "GET", path: () => `/v1/approvals/${approval.approval_id}`, wrong: "carla", status: 404 },
  { method: "GET", path: () => `/v1/approvals/${approval.approval_id}/wait?timeout_s=0`, wrong: "carla", status: 404 },
  { method: "GET", path: () => `/v1/approvals/${approval.approval_id}/events?timeout_s=0`, wrong: "carla", status: 404 },
  { method: "POST", path: () => `/v1/approvals/${approval.approval_id}/approve`, body: () => ({ saw: approval.saw }), wrong: "carla", status: 404 },
  { method: "POST", path: () => `/v1/approvals/${approval.approval_id}/modify`, body: () => ({ saw: approval.saw, parameters: { amount: 400 } }), wrong: "carla", status: 404 },
  { method: "POST", path: () => `/v1/approvals/${approval.approval_id}/reject`, body: () => ({ saw: approval.saw }), wrong: "carla", status: 404 },
  { method: "POST", path: () => `/v1/approvals/${approval.approval_id}/preview`, body: () => ({ parameters: { amount: 400 } }), wrong: "carla", status: 404 },
  { method: "GET", path: () => "/v1/notify", wrong: "sam", status: 403 },
  { method: "POST", path: () => `/v1/notify/${running}/review`, body: () => ({}), wrong: "sam", status: 403 },
  { method: "POST", path: () => "/v1/kill-switch", body: () => ({ on: true }), wrong: "lena", status: 403 },
  { method: "GET", path: () => "/v1/audit/verify", wrong: "sam", status: 403 },
  { method: "GET", path: () => "/v1/audit/records", wrong: "sam", status: 403 },
  { method: "GET", path: () => "/v1/audit/checkpoint", wrong: "sam", status: 403 },
  { method: "GET", path: () => "/v1/audit/proofs/inclusion/1", wrong: "sam", status: 403 },
  { method: "GET", path: () => "/v1/audit/proofs/consistency?old=1&new=2", wrong: "sam", status: 403 },
  { method: "GET", path: () => `/v1/audit/receipts/${approval.action_id}`, wrong: "sam", status: 403 },
  { method: "GET", path: () => "/v1/principals", wrong: "auditor", status: 403 },
  { method: "GET", path: () => "/v1/principals/lena", wrong: "ops", status: 403 },
  { method: "GET", path: () => `/inbox/approvals/${approval.approval_id}`, wrong: "carla", status: 404 },
  { method: "POST", path: () => `/inbox/approvals/${approval.approval_id}/preview`, body: () => ({ parameters: '{"amount":400}' }), wrong: "carla", status: 404 },
  { method: "POST", path: () => `/inbox/approvals/${approval.approval_id}/decide`, body: () => ({ verdict: "approve", ...approval.saw }), wrong: "carla", status: 404 },
  { method: "POST", path: () => "/inbox/kill-switch", body: () => ({ on: true, confirmed: "yes" }), wrong: "lena", status: 403 },
  { method: "GET", path: () => "/inbox/notify", wrong: "sam", status: 403 },
  { method: "POST", path: () => `/inbox/notify/${running}/review`, body: () => ({}), wrong: "sam", status: 403 },
  { method: "POST", path: () => `/inbox/notify/${running}/rollback`, body: () => ({}), wrong: "lena", status: 403 },
  { method: "GET", path: () => "/inbox/audit", wrong: "sam", status: 403 },
  { method: "GET", path: () => "/v1/kill-switch" },
  { method: "GET", path: () => "/v1/approvals" },
  { method: "GET", path: () => "/inbox" },
  { method: "GET", path: () => "/inbox/kill-switch" },
];

async function refusals(): Promise<number> {
  let n = 0;
  for await (const _ of s.audit.list({ type: "refusal" })) n++;
  return n;
}

describe("every route refuses, and audits the refusal", () => {
  for (const r of routes) {
    const role = r.wrong ? `, ${r.wrong} ${r.status}` : "";
    it(`${r.method} ${r.path.toString().match(/"([^"]+)"|`([^`]+)`/)?.slice(1).find(Boolean) ?? ""}: no token 401, wrong token 401${role}`, async () => {
      const body = r.body?.();
      const tries: [string | undefined, number | undefined][] = [
        [undefined, 401],
        ["wdn_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401],
        ["not-a-token", 401],
      ];
      if (r.wrong) tries.push([r.wrong, r.status]);
      for (const [as, status] of tries) {
        const before = await refusals();
        const res = await s.call(as, r.method, r.path(), body);
        const expected = r.wrong && as === r.wrong ? status : r.path().startsWith("/inbox") && r.method === "GET" ? 302 : 401; // the inbox sends a browser to sign in
        expect([as, res.status]).toEqual([as, expected]);
        expect(await refusals()).toBe(before + 1);
      }
    });
  }

  it("GET /v1/approvals and GET /inbox hold only approvals routed to my roles", async () => {
    expect((await s.call("carla", "GET", "/inbox")).body).not.toContain(approval.approval_id.slice(0, 8));
    expect((await s.call("lena", "GET", "/inbox")).body).toContain(approval.approval_id.slice(0, 8));
    expect((await s.call("lena", "GET", "/v1/approvals")).body.approvals.map((a: { approval_id: string }) => a.approval_id)).toContain(approval.approval_id);
    expect((await s.call("carla", "GET", "/v1/approvals")).body.approvals).toEqual([]);
    expect((await s.call("support-bot-1", "GET", "/v1/approvals")).body.approvals).toEqual([]);
  });

  it("GET /health, GET /ready, the sign-in page and sign-out need no token", async () => {
    expect((await s.call(undefined, "GET", "/health")).body.status).toBe("ok");
    expect((await s.call(undefined, "GET", "/ready")).body.status).toBe("ready");
    expect((await s.call(undefined, "GET", "/inbox/login")).status).toBe(200);
    expect((await s.call(undefined, "POST", "/inbox/logout")).status).toBe(303);
  });

  it("POST /inbox/login refuses a wrong token and audits it", async () => {
    const before = await refusals();
    const res = await s.call(undefined, "POST", "/inbox/login", { token: "wdn_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(res.status).toBe(401);
    expect(await refusals()).toBe(before + 1);
  });
});

describe("tokens and JWTs", () => {
  it("tokens are stored as hashes; a revoked token is refused", async () => {
    const rows = await listTokens(s.governor.store);
    const secret = s.tokens.sam!.split(".")[1]!;
    expect(JSON.stringify(rows)).not.toContain(secret);
    const id = s.tokens.sam!.slice(4, 20);
    expect((await s.call("sam", "GET", "/v1/kill-switch")).status).toBe(200);
    await revokeToken(s.governor.store, id, "admin");
    const r = await s.call("sam", "GET", "/v1/kill-switch");
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/revoked/);
  });

  it("a JWT from the configured issuer names a directory principal; its roles are the directory's, not its claims", async () => {
    const jwt = (sub: string, iss = "https://idp.test") => new SignJWT({ roles: ["warden:operator"] }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject(sub).setIssuer(iss).setAudience("warden").setExpirationTime("5m").sign(key);
    const lena = await jwt("lena");
    expect((await s.call(lena, "GET", `/v1/approvals/${approval.approval_id}`)).status).toBe(200);
    expect((await s.call(lena, "POST", "/v1/kill-switch", { on: true })).status).toBe(403);
    expect((await s.call(await jwt("lena", "https://evil.test"), "GET", "/v1/kill-switch")).status).toBe(401);
    expect((await s.call(await jwt("nobody"), "GET", "/v1/kill-switch")).status).toBe(401);
  });

  it("an approver without the routed role cannot decide even when it guesses the id; lena can", async () => {
    expect((await s.call("mia", "POST", `/v1/approvals/${approval.approval_id}/approve`, { saw: approval.saw })).status).toBe(404);
    expect((await s.call("lena", "POST", `/v1/approvals/${approval.approval_id}/approve`, { saw: approval.saw })).body.approval.status).toBe("approved");
  });
});
