// Signing a bundle as OPA does (bundle/sign.go): one JWT whose payload lists every file but
// .signatures.json with its OPA hash (hash.ts), stored as `{"signatures": ["<JWT>"]}`.
import { CompactSign } from "jose";
import { packFiles, sortedFiles, unpackFiles, type BundleFiles, type ReadLimits } from "./archive.ts";
import { BundleError } from "./errors.ts";
import { DEFAULT_HASH, SIGNATURES, hashFile } from "./hash.ts";
import { DEFAULT_SIGNING_ALG, checkAlgorithm, signingKey } from "./keys.ts";

export interface FileInfo {
  name: string;
  hash: string;
  algorithm: string;
}

export interface SignOptions {
  /** Key material: PEM private key text, or the HMAC secret (see keys.ts keyMaterial for files). */
  key: string;
  /** JWS algorithm (default RS256, as OPA). */
  algorithm?: string;
  /** Set as the JWT header `kid`; also as the deprecated `keyid` claim when no claims are given (as OPA). */
  keyId?: string;
  /** The `scope` claim; verification must then ask for the same scope. */
  scope?: string;
  /** Extra claims for the payload (OPA's --claims-file); `files` may not be among them. */
  claims?: Record<string, unknown>;
}

/** The payload's file list: every file except .signatures.json, sorted by name. */
export function fileInfos(files: BundleFiles): FileInfo[] {
  return [...sortedFiles(files)]
    .filter(([name]) => name !== SIGNATURES)
    .map(([name, bytes]) => ({ name, hash: hashFile(name, bytes, DEFAULT_HASH), algorithm: DEFAULT_HASH }));
}

/** The JWT that signs these files. RS, PS and HS signatures are deterministic; ES ones are not. */
export async function signFiles(files: BundleFiles, opts: SignOptions): Promise<string> {
  const alg = checkAlgorithm(opts.algorithm ?? DEFAULT_SIGNING_ALG);
  const payload: Record<string, unknown> = { files: fileInfos(files) };
  if (opts.claims) {
    if ("files" in opts.claims) throw new BundleError('the claims may not contain "files": that claim lists the signed files');
    Object.assign(payload, opts.claims);
  } else if (opts.keyId) {
    payload.keyid = opts.keyId; // deprecated claim, kept for OPA versions that read it
  }
  if (opts.scope !== undefined) {
    if (payload.scope !== undefined && payload.scope !== opts.scope) throw new BundleError(`the claims give scope ${JSON.stringify(payload.scope)}, --scope gives ${JSON.stringify(opts.scope)}`);
    payload.scope = opts.scope;
  }
  // Keys in byte order, as Go's json.Marshal writes a map.
  const ordered = Object.fromEntries(Object.entries(payload).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const header: { alg: string; kid?: string } = { alg };
  if (opts.keyId) header.kid = opts.keyId;
  return new CompactSign(new TextEncoder().encode(JSON.stringify(ordered))).setProtectedHeader(header).sign(signingKey(opts.key, alg));
}

/** `.signatures.json` content for a token. */
export function signaturesFile(token: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ signatures: [token] }, null, 1) + "\n");
}

/** The files with a fresh `.signatures.json` (any previous one is replaced). */
export async function signBundleFiles(files: BundleFiles, opts: SignOptions): Promise<BundleFiles> {
  const unsigned = new Map([...files].filter(([n]) => n !== SIGNATURES));
  const token = await signFiles(unsigned, opts);
  unsigned.set(SIGNATURES, signaturesFile(token));
  return sortedFiles(unsigned);
}

/** Signs .tar.gz bundle bytes, returning the signed bundle's bytes. */
export async function signBundle(bytes: Uint8Array, opts: SignOptions, limits: ReadLimits = {}): Promise<Uint8Array> {
  return packFiles(await signBundleFiles(unpackFiles(bytes, limits), opts));
}
