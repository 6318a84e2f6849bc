// Who is calling: a Warden API token (tokens.ts) or an OIDC/JWT bearer token verified against a
// configured JWKS (jose), its principal claim naming an entry of the directory. Either way the
// roles are the directory's now, never the token's claims. Then what the caller may do: each
// route names the access it needs (see ACCESS), and every refusal, unauthenticated ones
// included, is an audit record.
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { readFileSync } from "node:fs";
import type { AuditLog } from "../audit/log.ts";
import { OPERATION_ROLES, resolvePrincipal, type Operation } from "../governance/directory.ts";
import { GovernanceRefusal } from "../governance/errors.ts";
import type { GovernanceState } from "../governance/state.ts";
import { verifyToken, type Authenticated } from "./tokens.ts";

export interface JwtConfig {
  /** A JWKS document (file) or URL. */
  jwksFile?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** The claim naming the directory id (default sub). */
  claim?: string;
}

/** Roles for the service's own reads that Warden's operations do not cover. */
export const SERVICE_ROLES = {
  /** Read the audit trail and its verification. */
  audit: ["warden:auditor", "warden:operator", "warden:admin"],
  /** Scrape /metrics. */
  metrics: ["warden:monitor", "warden:operator", "warden:admin"],
  /** Ask decisions (AuthZEN, Data API) for subjects other than itself: a policy enforcement point. */
  pep: ["warden:pep"],
} as const;

export class Unauthenticated extends Error {
  readonly code = "unauthenticated";
}

const JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

export class Authenticator {
  private readonly keys: JWTVerifyGetKey | undefined;

  constructor(
    private readonly state: GovernanceState,
    private readonly jwt?: JwtConfig,
  ) {
    if (jwt?.jwksFile) this.keys = createLocalJWKSet(JSON.parse(readFileSync(jwt.jwksFile, "utf8")) as JSONWebKeySet);
    else if (jwt?.jwksUrl) this.keys = createRemoteJWKSet(new URL(jwt.jwksUrl));
  }

  /**
   * The principal of an Authorization header, or (`session`) of the inbox's session cookie in
   * that form; throws Unauthenticated or GovernanceRefusal.
   */
  async authenticate(header: string | undefined, opts: { session?: boolean } = {}): Promise<Authenticated> {
    if (!header) throw new Unauthenticated("no credentials: send Authorization: Bearer TOKEN");
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header);
    if (!m) throw new Unauthenticated("the Authorization header is not a bearer token");
    const token = m[1]!;
    if (token.startsWith("wdn_")) {
      try {
        return await verifyToken(this.state, token, new Date(), opts);
      } catch (e) {
        if (e instanceof GovernanceRefusal && e.code !== "tampered_state") throw new Unauthenticated(e.message);
        throw e;
      }
    }
    if (opts.session) throw new Unauthenticated("the inbox cookie holds no session: sign in again");
    if (!this.keys || !this.jwt) throw new Unauthenticated("the bearer token is not a Warden API token, and no JWKS is configured");
    let sub: unknown;
    try {
      // exp is required: a JWT without one would stand for its principal for ever, and unlike an
      // API token it cannot be revoked here.
      const { payload } = await jwtVerify(token, this.keys, { issuer: this.jwt.issuer, audience: this.jwt.audience, algorithms: JWT_ALGORITHMS, requiredClaims: ["exp"] });
      sub = payload[this.jwt.claim ?? "sub"];
    } catch (e) {
      throw new Unauthenticated(`the JWT does not verify: ${(e as Error).message}`);
    }
    if (typeof sub !== "string") throw new Unauthenticated(`the JWT has no string claim ${this.jwt.claim ?? "sub"}`);
    try {
      const p = await resolvePrincipal(this.state, sub);
      return { id: p.id, kind: p.kind, roles: p.roles, via: "jwt" };
    } catch (e) {
      if (e instanceof GovernanceRefusal && e.code === "unknown_principal") throw new Unauthenticated(e.message);
      throw e;
    }
  }
}

/** True when the principal holds one of the roles. */
export function holds(p: Authenticated, roles: readonly string[]): boolean {
  return p.roles.some((r) => roles.includes(r));
}

/** Refuses a principal without any role of a Warden operation (the directory's OPERATION_ROLES). */
export function needOperation(p: Authenticated, op: Operation): void {
  if (!holds(p, OPERATION_ROLES[op])) throw new GovernanceRefusal("not_permitted", `${p.id} needs one of the roles ${OPERATION_ROLES[op].join(", ")}`);
}

export function needRoles(p: Authenticated, roles: readonly string[], what: string): void {
  if (!holds(p, roles)) throw new GovernanceRefusal("not_permitted", `${p.id} may not ${what}: it needs one of the roles ${roles.join(", ")}`);
}

export function needAgent(p: Authenticated): void {
  if (p.kind !== "agent") throw new GovernanceRefusal("not_permitted", `${p.id} is a ${p.kind}: only agents propose actions`);
}

/** The audit record of a refused HTTP request. */
export async function auditHttpRefusal(
  audit: AuditLog,
  r: { route: string; method: string; code: string; message: string; principal?: Authenticated; action_id?: string; ip?: string },
): Promise<void> {
  await audit.append({
    type: "refusal",
    ...(r.action_id ? { action_id: r.action_id } : {}),
    ...(r.principal ? { actor: { id: r.principal.id, kind: r.principal.kind } } : {}),
    details: { operation: `http ${r.method} ${r.route}`, code: r.code, message: r.message.slice(0, 1024), ...(r.ip ? { ip: r.ip } : {}) },
  });
}
