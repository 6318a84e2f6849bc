// API tokens of the service: one per principal and purpose, issued and revoked by an admin.
// A token is `wdn_<id>.<secret>`: the id names the row, the secret (32 random bytes) is shown
// once and never stored; the row holds its SHA-256. Rows live in the governance store's
// api_tokens table, each change written with its audit record (type token), so a row edited in
// SQL is refused like any governance state (tampered_state).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { DirectoryEntry } from "../schemas/types.ts";
import { authorize, resolvePrincipal } from "../governance/directory.ts";
import { GovernanceRefusal } from "../governance/errors.ts";
import { audited } from "../governance/refusals.ts";
import type { GovernanceState } from "../governance/state.ts";

export interface TokenRow {
  id: string;
  principal: string;
  /** hex SHA-256 of the secret. */
  sha256: string;
  label?: string;
  created_at: string;
  created_by: string;
  expires_at?: string;
  revoked_at?: string;
  revoked_by?: string;
  /**
   * Set on an inbox session: the id of the API token it was opened with. A session is good only
   * as the inbox's cookie (never as a bearer token), only while that token is, and until it
   * expires or its holder signs out (which revokes it).
   */
  session_of?: string;
}

export interface Authenticated {
  id: string;
  kind: DirectoryEntry["kind"];
  roles: string[];
  via: "token" | "jwt";
  token_id?: string;
}

const TOKEN = /^wdn_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export function sha256(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A new token's id and secret, and the token as presented (`wdn_<id>.<secret>`). */
function mint(): { id: string; secret: string; token: string } {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { id, secret, token: `wdn_${id}.${secret}` };
}

/** Why a token row no longer stands for anyone (revoked, expired), or undefined while it does. */
function ended(row: TokenRow, now: Date): string | undefined {
  if (row.revoked_at) return `was revoked at ${row.revoked_at}`;
  if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) return `expired at ${row.expires_at}`;
  return undefined;
}

/** Issues a token for a principal of the directory, by an admin (audited). Returns the token, shown once. */
export async function issueToken(
  state: GovernanceState,
  principal: string,
  by: string,
  opts: { label?: string; expiresAt?: Date; now?: Date } = {},
): Promise<{ token: string; row: TokenRow }> {
  const { id, secret, token } = mint();
  const row: TokenRow = {
    id,
    principal,
    sha256: sha256(secret),
    created_at: (opts.now ?? new Date()).toISOString(),
    created_by: by,
    ...(opts.label ? { label: opts.label } : {}),
    ...(opts.expiresAt ? { expires_at: opts.expiresAt.toISOString() } : {}),
  };
  await audited(state.audit, { operation: "token.issue", actor: { id: by }, details: { principal } }, () =>
    state.transaction(async (tx) => {
      const admin = await authorize(state, by, "principals", tx);
      await resolvePrincipal(state, principal, tx);
      await state.write(tx, "api_tokens", id, row, { type: "token", actor: admin, details: { event: "issued", token_id: id, principal } });
    }),
  );
  return { token, row };
}

/** Revokes a token by id (audited); refuses unknown and already revoked ones. */
export async function revokeToken(state: GovernanceState, id: string, by: string, now = new Date()): Promise<TokenRow> {
  return audited(state.audit, { operation: "token.revoke", actor: { id: by }, details: { token_id: id } }, () =>
    state.transaction(async (tx) => {
      const admin = await authorize(state, by, "principals", tx);
      const cur = (await state.read<TokenRow>(tx, "api_tokens", id, { lock: true }))?.value;
      if (!cur) throw new GovernanceRefusal("unknown_principal", `no token ${id}`);
      if (cur.revoked_at) throw new GovernanceRefusal("not_permitted", `token ${id} was already revoked at ${cur.revoked_at}`);
      const next: TokenRow = { ...cur, revoked_at: now.toISOString(), revoked_by: by };
      await state.write(tx, "api_tokens", id, next, { type: "token", actor: admin, details: { event: "revoked", token_id: id, principal: cur.principal } });
      return next;
    }),
  );
}

/** How long an inbox session lasts from sign-in. */
export const SESSION_HOURS = 8;

