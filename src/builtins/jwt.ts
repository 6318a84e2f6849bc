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
import type { BuiltinDef, BuiltinImpl } from "./builtin.ts";
import { ANY_OBJECT, builtinError, fn, obj, operandError, str } from "./args.ts";
import { JSONSyntaxError, marshal, unmarshal } from "./jsontext.ts";
import { T } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Tokens

interface Token {
  /** The signed text: "<header>.<payload>". */
  signingInput: string;
  header: ObjectValue;
  payloadText: string;
  signature: Buffer;
}

const base64url = (s: string): Buffer => {
  if (!/^[A-Za-z0-9_-]*=*$/.test(s)) throw builtinError(`illegal base64 data: ${s}`);
  return Buffer.from(s, "base64url");
};

function jsonObject(text: string, what: string): ObjectValue {
  let v: Value;
  try {
    v = unmarshal(text);
  } catch (e) {
    if (e instanceof JSONSyntaxError) throw builtinError(`${what} must be a JSON object: ${e.message}`);
    throw e;
  }
  if (!(v instanceof ObjectValue)) throw builtinError(`${what} must be a JSON object`);
  return v;
}

function decodeToken(args: Value[], i: number): Token {
  const s = str(args, i);
  if (!s.includes(".")) throw builtinError("encoded JWT had no period separators");
  const parts = s.split(".");
  if (parts.length !== 3) throw builtinError(`encoded JWT must have 3 sections, found ${parts.length}`);
  const [h, p, sig] = parts as [string, string, string];
  return {
    signingInput: `${h}.${p}`,
    header: jsonObject(base64url(h).toString("utf8"), "JWT header"),
    payloadText: base64url(p).toString("utf8"),
    signature: base64url(sig),
  };
}

