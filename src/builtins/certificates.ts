// crypto.x509.* and crypto.parse_private_keys: PEM/base64/DER input read as OPA reads it
// (topdown/crypto.go), certificates laid out by x509.ts, chains verified with Node's
// X509Certificate (signatures, issuer names, validity at the evaluation's clock, CA flags, host
// names, unhandled critical extensions, extended key usages, and on each built chain name
// constraints as name-constraints.ts enforces them) and keys read with Node's KeyObject.
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { fromJSON, SetValue, toBigInt, isNumber, type Value } from "../values/value.ts";
import type { BuiltinContext, BuiltinDef } from "./builtin.ts";
import { builtinError, fn, obj, str } from "./args.ts";
import { BuiltinError } from "./builtin.ts";
import { T } from "./types.ts";
import { readTlv } from "./der.ts";
import { EXT_KEY_USAGES, goCertificate, goCertificateRequest } from "./x509.ts";
import { certificateNames, chainPermitsNames, X509Error, type CertificateNames } from "./name-constraints.ts";

interface PemBlock {
  type: string;
  bytes: Buffer;
}

const PEM = /-----BEGIN ([^\r\n-]*)-----\r?\n((?:[^\r\n]*:[^\r\n]*\r?\n)*)\r?\n?([A-Za-z0-9+/=\s]*?)-----END \1-----/y;

/** The PEM blocks of `s`, in order, as Go's pem.Decode finds them (text between blocks is skipped). */
function pemBlocks(s: string): PemBlock[] {
  const out: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const start = s.indexOf("-----BEGIN ", pos);
    if (start < 0) return out;
    PEM.lastIndex = start;
    const m = PEM.exec(s);
    if (!m) {
      pos = start + 1;
      continue;
    }
    out.push({ type: m[1]!, bytes: Buffer.from(m[3]!.replace(/\s+/g, ""), "base64") });
    pos = PEM.lastIndex;
  }
}

/** Go's base64.StdEncoding.DecodeString: padded standard alphabet, newlines ignored; null if invalid. */
function goBase64(s: string): Buffer | null {
  const t = s.replace(/[\r\n]/g, "");
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return null;
  return Buffer.from(t, "base64");
}

function base64Operand(s: string): Buffer {
  const b = goBase64(s);
  if (!b) throw builtinError("illegal base64 data at input byte 0");
  return b;
}

/** Concatenated DER certificates split into each certificate's bytes. */
function splitDer(der: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < der.length) {
    const [t, next] = readTlv(der, pos);
    out.push(t.raw);
    pos = next;
  }
  return out;
}

/** The DER certificates in a PEM string, a base64 PEM string or base64 DER, as OPA accepts them. */
function certificateDers(input: string): Buffer[] {
  let pem = input;
  if (!input.startsWith("-----BEGIN")) {
    const raw = base64Operand(input);
    if (!raw.subarray(0, 10).equals(Buffer.from("-----BEGIN"))) return guard(() => splitDer(raw));
    pem = raw.toString("utf8");
  }
  const ders: Buffer[] = [];
  for (const b of pemBlocks(pem)) {
    if (b.type !== "CERTIFICATE") throw builtinError(`PEM block type is '${b.type}', expected CERTIFICATE`);
    ders.push(b.bytes);
  }
  return guard(() => ders.flatMap(splitDer));
}

/** Runs a DER decoding step, reporting malformed input as Go's x509 does: with Go's message where
 * one is known (X509Error), else as a malformed certificate. */
function guard<R>(f: () => R, malformed = "x509: malformed certificate"): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof BuiltinError) throw e;
    throw builtinError(e instanceof X509Error ? e.message : malformed);
  }
}

interface Parsed {
  der: Buffer;
  node: X509Certificate;
  go: Record<string, unknown>;
}

function parseAll(input: string): Parsed[] {
  return certificateDers(input).map((der) => guard(() => ({ der, node: new X509Certificate(der), go: goCertificate(der) })));
}

