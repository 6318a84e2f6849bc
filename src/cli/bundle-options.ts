// What the bundle commands (build, sign, verify, publish, bundles, inspect) share: their key
// options, reading a bundle argument, atomic writes, and turning bundle errors into exit 1.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { UsageError } from "./command.ts";
import { BundleError } from "../bundle/errors.ts";
import { DEFAULT_SIGNING_ALG, checkAlgorithm, keyMaterial } from "../bundle/keys.ts";
import type { SignOptions } from "../bundle/sign.ts";
import type { VerifyOptions } from "../bundle/verify.ts";

export const SIGNING_OPTIONS = {
  "signing-key": { type: "string" },
  "signing-alg": { type: "string" },
  "key-id": { type: "string" },
  scope: { type: "string" },
  "claims-file": { type: "string" },
} as const;

export const VERIFY_OPTIONS = {
  "verification-key": { type: "string" },
  "signing-alg": { type: "string" },
  "key-id": { type: "string" },
  scope: { type: "string" },
} as const;

export const SIGNING_HELP = `signing:
  --signing-key KEY    PEM private key file (RS*, PS*, ES*), or the HMAC secret or a file holding it (HS*)
  --signing-alg ALG    RS256 (default), RS384, RS512, PS256..512, ES256..512, HS256..512
  --key-id ID          key id, written as the JWT header "kid"
  --scope S            scope claim; verifiers must then ask for the same scope
  --claims-file F      JSON object of extra claims for the JWT payload (as opa sign)`;

export const VERIFY_HELP = `verification:
  --verification-key KEY  PEM public key or certificate file, or the HMAC secret or a file holding it
  --signing-alg ALG       the algorithm the bundle must be signed with (default RS256)
  --key-id ID             refuse a token that names another key id
  --scope S               the scope the signature must carry (default: none)`;

/** Signing options from parsed flags; undefined when no --signing-key is given. */
export function signOptionsFrom(v: Record<string, unknown>): SignOptions | undefined {
  const key = v["signing-key"] as string | undefined;
  if (key === undefined) {
    for (const f of ["signing-alg", "key-id", "scope", "claims-file"]) if (v[f] !== undefined) throw new UsageError(`--${f} needs --signing-key`);
    return undefined;
  }
  const algorithm = algorithmFrom(v);
  let claims: Record<string, unknown> | undefined;
  if (v["claims-file"] !== undefined) {
    const f = v["claims-file"] as string;
    if (!existsSync(f)) throw new UsageError(`no such claims file: ${f}`);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(f, "utf8"));
    } catch (e) {
      throw new UsageError(`${f}: invalid JSON: ${(e as Error).message}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new UsageError(`${f}: the claims must be a JSON object`);
    claims = doc as Record<string, unknown>;
  }
  return { key: keyMaterial(key), algorithm, keyId: v["key-id"] as string | undefined, scope: v.scope as string | undefined, claims };
}

/** Verification options from parsed flags; undefined when no --verification-key is given. */
export function verifyOptionsFrom(v: Record<string, unknown>): VerifyOptions | undefined {
  const key = v["verification-key"] as string | undefined;
  if (key === undefined) return undefined;
  return { key: keyMaterial(key), algorithm: algorithmFrom(v), keyId: v["key-id"] as string | undefined, scope: v.scope as string | undefined };
}

function algorithmFrom(v: Record<string, unknown>): string {
  try {
    return checkAlgorithm((v["signing-alg"] as string | undefined) ?? DEFAULT_SIGNING_ALG);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The bytes of a bundle named on the command line. */
export function readBundleArg(path: string | undefined, command: string): Uint8Array {
  if (path === undefined) throw new UsageError(`${command} needs a BUNDLE (.tar.gz)`);
  if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  return new Uint8Array(readFileSync(path));
}

/** Writes a file whole or not at all: aside first, then renamed over the target. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Runs a command body; a BundleError (bad, tampered or unverifiable bundle) prints and exits 1. */
export async function bundleCommand(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof BundleError) {
      console.error(`warden: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

export const human = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);
