// io.jwt.*: decoding, verifying (HS*, RS*, PS*, ES*) and signing JSON Web Tokens with node:crypto.
import {
  X509Certificate,
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from "node:crypto";
import { ObjectValue, compareNumbers, isNumber, toFloat, type Value } from "../values/value.ts";
import { BuiltinError, type BuiltinDef, type BuiltinImpl } from "./builtin.ts";
import { ANY_OBJECT, STRING_OBJECT, builtinError, fn, obj, operandError, str } from "./args.ts";
import { base64UrlBytes } from "./encoding.ts";
import { JSONSyntaxError, marshal, unmarshal } from "./jsontext.ts";
import { T } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Tokens

/** The three sections of a compact JWS, still base64url-encoded. */
interface Token {
  header: string;
  payload: string;
  signature: string;
}

/** What a signature is checked over: the signed text "<header>.<payload>", and the signature. */
interface Signed {
  signingInput: string;
  signature: Buffer;
}

/** A decoded section as a JSON object, failing in OPA's words when it is not one. */
function jsonObject(text: string): ObjectValue {
  let v: Value;
  try {
    v = unmarshal(text);
  } catch (e) {
    if (e instanceof JSONSyntaxError) throw builtinError(`invalid JSON: ${e.message}`);
    throw e;
  }
  if (!(v instanceof ObjectValue)) throw builtinError("decoded JSON type was not an Object");
  return v;
}

/** A section's bytes; io.jwt.decode's errors name the section, the verifiers' do not. */
function sectionBytes(encoded: string, section?: string): Buffer {
  try {
    return base64UrlBytes(encoded);
  } catch (e) {
    if (section === undefined || !(e instanceof BuiltinError)) throw e;
    throw builtinError(`JWT ${section} had invalid encoding: ${e.message}`);
  }
}

/** The three sections, split. */
function sections(args: Value[], i: number): Token {
  const s = str(args, i);
  if (!s.includes(".")) throw builtinError("encoded JWT had no period separators");
  const parts = s.split(".");
  if (parts.length !== 3) throw builtinError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

/** The signed text and the decoded signature, the header and payload left undecoded. */
function signed(t: Token): Signed {
  return { signingInput: `${t.header}.${t.payload}`, signature: sectionBytes(t.signature) };
}

/** The header as a JSON object; OPA says "bad JWT header" when it is not one. */
function headerObject(text: string): ObjectValue {
  try {
    return jsonObject(text);
  } catch (e) {
    if (e instanceof BuiltinError) throw builtinError(`bad JWT header: ${e.message}`);
    throw e;
  }
}

function decodeHeader(t: Token): ObjectValue {
  const header = headerObject(sectionBytes(t.header, "header").toString("utf8"));
  // A JSON Web Encryption (RFC 7516 section 9: its header names an "enc") is not a signed token.
  if (header.getString("enc") !== undefined) throw builtinError("JWT is a JWE object, which is not supported");
  return header;
}

const decodePayload = (t: Token): string => sectionBytes(t.payload, "payload").toString("utf8");

/** The registered header parameters; a `crit` naming any other one invalidates the token. */
interface Header {
  alg?: string;
  kid?: string;
  cty?: string;
  crit?: Set<string>;
  unknown: string[];
}

function parseHeader(header: ObjectValue): Header {
  const h: Header = { unknown: [] };
  for (const [k, v] of header.entries()) {
    const name = k as string;
    if (name === "alg" || name === "kid" || name === "typ" || name === "cty") {
      if (typeof v !== "string") throw builtinError(`${name}: must be a string`);
      if (name !== "typ") h[name] = v;
    } else if (name === "crit") {
      if (!Array.isArray(v)) throw builtinError("crit: must be a list");
      h.crit = new Set(v.filter((x): x is string => typeof x === "string"));
      if (h.crit.size === 0) throw builtinError("crit: must be a nonempty list");
    } else h.unknown.push(name);
  }
  return h;
}

/** RFC 7515: `alg` is required (4.1.1), and every critical parameter must be understood (4.1.11). */
function headerValid(h: Header): boolean {
  return h.alg !== undefined && h.alg !== "" && !h.unknown.some((u) => h.crit?.has(u));
}

/**
 * [header, payload, signature as hex], of the innermost token when tokens are nested. Sections
 * are decoded in OPA's order (header, payload, signature), which decides the error reported.
 */
function decode(args: Value[]): Value {
  let t = sections(args, 0);
  for (;;) {
    const header = decodeHeader(t);
    const payload = decodePayload(t);
    // A nested token ("cty": "JWT") carries another token as its payload, sometimes quoted.
    if (header.getString("cty") !== "JWT") {
      return [header, jsonObject(payload), sectionBytes(t.signature, "signature").toString("hex")];
    }
    t = sections([payload.replace(/^["']+|["']+$/g, "")], 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Algorithms

type Family = "HS" | "RS" | "PS" | "ES" | "EdDSA";

/** The JWS algorithms OPA knows: HS, RS, PS and ES with 256, 384 or 512 bits, and EdDSA. */
function algorithm(alg: string): { family: Family; hash: string | null } | undefined {
  if (alg === "EdDSA") return { family: "EdDSA", hash: null };
  const m = /^(HS|RS|PS|ES)(256|384|512)$/.exec(alg);
  return m ? { family: m[1] as Family, hash: `sha${m[2]}` } : undefined;
}

function asymmetricOptions(family: Family, key: KeyObject) {
  if (family === "PS") return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  if (family === "ES") return { key, dsaEncoding: "ieee-p1363" as const };
  return { key };
}

function hmac(hash: string | null, secret: string, data: string): Buffer {
  if (hash === null) throw builtinError("internal error: HMAC without a hash");
  return createHmac(hash, Buffer.from(secret, "utf8")).update(data, "utf8").digest();
}

/** A public key, with the `alg` and `kid` a JWK set gives it. */
interface VerificationKey {
  key: KeyObject;
  alg?: string;
  kid?: string;
}

/**
 * Whether the token's signature verifies with the secret (HS*) or the public keys: only the key
 * whose `kid` the header names, if there is one; else any key whose `alg` (if it has one) is the
 * header's.
 */
function signatureValid(t: Signed, alg: string, key: { secret: string } | { keys: VerificationKey[] }, kid?: string): boolean {
  const a = algorithm(alg);
  if (a === undefined) return false;
  if (a.family === "HS") {
    if (!("secret" in key)) return false;
    const mac = hmac(a.hash, key.secret, t.signingInput);
    return mac.length === t.signature.length && timingSafeEqual(mac, t.signature);
  }
  if (!("keys" in key)) return false;
  const verifies = (k: KeyObject) => {
    try {
      return cryptoVerify(a.hash, Buffer.from(t.signingInput, "utf8"), asymmetricOptions(a.family, k), t.signature);
    } catch {
      return false; // a key of the wrong type for the algorithm
    }
  };
  const named = kid ? key.keys.find((k) => k.kid === kid) : undefined;
  if (named) return verifies(named.key);
  return key.keys.some((k) => (k.alg === undefined || k.alg === alg) && verifies(k.key));
}

/**
 * Public keys from one PEM block (a certificate or a PKIX public key, nothing after it), a JWK,
 * or a JWK set (keys of algorithms other than the JWS ones are left out).
 */
function publicKeys(text: string): VerificationKey[] {
  const begin = text.indexOf("-----BEGIN ");
  if (begin >= 0) return [pemKey(text, begin)];
  let jwks: { keys?: unknown[] };
  try {
    jwks = JSON.parse(text) as { keys?: unknown[] };
  } catch (e) {
    throw builtinError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  const out: VerificationKey[] = [];
  for (const k of Array.isArray(jwks.keys) ? jwks.keys : [jwks]) {
    const jwk = k as { alg?: unknown; kid?: unknown };
    if (typeof jwk.alg === "string" && jwk.alg !== "" && algorithm(jwk.alg) === undefined) continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as never, format: "jwk" });
    } catch (e) {
      throw builtinError(`failed to parse a JWK key (set): ${(e as Error).message}`);
    }
    out.push({ key, alg: typeof jwk.alg === "string" && jwk.alg !== "" ? jwk.alg : undefined, kid: typeof jwk.kid === "string" ? jwk.kid : undefined });
  }
  return out;
}

/** The key of the PEM block starting at `begin`: as Go's pem.Decode reads it, then x509. */
function pemKey(text: string, begin: number): VerificationKey {
  const m = /^-----BEGIN ([^\r\n-]*)-----[ \t\r]*\n([\s\S]*?)-----END \1-----[ \t\r]*(\n|$)/.exec(text.slice(begin));
  if (!m) throw builtinError("failed to parse a JWK key (set): not a PEM block nor JSON");
  if (begin + m[0].length < text.length) throw builtinError("extra data after a PEM certificate block");
  const type = m[1]!;
  try {
    if (type === "CERTIFICATE") return { key: new X509Certificate(m[0]).publicKey };
    if (type === "PUBLIC KEY") return { key: createPublicKey({ key: m[0], format: "pem", type: "spki" }) };
  } catch (e) {
    throw builtinError(`failed to parse a PEM ${type === "CERTIFICATE" ? "certificate" : "public key"}: ${(e as Error).message}`);
  }
  throw builtinError("failed to extract a Key from the PEM certificate");
}

// ---------------------------------------------------------------------------------------------
// io.jwt.verify_*

function verifier(alg: string): BuiltinDef {
  const family = algorithm(alg)!.family;
  return {
    name: `io.jwt.verify_${alg.toLowerCase()}`,
    signature: fn([T.string, T.string], T.boolean),
    impl: (args) => {
      const k = str(args, 1);
      const t = sections(args, 0);
      // OPA checks an HMAC over the token's text without reading its header.
      if (family === "HS") return signatureValid(signed(t), alg, { secret: k });
      // OPA's order: the keys, the signature, then the header (the payload is never decoded).
      const keys = publicKeys(k);
      const s = signed(t);
      return signatureValid(s, alg, { keys }, parseHeader(decodeHeader(t)).kid);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// io.jwt.decode_verify

interface Constraints {
  key: { secret: string } | { keys: VerificationKey[] };
  alg?: string;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch. */
  now: number;
}

function constraints(args: Value[], nowNs: bigint): Constraints {
  const c = obj(args, 1);
  let secret: string | undefined;
  let keys: VerificationKey[] | undefined;
  const out: Omit<Constraints, "key"> = { now: Number(nowNs) / 1e9 };
  for (const [k, v] of c.entries()) {
    const text = () => {
      if (typeof v !== "string") throw operandError(2, `constraint ${String(k)} must be a string`);
      return v;
    };
    if (k === "secret") secret = text();
    else if (k === "cert") keys = publicKeys(text());
    else if (k === "alg") out.alg = text();
    else if (k === "iss") out.iss = text();
    else if (k === "aud") out.aud = text();
    else if (k === "time" && isNumber(v)) out.now = toFloat(v) / 1e9;
    else throw builtinError(`unknown token validation constraint: ${typeof k === "string" ? k : marshal(k)}`);
  }
  if (secret !== undefined && keys !== undefined) throw builtinError("duplicate key constraints");
  if (secret === undefined && keys === undefined) throw builtinError("no key constraint");
  return { ...out, key: secret !== undefined ? { secret } : { keys: keys! } };
}

function audienceMatches(claim: Value, aud: string | undefined): boolean {
  if (aud === undefined) return false;
  if (typeof claim === "string") return claim === aud;
  return Array.isArray(claim) && claim.includes(aud);
}

/** [valid, header, payload]: the signature, then iss, aud, exp and nbf, checked as OPA does. */
const decodeVerify: BuiltinImpl = (args, ctx) => {
  const c = constraints(args, ctx.nowNs);
  const unverified = [false, new ObjectValue(), new ObjectValue()];
  let t = sections(args, 0);
  let header: ObjectValue;
  let payloadText: string;
  for (;;) {
    header = decodeHeader(t);
    const h = parseHeader(header);
    if (!headerValid(h)) return unverified;
    const alg = h.alg!;
    if (c.alg !== undefined && c.alg !== alg) return unverified;
    if (!signatureValid(signed(t), alg, c.key, h.kid)) return unverified;
    payloadText = decodePayload(t);
    // A nested token ("cty": "JWT", in any case) is the payload: verify it in turn.
    if (h.cty?.toUpperCase() !== "JWT") break;
    t = sections([payloadText], 0);
  }
  const payload = jsonObject(payloadText);
  if (c.iss !== undefined && payload.getString("iss") !== c.iss) return unverified;
  const aud = payload.getString("aud");
  if (aud !== undefined ? !audienceMatches(aud, c.aud) : c.aud !== undefined) return unverified;
  for (const claim of ["exp", "nbf"]) {
    const v = payload.getString(claim);
    if (v === undefined) continue;
    if (!isNumber(v)) throw builtinError(`${claim} value must be a number`);
    const order = compareNumbers(c.now, v);
    // Expired at exp itself; not yet valid strictly before nbf.
    if (claim === "exp" ? order >= 0 : order < 0) return unverified;
  }
  return [true, header, payload];
};

// ---------------------------------------------------------------------------------------------
// io.jwt.encode_sign and encode_sign_raw

/** The signing header as OPA 1.x reads it (jwx's jwsbb, over fastjson): a value, or why it is none. */
type SigningHeader = { value: Value } | { reason: string };

function signingHeader(text: string): SigningHeader {
  const trimmed = text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, "");
  if (trimmed === "") return { reason: 'cannot parse JSON: cannot parse empty string; unparsed tail: ""' };
  try {
    return { value: unmarshal(text) };
  } catch (e) {
    if (!(e instanceof JSONSyntaxError)) throw e;
    // fastjson takes a bare run of number characters (such as "e") as a number, unchecked, so
    // such a header parses and merely lacks "alg".
    if (/^[0-9.eE+-]+$/.test(trimmed)) return { value: 0 };
    return { reason: `cannot parse JSON: ${e.message}` };
  }
}

/** A header field as jwsbb.HeaderGetString gives it: the string, or why there is none. */
function headerString(header: SigningHeader, key: string): string | { reason: string } {
  if ("reason" in header) return header;
  const v = header.value instanceof ObjectValue ? header.value.getString(key) : undefined;
  if (v === undefined) return { reason: `jwsbb: header "${key}" not found` };
  if (typeof v !== "string") return { reason: `value doesn't contain string; it contains ${fastjsonType(v)}` };
  return v;
}

/** fastjson's name for a JSON value's type, as its errors give it. */
function fastjsonType(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (isNumber(v)) return "number";
  return Array.isArray(v) ? "array" : "object";
}

/**
 * A compact JWS over the header and payload bytes as given. The key is a JWK, or the first key of
 * a JWK set. Unless the header's `typ` is a string other than "JWT", the payload must be JSON.
 */
function signToken(headerText: string, payloadText: string, jwkText: string): string {
  const jwk = signingKey(jwkText);
  const header = signingHeader(headerText);
  const alg = headerString(header, "alg");
  if (typeof alg !== "string") throw builtinError(`missing or invalid 'alg' header: ${alg.reason}`);
  const a = algorithm(alg);
  if (a === undefined) throw builtinError(`unknown JWS algorithm: ${alg}`);
  const typ = headerString(header, "typ");
  if ((typeof typ !== "string" || typ === "JWT") && !isJSON(payloadText)) throw builtinError("type is JWT but payload is not JSON");
  const input = `${Buffer.from(headerText, "utf8").toString("base64url")}.${Buffer.from(payloadText, "utf8").toString("base64url")}`;
  let signature: Buffer;
  if (a.family === "HS") {
    const k = jwk.k;
    if (typeof k !== "string") throw builtinError("JWK for HMAC signing must have a k member");
    signature = createHmac(a.hash!, base64UrlBytes(k)).update(input, "utf8").digest();
  } else {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: jwk as never, format: "jwk" });
    } catch {
      throw builtinError("failed to parse the JWK private key");
    }
    signature = cryptoSign(a.hash, Buffer.from(input, "utf8"), asymmetricOptions(a.family, key));
  }
  return `${input}.${signature.toString("base64url")}`;
}

function signingKey(text: string): Record<string, unknown> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch (e) {
    throw builtinError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) throw builtinError("failed to parse a JWK key (set): not a JSON object");
  const keys = (jwk as { keys?: unknown }).keys;
  if (keys === undefined) return jwk as Record<string, unknown>;
  if (!Array.isArray(keys) || keys.length === 0) throw builtinError("no keys found in JWK set");
  return keys[0] as Record<string, unknown>;
}

function isJSON(text: string): boolean {
  try {
    unmarshal(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

const TOKEN_PARTS = T.tuple(ANY_OBJECT, ANY_OBJECT, T.string);

export const JWT: BuiltinDef[] = [
  { name: "io.jwt.decode", signature: fn([T.string], TOKEN_PARTS), impl: decode },
  {
    name: "io.jwt.decode_verify",
    signature: fn([T.string, STRING_OBJECT], T.tuple(T.boolean, ANY_OBJECT, ANY_OBJECT)),
    impl: decodeVerify,
    // Without a "time" constraint the token is checked against the evaluation's clock.
    nondeterministic: true,
  },
  ...["HS", "RS", "PS", "ES"].flatMap((f) => ["256", "384", "512"].map((bits) => verifier(f + bits))),
  verifier("EdDSA"),
  {
    name: "io.jwt.encode_sign",
    signature: fn([STRING_OBJECT, STRING_OBJECT, STRING_OBJECT], T.string),
    impl: (args) => signToken(marshal(obj(args, 0)), marshal(obj(args, 1)), marshal(obj(args, 2))),
  },
  {
    name: "io.jwt.encode_sign_raw",
    signature: fn([T.string, T.string, T.string], T.string),
    impl: (args) => signToken(str(args, 0), str(args, 1), str(args, 2)),
  },
];