// ---------------------------------------------------------------------------------------------
// Chain verification (Go's Certificate.Verify with OPA's pools: first root, last leaf)

interface VerifyOptions {
  dnsName?: string;
  nowMs: number;
  keyUsages: number[];
  /** Go's MaxConstraintComparisions: 0 for its default. */
  maxConstraintComparisons: number;
}

/** A certificate to verify: parsed, with its name constraints and SANs decoded. */
type Candidate = Parsed & CertificateNames;

/** The certificates of `input` ready to verify, or null where Go's ParseCertificate would fail
 * (malformed SANs and name constraints included). */
function parseForVerify(input: string): Candidate[] | null {
  try {
    return parseAll(input).map((c) => ({ ...c, ...certificateNames(c.go.Extensions) }));
  } catch {
    return null;
  }
}

const MAX_CHAIN = 16;

/** Go's maxChainSignatureChecks: the parents one verification may check a signature against;
 * past it the remaining candidates fail. It bounds the chains built, and so the name constraint
 * checks made on them. */
const MAX_SIGNATURE_CHECKS = 100;

function timeValid(c: Candidate, nowMs: number): boolean {
  return Date.parse(c.go.NotBefore as string) <= nowMs && nowMs <= Date.parse(c.go.NotAfter as string);
}

/** Go's x509 refuses these signatures (MD2, MD5, SHA-1 and DSA ones: InsecureAlgorithmError or
 * ErrUnsupportedAlgorithm) whoever signed them. */
const REFUSED_SIGNATURES = new Set([1, 2, 3, 7, 8, 9]);

/** Go's CheckSignatureFrom, and the issuer/subject chaining that picks the candidate. */
function issuedBy(child: Candidate, parent: Candidate): boolean {
  if (REFUSED_SIGNATURES.has(child.go.SignatureAlgorithm as number)) return false;
  try {
    return child.node.checkIssued(parent.node) && child.node.verify(parent.node.publicKey);
  } catch {
    return false;
  }
}

/** Go's checkChainForKeyUsage: walking from the root down, each certificate that names extended
 * key usages (and not "any") crosses out the requested ones it lacks; the chain fails when none
 * is left. */
function usagesAllowed(chain: Candidate[], wanted: number[]): boolean {
  if (wanted.includes(EXT_KEY_USAGES["2.5.29.37.0"]!)) return true;
  let remaining = [...wanted];
  for (let i = chain.length - 1; i >= 0; i--) {
    const eku = (chain[i]!.go.ExtKeyUsage as number[] | null) ?? [];
    if (eku.length === 0 && !chain[i]!.go.UnknownExtKeyUsage) continue;
    if (eku.includes(0)) continue;
    remaining = remaining.filter((w) => eku.includes(w));
    if (remaining.length === 0) return false;
  }
  return true;
}

/** Go's isValid refuses a certificate with critical extensions it does not handle. */
const unhandledCritical = (c: Candidate): boolean => c.go.UnhandledCriticalExtensions !== null;

/** Go's isValid for a CA candidate above `chain` (leaf first): in its validity period, no
 * unhandled critical extension, an intermediate with CA basic constraints (a root needs none: it
 * is trusted as given), and within any path length constraint. Name constraints are checked on
 * the built chain. */
function canSign(p: Candidate, chain: Candidate[], isRoot: boolean, opts: VerifyOptions): boolean {
  if (!timeValid(p, opts.nowMs) || unhandledCritical(p)) return false;
  if (!isRoot && (p.go.BasicConstraintsValid !== true || p.go.IsCA !== true)) return false;
  const maxPathLen = p.go.MaxPathLen as number;
  if (p.go.BasicConstraintsValid === true && maxPathLen >= 0 && chain.length - 1 > maxPathLen) return false;
  return true;
}

function hostMatches(leaf: Candidate, name: string): boolean {
  const ip = /^[0-9.]+$/.test(name) || name.includes(":");
  return ip ? leaf.node.checkIP(name.replace(/^\[|\]$/g, "")) !== undefined : leaf.node.checkHost(name, { subject: "never" }) !== undefined;
}

