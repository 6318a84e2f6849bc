// The MCP gateway's requestState: a paused call's ticket, sealed with the gateway's key so that it
// can round-trip through the client. Pure functions over the ticket and the key; the key is
// checked once (sealingKey) where it enters. No MCP SDK here: `warden mcp-gateway` checks a
// configured key before it loads the SDK.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Ticket } from "../schemas/types.ts";

/** The shortest sealing key the gateway takes, in bytes. */
export const MIN_SECRET_BYTES = 32;

/** A sealing key the gateway refuses (too short, white space or control characters; a key file it cannot read): `code` says which. */
export class GatewaySecretError extends Error {
  override name = "GatewaySecretError";
  constructor(
    readonly code: "mcp_secret_invalid" | "mcp_secret_unreadable",
    message: string,
  ) {
    super(`${message} (${code})`);
  }
}

/**
 * The sealing key as bytes, checked: at least MIN_SECRET_BYTES; text as its UTF-8 bytes, refused
 * when it holds white space or control characters (a key pasted with a line break or a space is a
 * mistake, not a key). `where` names the source in the error.
 */
export function sealingKey(secret: Uint8Array | string, where = "the sealing key"): Uint8Array {
  if (typeof secret === "string") {
    if (/[\s\p{Cc}]/u.test(secret)) throw new GatewaySecretError("mcp_secret_invalid", `${where}: white space or a control character in the key (give it on one line, nothing else)`);
    secret = Buffer.from(secret, "utf8");
  }
  if (secret.length < MIN_SECRET_BYTES) {
    throw new GatewaySecretError("mcp_secret_invalid", `${where}: ${secret.length} byte(s), at least ${MIN_SECRET_BYTES} are needed (e.g. openssl rand -base64 48)`);
  }
  return secret;
}

/** The ticket, sealed: base64url(JSON) "." base64url(HMAC-SHA256). */
export function seal(ticket: Ticket, key: Uint8Array): string {
  const body = Buffer.from(JSON.stringify(ticket)).toString("base64url");
  return `${body}.${mac(body, key)}`;
}

/** The ticket a state sealed with this key holds; undefined for a state sealed otherwise, or not one at all. */
export function unseal(state: string, key: Uint8Array): Ticket | undefined {
  const [body, got] = state.split(".");
  if (!body || !got) return undefined;
  // Compared as text: base64url decoding ignores a final character's spare bits, so decoded
  // bytes would accept more than one spelling of the same MAC.
  const want = Buffer.from(mac(body, key));
  const given = Buffer.from(got);
  if (want.length !== given.length || !timingSafeEqual(want, given)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Ticket;
  } catch {
    return undefined;
  }
}

function mac(body: string, key: Uint8Array): string {
  return createHmac("sha256", key).update(`warden-mcp-state:${body}`).digest("base64url");
}