/**
 * Opens an inbox session for a principal signed in with an API token (audited, by the principal
 * itself): a token row of its own, so the cookie never holds the API token. Returns the session
 * token (shown once, like an API token) and its row.
 */
export async function openSession(state: GovernanceState, signedIn: Authenticated, now = new Date()): Promise<{ token: string; row: TokenRow }> {
  if (signedIn.via !== "token" || !signedIn.token_id) throw new GovernanceRefusal("not_permitted", "an inbox session is opened with a Warden API token");
  const { id, secret, token } = mint();
  const row: TokenRow = {
    id,
    principal: signedIn.id,
    sha256: sha256(secret),
    label: "inbox session",
    created_at: now.toISOString(),
    created_by: signedIn.id,
    expires_at: new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString(),
    session_of: signedIn.token_id,
  };
  await state.transaction((tx) =>
    state.write(tx, "api_tokens", id, row, { type: "token", actor: { id: signedIn.id, kind: signedIn.kind }, details: { event: "session_opened", token_id: id, principal: signedIn.id } }),
  );
  return { token, row };
}

/** Signs a session out: revokes its row (audited, by its holder). Quietly does nothing for a token that is no live session. */
export async function closeSession(state: GovernanceState, presented: string, now = new Date()): Promise<void> {
  let holder: Authenticated;
  try {
    holder = await verifyToken(state, presented, now, { session: true });
  } catch {
    return;
  }
  const id = holder.token_id!;
  await state.transaction(async (tx) => {
    const cur = (await state.read<TokenRow>(tx, "api_tokens", id, { lock: true }))?.value;
    if (!cur || cur.revoked_at) return;
    const next: TokenRow = { ...cur, revoked_at: now.toISOString(), revoked_by: holder.id };
    await state.write(tx, "api_tokens", id, next, { type: "token", actor: { id: holder.id, kind: holder.kind }, details: { event: "session_closed", token_id: id, principal: holder.id } });
  });
}

/** Every token row (hashes only), checked against the chain. */
export async function listTokens(state: GovernanceState): Promise<TokenRow[]> {
  return state.list<TokenRow>(state.db, "api_tokens");
}

/**
 * The principal a presented token stands for, with its roles from the directory now; throws
 * GovernanceRefusal (not audited here: the caller audits with the route) when the token is
 * malformed, unknown, wrong, revoked, expired, or its principal left the directory.
 * `session`: the token came as the inbox's cookie, which must hold a session (and a session
 * is refused anywhere else); a session holds only while the API token it was opened with does.
 */
export async function verifyToken(state: GovernanceState, presented: string, now = new Date(), opts: { session?: boolean } = {}): Promise<Authenticated> {
  const m = TOKEN.exec(presented);
  if (!m) throw new GovernanceRefusal("not_permitted", "the bearer token is not a Warden API token");
  const [, id, secret] = m;
  const row = (await state.read<TokenRow>(state.db, "api_tokens", id!))?.value;
  const given = Buffer.from(sha256(secret!), "hex");
  const stored = Buffer.from(row?.sha256 ?? "0".repeat(64), "hex");
  if (!row || stored.length !== given.length || !timingSafeEqual(stored, given)) throw new GovernanceRefusal("not_permitted", "unknown or wrong API token");
  const over = ended(row, now);
  if (over) throw new GovernanceRefusal("not_permitted", `API token ${id} ${over}`);
  if (opts.session && row.session_of === undefined) throw new GovernanceRefusal("not_permitted", "the inbox cookie holds no session: sign in again");
  if (!opts.session && row.session_of !== undefined) throw new GovernanceRefusal("not_permitted", `token ${id} is an inbox session, good only as the inbox's cookie`);
  if (row.session_of !== undefined) {
    const parent = (await state.read<TokenRow>(state.db, "api_tokens", row.session_of))?.value;
    if (!parent || ended(parent, now) || parent.principal !== row.principal) {
      throw new GovernanceRefusal("not_permitted", `inbox session ${id} ended with API token ${row.session_of}`);
    }
  }
  const p = await resolvePrincipal(state, row.principal);
  return { id: p.id, kind: p.kind, roles: p.roles, via: "token", token_id: id };
}
