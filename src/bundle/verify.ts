// Verifying a signed bundle as OPA does (bundle/verify.go), and stricter where OPA is lenient:
// exactly one JWT; its algorithm is the one the verifier expects; its signature checks with
// the verifier's key; its scope equals the expected scope (both may be empty); and the signed
// file list matches the bundle's files exactly: each file signed, each digest equal, no
// signed file missing. Every mismatch is reported, each naming its file.
import { compactVerify, decodeProtectedHeader } from "jose";
import type { BundleFiles } from "./archive.ts";
import { BundleError } from "./errors.ts";
import { HASH_ALGORITHMS, SIGNATURES, hashFile } from "./hash.ts";
import { DEFAULT_SIGNING_ALG, checkAlgorithm, verificationKey } from "./keys.ts";
import type { FileInfo } from "./sign.ts";

export interface VerifyOptions {
  /** Key material: PEM public key, certificate (or private key), or the HMAC secret. */
  key: string;
  /** The algorithm the bundle must be signed with (default RS256, as OPA). */
  algorithm?: string;
  /** When given, a token that names another key (header `kid` or `keyid` claim) is refused. */
  keyId?: string;
  /** The scope the token must carry; default none (a scoped token is then refused, as OPA). */
  scope?: string;
}

export interface VerifiedSignature {
  algorithm: string;
  /** The key id the token names, if any. */
  keyId?: string;
  scope?: string;
  files: FileInfo[];
  /** The whole payload (files, scope, iat, iss and any custom claims). */
  claims: Record<string, unknown>;
}

/** A bundle whose signature does not hold; `problems` lists every reason, one per file where relevant. */
export class VerificationError extends BundleError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `signature verification failed: ${problems[0]}` : `signature verification failed:\n  ${problems.join("\n  ")}`);
    this.name = "VerificationError";
  }
}

/** The token in `.signatures.json`, without checking it. Throws VerificationError when absent or malformed. */
export function signatureToken(files: BundleFiles): string {
  const raw = files.get(SIGNATURES);
  if (!raw) throw new VerificationError([`bundle is not signed (${SIGNATURES} is missing)`]);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    throw new VerificationError([`${SIGNATURES}: invalid JSON: ${(e as Error).message}`]);
  }
  const sigs = (doc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs) || !sigs.every((s) => typeof s === "string")) throw new VerificationError([`${SIGNATURES}: "signatures" must be a list of JWTs`]);
  if (sigs.length === 0) throw new VerificationError([`${SIGNATURES}: missing JWT (expected exactly one)`]);
  if (sigs.length > 1) throw new VerificationError([`${SIGNATURES}: multiple JWTs not supported (expected exactly one)`]);
  return sigs[0] as string;
}

/** What a token says, unverified (for `inspect`): algorithm, key id, scope and file count. */
export function describeSignature(files: BundleFiles): { algorithm?: string; keyId?: string; scope?: string; files: number; claims: Record<string, unknown> } {
  const token = signatureToken(files);
  const header = decodeProtectedHeader(token);
  const claims = decodePayload(token);
  return {
    algorithm: header.alg,
    keyId: (header.kid as string | undefined) ?? (typeof claims.keyid === "string" ? claims.keyid : undefined),
    scope: typeof claims.scope === "string" ? claims.scope : undefined,
    files: Array.isArray(claims.files) ? claims.files.length : 0,
    claims,
  };
}

function decodePayload(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new VerificationError([`${SIGNATURES}: malformed JWT (expected three dot-separated parts)`]);
  try {
    const p = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    if (typeof p !== "object" || p === null || Array.isArray(p)) throw new Error("payload is not an object");
    return p;
  } catch (e) {
    throw new VerificationError([`${SIGNATURES}: malformed JWT payload: ${(e as Error).message}`]);
  }
}

/** Verifies the bundle's signature and file list; resolves to what was verified or throws VerificationError. */
export async function verifyFiles(files: BundleFiles, opts: VerifyOptions): Promise<VerifiedSignature> {
  const alg = checkAlgorithm(opts.algorithm ?? DEFAULT_SIGNING_ALG);
  const token = signatureToken(files);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (e) {
    throw new VerificationError([`${SIGNATURES}: malformed JWT header: ${(e as Error).message}`]);
  }
  const claims = decodePayload(token);
  if (header.alg !== alg) throw new VerificationError([`bundle is signed with ${String(header.alg)}, expected ${alg}`]);
  const tokenKid = (typeof header.kid === "string" ? header.kid : undefined) ?? (typeof claims.keyid === "string" ? claims.keyid : undefined);
  if (opts.keyId !== undefined && tokenKid !== undefined && tokenKid !== opts.keyId) {
    throw new VerificationError([`bundle is signed with key id ${JSON.stringify(tokenKid)}, expected ${JSON.stringify(opts.keyId)}`]);
  }
  try {
    await compactVerify(token, verificationKey(opts.key, alg), { algorithms: [alg] });
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new VerificationError([`the signature does not verify with the given key (${(e as Error).message})`]);
  }
  const scope = typeof claims.scope === "string" ? claims.scope : "";
  if (scope !== (opts.scope ?? "")) {
    throw new VerificationError([`scope mismatch: the bundle is signed for scope ${JSON.stringify(scope)}, expected ${JSON.stringify(opts.scope ?? "")}`]);
  }
  const signed = signedFiles(claims.files);
  const problems: string[] = [];
  for (const [name, bytes] of files) {
    if (name === SIGNATURES) continue;
    const info = signed.get(name);
    if (!info) {
      problems.push(`${name}: not included in the bundle signature (file added after signing)`);
      continue;
    }
    if (!info.algorithm) {
      problems.push(`${name}: no hashing algorithm in the signature`);
      continue;
    }
    if (!HASH_ALGORITHMS[info.algorithm]) {
      problems.push(`${name}: unsupported hashing algorithm ${JSON.stringify(info.algorithm)}`);
      continue;
    }
    let digest: string;
    try {
      digest = hashFile(name, bytes, info.algorithm);
    } catch (e) {
      problems.push(`${name}: cannot be hashed: ${(e as Error).message}`);
      continue;
    }
    if (digest !== info.hash.toLowerCase()) problems.push(`${name}: digest mismatch (file changed since signing; signed ${info.hash}, found ${digest})`);
  }
  for (const name of signed.keys()) {
    if (!files.has(name)) problems.push(`${name}: signed but missing from the bundle`);
  }
  if (problems.length > 0) throw new VerificationError(problems);
  return { algorithm: alg, keyId: tokenKid, scope: scope === "" ? undefined : scope, files: [...signed.values()], claims };
}

/** The payload's `files`, by name; malformed entries and duplicates are refused. */
function signedFiles(list: unknown): Map<string, FileInfo> {
  if (!Array.isArray(list)) throw new VerificationError(['the JWT payload has no "files" list']);
  const out = new Map<string, FileInfo>();
  for (const f of list) {
    if (typeof f !== "object" || f === null || typeof f.name !== "string" || typeof f.hash !== "string") {
      throw new VerificationError(['each entry of the payload\'s "files" needs a string "name" and "hash"']);
    }
    const name = f.name.replace(/^\//, "");
    if (out.has(name)) throw new VerificationError([`${name}: listed twice in the signature`]);
    out.set(name, { name, hash: f.hash, algorithm: typeof f.algorithm === "string" ? f.algorithm : "" });
  }
  return out;
}