/** The first chain from the leaf to the root (leaf first) whose key usages and name constraints
 * hold, or null when none verifies. */
function verifyChain(certs: Candidate[], opts: VerifyOptions): Candidate[] | null {
  const root = certs[0]!;
  const intermediates = certs.slice(1, -1);
  const leaf = certs[certs.length - 1]!;
  if (!timeValid(leaf, opts.nowMs) || unhandledCritical(leaf)) return null;
  if (opts.dnsName !== undefined && opts.dnsName !== "" && !hostMatches(leaf, opts.dnsName)) return null;
  if (leaf.der.equals(root.der)) return [leaf];
  let checks = 0;
  /** A candidate parent as Go's buildChains considers one: named as the child's issuer (byte for
   * byte), within the signature check budget, and the signer. */
  const signedBy = (child: Candidate, parent: Candidate): boolean =>
    child.go.RawIssuer === parent.go.RawSubject && ++checks <= MAX_SIGNATURE_CHECKS && issuedBy(child, parent);
  const extend = (chain: Candidate[]): Candidate[] | null => {
    const last = chain[chain.length - 1]!;
    if (chain.length > MAX_CHAIN) return null;
    if (signedBy(last, root) && canSign(root, chain, true, opts)) {
      const full = [...chain, root];
      if (usagesAllowed(full, opts.keyUsages) && chainPermitsNames(full, opts.maxConstraintComparisons)) return full;
    }
    for (const p of intermediates) {
      if (chain.includes(p) || !signedBy(last, p) || !canSign(p, chain, false, opts)) continue;
      const found = extend([...chain, p]);
      if (found) return found;
    }
    return null;
  };
  return extend([leaf]);
}

function nowMs(ctx: BuiltinContext): number {
  return Number(ctx.nowNs / 1_000_000n);
}

const SERVER_AUTH = 1;

/** [true, the chain leaf first] or [false, []]; `options` are read once the input parsed, and
 * `shown` picks what of each certificate the result carries. */
function parseAndVerify(input: string, options: () => VerifyOptions, shown: (go: Record<string, unknown>) => Record<string, unknown>): Value {
  const certs = parseForVerify(input);
  if (!certs) return [false, []];
  const opts = options();
  if (certs.length < 2) return [false, []];
  const chain = verifyChain(certs, opts);
  return chain ? [true, chain.map((c) => fromJSON(shown(c.go)))] : [false, []];
}

function withoutURIStrings(go: Record<string, unknown>): Record<string, unknown> {
  const { URIStrings: _drop, ...rest } = go;
  return rest;
}

