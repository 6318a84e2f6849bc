// The `serve:` mapping of warden.yaml, checked: where the service listens, its limits, the JWKS
// for OIDC/JWT bearer tokens, the escalation clock and its webhooks. Paths are relative to the
// directory the config file configures; webhook secrets come from the environment or a file,
// never from the config itself.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { JwtConfig } from "./auth.ts";
import type { ClockOptions, Webhook } from "./clock.ts";
import { loadSigner, type Signer } from "../audit/checkpoint.ts";

export interface ServeSettings {
  host: string;
  port: number;
  bodyLimit: number;
  rateLimit: number;
  signInLimit: number;
  unauthenticatedLimit: number;
  tracing: boolean;
  maxWaitMs: number;
  /** Long-polls and event streams open at once per principal. */
  maxWaiters: number;
  /** Remote actions one agent may have started and not reported. */
  maxRunning: number;
  /** How long a client may take to send a whole request. */
  requestTimeoutMs: number;
  jwt?: JwtConfig;
  clock: ClockOptions;
  /** Signs the audit tree's head and receipts served (a key from warden audit keygen). */
  checkpointSigner?: Signer;
}

const KEYS = ["host", "port", "body_limit", "rate_limit", "max_wait_seconds", "jwks_file", "jwks_url", "jwt_issuer", "jwt_audience", "jwt_claim", "clock_interval_seconds", "warn_before_minutes", "public_url", "webhooks", "checkpoint_key_file", "sign_in_limit", "unauthenticated_limit", "tracing", "max_waiters", "max_running", "request_timeout_seconds", "config_dir"];

export class ServeConfigError extends Error {}

export function serveSettings(raw: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): ServeSettings {
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) throw new ServeConfigError(`serve: unknown setting ${JSON.stringify(k)} (settings: ${KEYS.filter((x) => x !== "config_dir").join(", ")})`);
  const dir = typeof raw.config_dir === "string" ? raw.config_dir : process.cwd();
  const path = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const num = (k: string, d: number) => {
    const v = raw[k] ?? d;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ServeConfigError(`serve: ${k}: a number ≥ 0, not ${JSON.stringify(v)}`);
    return v;
  };
  // A bound that 0 would switch off (a slow client would hold its connection for ever): above 0.
  const positive = (k: string, d: number) => {
    const v = num(k, d);
    if (v === 0) throw new ServeConfigError(`serve: ${k}: a number above 0`);
    return v;
  };
  const str = (k: string) => {
    const v = raw[k];
    if (v !== undefined && typeof v !== "string") throw new ServeConfigError(`serve: ${k}: a string`);
    return v as string | undefined;
  };
  const bool = (k: string) => {
    const v = raw[k] ?? false;
    if (typeof v !== "boolean") throw new ServeConfigError(`serve: ${k}: true or false`);
    return v;
  };
  let jwt: JwtConfig | undefined;
  const jwksFile = str("jwks_file");
  const jwksUrl = str("jwks_url");
  if (jwksFile || jwksUrl) {
    const issuer = str("jwt_issuer");
    const audience = str("jwt_audience");
    if (!issuer || !audience) throw new ServeConfigError("serve: a JWKS needs jwt_issuer and jwt_audience");
    jwt = { issuer, audience, ...(jwksFile ? { jwksFile: path(jwksFile) } : { jwksUrl: jwksUrl! }), ...(str("jwt_claim") ? { claim: str("jwt_claim")! } : {}) };
  }
  const webhooks: Webhook[] = [];
  if (raw.webhooks !== undefined) {
    if (!Array.isArray(raw.webhooks)) throw new ServeConfigError("serve: webhooks: a list of {url, secret_env | secret_file, format}");
    for (const [i, w] of (raw.webhooks as Record<string, unknown>[]).entries()) {
      if (typeof w?.url !== "string") throw new ServeConfigError(`serve: webhooks[${i}]: url`);
      const secret = typeof w.secret_env === "string" ? env[w.secret_env] : typeof w.secret_file === "string" ? readFileSync(path(w.secret_file), "utf8").trim() : undefined;
      if (!secret) throw new ServeConfigError(`serve: webhooks[${i}]: a secret from secret_env (set in the environment) or secret_file`);
      if (w.format !== undefined && w.format !== "warden" && w.format !== "slack") throw new ServeConfigError(`serve: webhooks[${i}]: format warden or slack`);
      webhooks.push({ url: w.url, secret, ...(w.format ? { format: w.format as "warden" | "slack" } : {}) });
    }
  }
  const publicUrl = str("public_url");
  const keyFile = str("checkpoint_key_file");
  let checkpointSigner: Signer | undefined;
  if (keyFile) {
    try {
      checkpointSigner = loadSigner(readFileSync(path(keyFile), "utf8"));
    } catch (e) {
      throw new ServeConfigError(`serve: checkpoint_key_file: ${(e as Error).message}`);
    }
  }
  return {
    host: str("host") ?? "127.0.0.1",
    port: num("port", 8181),
    bodyLimit: num("body_limit", 1024 * 1024),
    rateLimit: num("rate_limit", 200),
    signInLimit: num("sign_in_limit", 10),
    unauthenticatedLimit: num("unauthenticated_limit", 5),
    tracing: bool("tracing"),
    maxWaitMs: num("max_wait_seconds", 60) * 1000,
    maxWaiters: num("max_waiters", 16),
    maxRunning: num("max_running", 256),
    requestTimeoutMs: positive("request_timeout_seconds", 30) * 1000,
    ...(jwt ? { jwt } : {}),
    ...(checkpointSigner ? { checkpointSigner } : {}),
    clock: { intervalMs: num("clock_interval_seconds", 5) * 1000, ...(raw.warn_before_minutes !== undefined ? { warnBeforeMs: num("warn_before_minutes", 0) * 60_000 } : {}), webhooks, ...(publicUrl ? { publicUrl } : {}) },
  };
}
