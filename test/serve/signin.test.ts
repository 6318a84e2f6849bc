// Two doors that take no Warden token: the inbox's sign-in form, bounded per client address
// (429 rate_limited, audited, while the right token still works elsewhere), and OIDC bearer
// tokens verified against a JWKS fetched from a URL (a local HTTP server here), cached, and
// refused when the keys cannot be fetched.
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { revokeToken } from "../../src/serve/tokens.ts";
import { serve, type Served } from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "warden-serve-signin-"));
const open: { close(): unknown }[] = [];
afterAll(async () => {
  for (const o of open) await o.close();
});

const signIn = (s: Served, token: string) =>
  fetch(`${s.url}/inbox/login`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }) });

describe("inbox sign-in", () => {
  it("is bounded per address: past the limit a coded 429, audited, even for the right token", async () => {
    const s = await serve(`sqlite:${join(dir, "limit.db")}`, { signInLimit: 5 });
    open.push(s);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn(s, `wdn_0123456789abcdef.guess${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const limited = await signIn(s, s.tokens.lena!);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: "rate_limited", retry_after_s: 12 });
    const refusals: string[] = [];
    for await (const r of s.audit.list({ type: "refusal" })) refusals.push(String((r.details as { code?: string }).code));
    expect(refusals.filter((c) => c === "rate_limited")).toHaveLength(1);
    expect(refusals.filter((c) => c === "unauthenticated")).toHaveLength(5);
    // The API (bearer tokens) is not behind the sign-in bound.
    expect((await s.call("lena", "GET", "/v1/approvals")).status).toBe(200);
  });

  it("the right token signs in below the limit", async () => {
    const s = await serve(`sqlite:${join(dir, "ok.db")}`);
    open.push(s);
    const r = await signIn(s, s.tokens.lena!);
    expect(r.status).toBe(303);
    expect(r.headers.get("set-cookie")).toMatch(/^warden_session=wdn_/);
    // Never sent over plain HTTP to another host; browsers keep it on loopback (the browser tests).
    expect(r.headers.get("set-cookie")!.split("; ")).toEqual(expect.arrayContaining(["HttpOnly", "Secure", "SameSite=Strict"]));
  });
});

describe("inbox sessions", () => {
  const cookieOf = (r: Response) => /^warden_session=([^;]+)/.exec(r.headers.get("set-cookie") ?? "")![1]!;
  const inbox = (s: Served, cookie: string) => fetch(`${s.url}/inbox`, { headers: { cookie: `warden_session=${cookie}` }, redirect: "manual" });
  const signOut = (s: Served, cookie: string) => fetch(`${s.url}/inbox/logout`, { method: "POST", headers: { cookie: `warden_session=${cookie}` }, redirect: "manual" });
  const events = async (s: Served) => {
    const out: string[] = [];
    for await (const r of s.audit.list({ type: "token" })) out.push(String((r.details as { event?: string }).event));
    return out;
  };

  it("the cookie holds a session of its own, never the API token; a session is no bearer token, an API token no cookie", async () => {
    const s = await serve(`sqlite:${join(dir, "session.db")}`);
    open.push(s);
    const r = await signIn(s, s.tokens.lena!);
    const session = cookieOf(r);
    expect(decodeURIComponent(session)).not.toBe(s.tokens.lena);
    expect(r.headers.get("set-cookie")!.split("; ")).toContain("Max-Age=28800");
    expect((await inbox(s, session)).status).toBe(200);
    // Stolen from the cookie, the session does not open the API; the API token is no session.
    const asBearer = await s.call(decodeURIComponent(session), "GET", "/v1/approvals");
    expect([asBearer.status, asBearer.body.code]).toEqual([401, "unauthenticated"]);
    expect((await inbox(s, encodeURIComponent(s.tokens.lena!))).status).toBe(302);
    expect(await events(s)).toContain("session_opened");
  });

  it("signing out ends the session in the store: the same cookie, sent again, is refused", async () => {
    const s = await serve(`sqlite:${join(dir, "signout.db")}`);
    open.push(s);
    const session = cookieOf(await signIn(s, s.tokens.lena!));
    expect((await inbox(s, session)).status).toBe(200);
    const out = await signOut(s, session);
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await inbox(s, session)).status).toBe(302);
    expect(await events(s)).toEqual(expect.arrayContaining(["session_opened", "session_closed"]));
    // The API token itself still works, and signs in again.
    expect((await s.call("lena", "GET", "/v1/approvals")).status).toBe(200);
    expect((await inbox(s, cookieOf(await signIn(s, s.tokens.lena!)))).status).toBe(200);
  });

  it("revoking the API token ends the sessions opened with it", async () => {
    const s = await serve(`sqlite:${join(dir, "revoked.db")}`);
    open.push(s);
    const session = cookieOf(await signIn(s, s.tokens.lena!));
    expect((await inbox(s, session)).status).toBe(200);
    const id = /^wdn_([0-9a-f]{16})\./.exec(s.tokens.lena!)![1]!;
    await revokeToken(s.governor.store, id, "admin");
    expect((await inbox(s, session)).status).toBe(302);
  });
});

describe("OIDC with the JWKS from a URL", () => {
  it("verifies against the fetched keys, caches them, refuses a foreign key; an unreachable JWKS refuses", async () => {
    const pair = await generateKeyPair("ES256");
    const other = await generateKeyPair("ES256");
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" }] };
    let fetched = 0;
    const idp: Server = createServer((req, res) => {
      if (req.url !== "/.well-known/jwks.json") return void res.writeHead(404).end();
      fetched++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
    open.push(idp);
    const jwksUrl = `http://127.0.0.1:${(idp.address() as { port: number }).port}/.well-known/jwks.json`;
    const s = await serve(`sqlite:${join(dir, "oidc.db")}`, { jwt: { jwksUrl, issuer: "https://idp.test", audience: "warden" } });
    open.push(s);
    const jwt = (sub: string, key: CryptoKey = pair.privateKey as CryptoKey) =>
      new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject(sub).setIssuer("https://idp.test").setAudience("warden").setExpirationTime("5m").sign(key);

    expect(fetched).toBe(0); // fetched on first use, not at start
    const lena = await jwt("lena");
    expect((await s.call(lena, "GET", "/v1/approvals")).status).toBe(200);
    expect((await s.call(lena, "GET", "/v1/kill-switch")).status).toBe(200);
    expect(fetched).toBe(1);
    // Roles are the directory's: lena is no operator.
    expect((await s.call(lena, "POST", "/v1/kill-switch", { on: true })).status).toBe(403);
    const forged = await s.call(await jwt("admin", other.privateKey as CryptoKey), "GET", "/v1/principals");
    expect([forged.status, forged.body.code]).toEqual([401, "unauthenticated"]);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject("lena").setIssuer("https://idp.test").setAudience("warden").setExpirationTime(Math.floor(Date.now() / 1000) - 600).sign(pair.privateKey as CryptoKey);
    expect((await s.call(expired, "GET", "/v1/approvals")).status).toBe(401);

    // A service whose JWKS URL does not answer fails closed.
    const down = await serve(`sqlite:${join(dir, "down.db")}`, { jwt: { jwksUrl: "http://127.0.0.1:9/jwks.json", issuer: "https://idp.test", audience: "warden" } });
    open.push(down);
    const r = await down.call(lena, "GET", "/v1/approvals");
    expect([r.status, r.body.code]).toEqual([401, "unauthenticated"]);
  });
});