const KEY_USAGE_NAMES: Record<string, number> = {
  KeyUsageAny: 0, KeyUsageServerAuth: 1, KeyUsageClientAuth: 2, KeyUsageCodeSigning: 3, KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5, KeyUsageIPSECTunnel: 6, KeyUsageIPSECUser: 7, KeyUsageTimeStamping: 8, KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10, KeyUsageNetscapeServerGatedCrypto: 11, KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

/** OPA's extractVerifyOpts: the option names and errors as OPA reports them. */
function verifyOptions(args: Value[], ctx: BuiltinContext): VerifyOptions {
  const opts: VerifyOptions = { nowMs: nowMs(ctx), keyUsages: [], maxConstraintComparisons: 0 };
  for (const [k, v] of obj(args, 1).entries()) {
    if (typeof k !== "string") continue;
    switch (k) {
      case "DNSName":
        if (typeof v !== "string") throw builtinError("'DNSName' should be a string");
        opts.dnsName = v;
        break;
      case "CurrentTime": {
        if (!isNumber(v)) throw builtinError("'CurrentTime' should be a number");
        const ns = toBigInt(v);
        if (ns === null || ns > 2n ** 63n - 1n || ns < -(2n ** 63n)) throw builtinError("'CurrentTime' should be a valid int64 number");
        if (ns !== 0n) opts.nowMs = Number(ns / 1_000_000n);
        break;
      }
      case "MaxConstraintComparisons": {
        if (!isNumber(v)) throw builtinError("'MaxConstraintComparisons' should be a number");
        const n = toBigInt(v);
        if (n === null || n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw builtinError("'MaxConstraintComparisons' should be a valid number");
        opts.maxConstraintComparisons = Number(n);
        break;
      }
      case "KeyUsages": {
        if (!Array.isArray(v) && !(v instanceof SetValue)) throw builtinError("'KeyUsages' should be an Array or Set");
        const invalid: string[] = [];
        for (const u of Array.isArray(v) ? v : v.values()) {
          if (typeof u !== "string") continue;
          const n = KEY_USAGE_NAMES[u];
          if (n === undefined) invalid.push(u);
          else opts.keyUsages.push(n);
        }
        if (invalid.length) throw builtinError(`invalid entries for 'KeyUsages' found: [${invalid.join(" ")}]`);
        break;
      }
      default:
        throw builtinError("invalid key option");
    }
  }
  if (opts.keyUsages.length === 0) opts.keyUsages = [SERVER_AUTH];
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Certificate requests and keys

function certificateRequest(input: string): Value {
  let der = input.startsWith("-----BEGIN CERTIFICATE REQUEST-----") ? Buffer.from(input, "utf8") : base64Operand(input);
  const text = der.toString("utf8");
  if (text.startsWith("-----BEGIN")) {
    const [block] = pemBlocks(text);
    if (block && block.type !== "CERTIFICATE REQUEST") throw builtinError("invalid PEM-encoded certificate signing request");
    if (block) der = block.bytes;
  }
  return fromJSON(guard(() => goCertificateRequest(der), "x509: malformed certificate request"));
}

/** OPA's getPrivateKeysFromPEMData: the RSA, PKCS #8 and EC private keys in order; other blocks skipped. */
function privateKeys(input: string): KeyObject[] {
  const decoded = goBase64(input);
  const pem = decoded ? decoded.toString("utf8") : input;
  const keys: KeyObject[] = [];
  for (const b of pemBlocks(pem)) {
    const format = b.type === "RSA PRIVATE KEY" ? "pkcs1" : b.type === "PRIVATE KEY" ? "pkcs8" : b.type === "EC PRIVATE KEY" ? "sec1" : undefined;
    if (!format) continue;
    try {
      keys.push(createPrivateKey({ key: b.bytes, format: "der", type: format }));
    } catch {
      throw builtinError(`x509: failed to parse private key (${b.type})`);
    }
  }
  return keys;
}

const bigOf = (s: string | undefined): bigint => BigInt("0x" + (Buffer.from(s ?? "", "base64url").toString("hex") || "0"));

/** A private key as Go's encoding/json prints rsa.PrivateKey, ecdsa.PrivateKey or ed25519.PrivateKey. */
function goPrivateKey(key: KeyObject): unknown {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "RSA") {
    return {
      N: bigOf(jwk.n), E: Number(bigOf(jwk.e)), D: bigOf(jwk.d), Primes: [bigOf(jwk.p), bigOf(jwk.q)],
      Precomputed: { Dp: bigOf(jwk.dp), Dq: bigOf(jwk.dq), Qinv: bigOf(jwk.qi), CRTValues: [] },
    };
  }
  if (jwk.kty === "EC") return { Curve: {}, X: bigOf(jwk.x), Y: bigOf(jwk.y), D: bigOf(jwk.d) };
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return Buffer.concat([Buffer.from(jwk.d ?? "", "base64url"), Buffer.from(jwk.x ?? "", "base64url")]).toString("base64");
  return {};
}

/** crypto.x509.parse_rsa_private_key: the first private key as a JWK (any key type, as OPA). */
function privateKeyJwk(input: string): Value {
  if (input === "") throw builtinError("input PEM data was empty");
  const pem = input.startsWith("-----BEGIN") ? input : base64Operand(input).toString("utf8");
  const [key] = privateKeys(pem);
  return key ? fromJSON(key.export({ format: "jwk" })) : null;
}

/** tls.X509KeyPair as Go marshals tls.Certificate (Leaf populated, as Go 1.23+ does). */
function keyPair(certInput: string, keyInput: string): Value {
  const pemOf = (s: string, type: string): string => {
    if (s.startsWith("-----BEGIN ")) return s;
    const raw = base64Operand(s);
    if (raw.subarray(0, 11).equals(Buffer.from("-----BEGIN "))) return raw.toString("utf8");
    return `-----BEGIN ${type}-----\n${raw.toString("base64")}\n-----END ${type}-----\n`;
  };
  const certs = pemBlocks(pemOf(certInput, "CERTIFICATE")).filter((b) => b.type === "CERTIFICATE");
  if (certs.length === 0) throw builtinError("tls: failed to find any PEM data in certificate input");
  const keyBlock = pemBlocks(pemOf(keyInput, "PRIVATE KEY")).find((b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"));
  if (!keyBlock) throw builtinError("tls: failed to find any PEM data in key input");
  let key: KeyObject | undefined;
  for (const type of ["pkcs1", "pkcs8", "sec1"] as const) {
    try {
      key = createPrivateKey({ key: keyBlock.bytes, format: "der", type });
      break;
    } catch {
      // Go tries PKCS #1, then PKCS #8, then SEC 1
    }
  }
  if (!key) throw builtinError("tls: failed to parse private key");
  const leaf = guard(() => new X509Certificate(certs[0]!.bytes));
  const pub = leaf.publicKey.export({ format: "jwk" });
  const fromKey = key.export({ format: "jwk" });
  if (pub.kty !== fromKey.kty || pub.n !== fromKey.n || pub.x !== fromKey.x || pub.y !== fromKey.y) {
    throw builtinError(pub.kty !== fromKey.kty ? "tls: private key type does not match public key type" : "tls: private key does not match public key");
  }
  return fromJSON({
    Certificate: certs.map((c) => c.bytes.toString("base64")),
    PrivateKey: goPrivateKey(key),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: withoutURIStrings(guard(() => goCertificate(certs[0]!.bytes))),
  });
}

const OBJECT = T.objectOf(T.string, T.any);
const OBJECTS = T.arrayOf(OBJECT);
const VERIFIED = T.tuple(T.boolean, OBJECTS);

export const CERTIFICATES: BuiltinDef[] = [
  { name: "crypto.x509.parse_certificates", signature: fn([T.string], OBJECTS), impl: (args) => parseAll(str(args, 0)).map((c) => fromJSON(c.go)) },
  {
    name: "crypto.x509.parse_and_verify_certificates",
    signature: fn([T.string], VERIFIED),
    impl: (args, ctx) => parseAndVerify(str(args, 0), () => ({ nowMs: nowMs(ctx), keyUsages: [SERVER_AUTH], maxConstraintComparisons: 0 }), (go) => go),
  },
  {
    name: "crypto.x509.parse_and_verify_certificates_with_options",
    signature: fn([T.string, OBJECT], VERIFIED),
    impl: (args, ctx) => {
      const input = str(args, 0);
      obj(args, 1);
      return parseAndVerify(input, () => verifyOptions(args, ctx), withoutURIStrings);
    },
  },
  { name: "crypto.x509.parse_certificate_request", signature: fn([T.string], OBJECT), impl: (args) => certificateRequest(str(args, 0)) },
  { name: "crypto.x509.parse_keypair", signature: fn([T.string, T.string], OBJECT), impl: (args) => keyPair(str(args, 0), str(args, 1)) },
  { name: "crypto.x509.parse_rsa_private_key", signature: fn([T.string], OBJECT), impl: (args) => privateKeyJwk(str(args, 0)) },
  {
    name: "crypto.parse_private_keys",
    signature: fn([T.string], T.arrayOf(OBJECT)),
    impl: (args) => {
      const input = str(args, 0);
      if (input === "") return null;
      return privateKeys(input).map((k) => fromJSON(goPrivateKey(k)));
    },
  },
];