/** A nested token ("cty": "JWT") carries another token as its payload, sometimes quoted. */
function nested(t: Token): string | undefined {
  const cty = t.header.getString("cty");
  return typeof cty === "string" && cty.toUpperCase() === "JWT" ? t.payloadText.replace(/^["']+|["']+$/g, "") : undefined;
}

/** [header, payload, signature as hex], of the innermost token when tokens are nested. */
function decode(args: Value[]): Value {
  let t = decodeToken(args, 0);
  for (let inner = nested(t); inner !== undefined; inner = nested(t)) t = decodeToken([inner], 0);
  return [t.header, jsonObject(t.payloadText, "JWT payload"), t.signature.toString("hex")];
}

// ---------------------------------------------------------------------------------------------
// Algorithms

type Family = "HS" | "RS" | "PS" | "ES";

function algorithm(alg: string): { family: Family; hash: string } | undefined {
  const m = /^(HS|RS|PS|ES)(256|384|512)$/.exec(alg);
  return m ? { family: m[1] as Family, hash: `sha${m[2]}` } : undefined;
}

function asymmetricOptions(family: Family, key: KeyObject) {
  if (family === "PS") return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  if (family === "ES") return { key, dsaEncoding: "ieee-p1363" as const };
  return { key };
}

function hmac(hash: string, secret: string, data: string): Buffer {
  return createHmac(hash, Buffer.from(secret, "utf8")).update(data, "utf8").digest();
}

/** Whether the token's signature verifies with the secret (HS*) or any of the public keys. */
function signatureValid(t: Token, alg: string, key: { secret: string } | { keys: KeyObject[] }): boolean {
  const a = algorithm(alg);
  if (a === undefined) return false;
  if (a.family === "HS") {
    if (!("secret" in key)) return false;
    const mac = hmac(a.hash, key.secret, t.signingInput);
    return mac.length === t.signature.length && timingSafeEqual(mac, t.signature);
  }
  if (!("keys" in key)) return false;
  return key.keys.some((k) => {
    try {
      return cryptoVerify(a.hash, Buffer.from(t.signingInput, "utf8"), asymmetricOptions(a.family, k), t.signature);
    } catch {
      return false; // a key of the wrong type for the algorithm
    }
  });
}

/** Public keys from PEM (certificates or keys), a JWK, or a JWK set. */
function publicKeys(text: string): KeyObject[] {
  try {
    if (text.trimStart().startsWith("-----BEGIN")) {
      const blocks = text.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? [];
      return blocks.map((b) => (b.includes("CERTIFICATE") ? new X509Certificate(b).publicKey : createPublicKey(b)));
    }
    const jwk = JSON.parse(text) as { keys?: object[] };
    return (jwk.keys ?? [jwk]).map((k) => createPublicKey({ key: k as never, format: "jwk" }));
  } catch {
    throw builtinError("failed to parse a JWK key (set) or PEM certificate/key");
  }
}

// ---------------------------------------------------------------------------------------------
// io.jwt.verify_*

function verifier(alg: string): BuiltinDef {
  const family = algorithm(alg)!.family;
  return {
    name: `io.jwt.verify_${alg.toLowerCase()}`,
    signature: fn([T.string, T.string], T.boolean),
    impl: (args) => {
      const t = decodeToken(args, 0);
      const k = str(args, 1);
      return signatureValid(t, alg, family === "HS" ? { secret: k } : { keys: publicKeys(k) });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// io.jwt.decode_verify

interface Constraints {
  key: { secret: string } | { keys: KeyObject[] };
  alg?: string;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch. */
  now: number;
}

function constraints(args: Value[], nowNs: bigint): Constraints {
  const c = obj(args, 1);
  let secret: string | undefined;
  let keys: KeyObject[] | undefined;
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
  let t = decodeToken(args, 0);
  for (;;) {
    const alg = t.header.getString("alg");
    if (typeof alg !== "string" || (c.alg !== undefined && c.alg !== alg)) return unverified;
    if (!signatureValid(t, alg, c.key)) return unverified;
    const inner = nested(t);
    if (inner === undefined) break;
    t = decodeToken([inner], 0);
  }
  const payload = jsonObject(t.payloadText, "JWT payload");
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
  return [true, t.header, payload];
};

// ---------------------------------------------------------------------------------------------
// io.jwt.encode_sign and encode_sign_raw

function signToken(headerText: string, payloadText: string, jwkText: string): string {
  const header = jsonObject(headerText, "JWT header");
  const alg = header.getString("alg");
  const a = typeof alg === "string" ? algorithm(alg) : undefined;
  if (a === undefined) throw builtinError(`unsupported signature algorithm: ${String(alg)}`);
  const input = `${Buffer.from(headerText, "utf8").toString("base64url")}.${Buffer.from(payloadText, "utf8").toString("base64url")}`;
  const jwk = jsonObject(jwkText, "JWK");
  let signature: Buffer;
  if (a.family === "HS") {
    const k = jwk.getString("k");
    if (typeof k !== "string") throw builtinError("JWK for HMAC signing must have a k member");
    signature = createHmac(a.hash, base64url(k)).update(input, "utf8").digest();
  } else {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: JSON.parse(jwkText) as never, format: "jwk" });
    } catch {
      throw builtinError("failed to parse the JWK private key");
    }
    signature = cryptoSign(a.hash, Buffer.from(input, "utf8"), asymmetricOptions(a.family, key));
  }
  return `${input}.${signature.toString("base64url")}`;
}

// ---------------------------------------------------------------------------------------------

const TOKEN_PARTS = T.tuple(ANY_OBJECT, ANY_OBJECT, T.string);

export const JWT: BuiltinDef[] = [
  { name: "io.jwt.decode", signature: fn([T.string], TOKEN_PARTS), impl: decode },
  {
    name: "io.jwt.decode_verify",
    signature: fn([T.string, ANY_OBJECT], T.tuple(T.boolean, ANY_OBJECT, ANY_OBJECT)),
    impl: decodeVerify,
    // Without a "time" constraint the token is checked against the evaluation's clock.
    nondeterministic: true,
  },
  ...["HS", "RS", "PS", "ES"].flatMap((f) => ["256", "384", "512"].map((bits) => verifier(f + bits))),
  {
    name: "io.jwt.encode_sign",
    signature: fn([ANY_OBJECT, ANY_OBJECT, ANY_OBJECT], T.string),
    impl: (args) => signToken(marshal(obj(args, 0)), marshal(obj(args, 1)), marshal(obj(args, 2))),
  },
  {
    name: "io.jwt.encode_sign_raw",
    signature: fn([T.string, T.string, T.string], T.string),
    impl: (args) => signToken(str(args, 0), str(args, 1), str(args, 2)),
  },
];
