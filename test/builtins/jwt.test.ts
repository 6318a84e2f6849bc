import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { call, context, failure, text } from "./call.ts";
import { toText } from "../../src/values/value.ts";

// The example token of jwt.io, signed with HS256 and the secret "your-256-bit-secret".
const JWT_IO =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

describe("io.jwt.decode", () => {
  it("splits a token into header, payload and hex signature", () => {
    expect(text("io.jwt.decode", JWT_IO)).toBe(
      '[{"alg": "HS256", "typ": "JWT"}, {"iat": 1516239022, "name": "John Doe", "sub": "1234567890"}, "49f94ac7044948c78a285d904f87f0a4c7897f7e8f3a4eb2255fda750b2cc397"]',
    );
    expect(failure("io.jwt.decode", "abc")).toBe("eval_builtin_error: encoded JWT had no period separators");
    expect(failure("io.jwt.decode", "a.b")).toBe("eval_builtin_error: encoded JWT must have 3 sections, found 2");
  });

  it("names the section that fails to decode, in OPA's order", () => {
    const [header, payload] = JWT_IO.split(".");
    const decodeError = (token: string) => failure("io.jwt.decode", token).replace("eval_builtin_error: ", "");
    expect(decodeError(`eyJh$w.${payload}.c2ln`)).toBe("JWT header had invalid encoding: illegal base64 data at input byte 4");
    expect(decodeError(`eyJh$.${payload}.c2ln`)).toBe("JWT header had invalid encoding: illegal base64url string: eyJh$");
    expect(decodeError(`${header}.eyJzd/.c2ln`)).toBe("JWT payload had invalid encoding: illegal base64 data at input byte 5");
    expect(decodeError(`${header}.${payload}.c2l*`)).toBe("JWT signature had invalid encoding: illegal base64 data at input byte 3");
    expect(decodeError(`${header}.${payload}.c`)).toBe("JWT signature had invalid encoding: illegal base64url string: c");
    // The header is read before the payload, and the payload's JSON before the signature.
    expect(decodeError(`eyJh$.eyJzd/.c2ln`)).toMatch(/^JWT header/);
    const b64 = (s: string) => Buffer.from(s).toString("base64url");
    expect(decodeError(`${b64("[1]")}.${payload}.c2ln`)).toBe("bad JWT header: decoded JSON type was not an Object");
    expect(decodeError(`${b64('{"alg":')}.${payload}.c2ln`)).toBe("bad JWT header: invalid JSON: unexpected end of JSON input");
    expect(decodeError(`${header}.${b64("[1]")}.c2l*`)).toBe("decoded JSON type was not an Object");
  });
});

describe("verification", () => {
  it("verifies HMAC signatures", () => {
    expect(text("io.jwt.verify_hs256", JWT_IO, "your-256-bit-secret")).toBe("true");
    expect(text("io.jwt.verify_hs256", JWT_IO, "wrong")).toBe("false");
    // The verifiers report a bad signature encoding without naming the section, as OPA's do.
    expect(failure("io.jwt.verify_hs256", `${JWT_IO.slice(0, JWT_IO.lastIndexOf("."))}.c2l*`, "k")).toBe(
      "eval_builtin_error: illegal base64 data at input byte 3",
    );
  });

  it("signs and verifies with RSA, RSA-PSS and ECDSA keys", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }) // small, to keep the test fast;
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    for (const [alg, pair] of [["RS256", rsa], ["PS384", rsa], ["ES256", ec]] as const) {
      const jwk = pair.privateKey.export({ format: "jwk" });
      const token = call("io.jwt.encode_sign", [{ alg }, { sub: "alice" }, jwk]) as string;
      const pem = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
      expect(text(`io.jwt.verify_${alg.toLowerCase()}`, token, pem)).toBe("true");
      expect(text(`io.jwt.verify_${alg.toLowerCase()}`, token, JSON.stringify(pair.publicKey.export({ format: "jwk" })))).toBe("true");
    }
  });

  it("decodes and verifies claims against constraints and the clock", () => {
    const key = { kty: "oct", k: Buffer.from("secret").toString("base64url") };
    const sign = (payload: object) => call("io.jwt.encode_sign", [{ alg: "HS256", typ: "JWT" }, payload, key]) as string;
    const verify = (token: string, constraints: object, nowNs = 1_700_000_000_000_000_000n) =>
      toText(call("io.jwt.decode_verify", [token, constraints], context({ nowNs }))!);

    const token = sign({ iss: "me", aud: ["you", "them"], exp: 1_800_000_000, nbf: 1_600_000_000 });
    expect(verify(token, { secret: "secret", iss: "me", aud: "you" })).toBe(
      '[true, {"alg": "HS256", "typ": "JWT"}, {"aud": ["you", "them"], "exp": 1800000000, "iss": "me", "nbf": 1600000000}]',
    );
    const unverified = "[false, {}, {}]";
    expect(verify(token, { secret: "wrong", aud: "you" })).toBe(unverified);
    expect(verify(token, { secret: "secret", aud: "nobody" })).toBe(unverified);
    expect(verify(token, { secret: "secret" })).toBe(unverified); // the token has an audience
    expect(verify(token, { secret: "secret", aud: "you", iss: "other" })).toBe(unverified);
    expect(verify(token, { secret: "secret", aud: "you", alg: "RS256" })).toBe(unverified);
    expect(verify(token, { secret: "secret", aud: "you" }, 1_900_000_000_000_000_000n)).toBe(unverified); // expired
    expect(verify(token, { secret: "secret", aud: "you", time: 1_500_000_000_000_000_000 })).toBe(unverified); // not yet
    expect(failure("io.jwt.decode_verify", token, { aud: "you" })).toBe("eval_builtin_error: no key constraint");
  });
});

describe("io.jwt.encode_sign_raw header errors", () => {
  // OPA 1.x reads the signing header with jwx's jwsbb (fastjson), wrapping its errors.
  const key = JSON.stringify({ kty: "oct", k: "c2VjcmV0" });
  const signError = (header: string) => failure("io.jwt.encode_sign_raw", header, "{}", key).replace("eval_builtin_error: ", "");

  it("says why the header has no usable alg", () => {
    expect(signError("")).toBe('missing or invalid \'alg\' header: cannot parse JSON: cannot parse empty string; unparsed tail: ""');
    expect(signError('{"typ:"JWT", "alg":"HS256"}')).toMatch(/^missing or invalid 'alg' header: cannot parse JSON: /);
    expect(signError("{}")).toBe('missing or invalid \'alg\' header: jwsbb: header "alg" not found');
    // fastjson takes "e" for a number, which has no fields.
    expect(signError("e")).toBe('missing or invalid \'alg\' header: jwsbb: header "alg" not found');
    expect(signError('{"alg": 1}')).toBe("missing or invalid 'alg' header: value doesn't contain string; it contains number");
    expect(signError('{"alg": "dummy"}')).toBe("unknown JWS algorithm: dummy");
  });
});
