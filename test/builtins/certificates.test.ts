// crypto.x509.* on hostile input: malformed DER, bad base64 and wrong PEM types are coded refusals
// (eval_builtin_error), never a crash; verification of garbage is [false, []] as in OPA.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { failure, text } from "./call.ts";

const pem = (type: string, body: Buffer) => `-----BEGIN ${type}-----\n${body.toString("base64")}\n-----END ${type}-----\n`;

describe("crypto.x509 on malformed input", () => {
  it("refuses truncated, overlong and non-certificate DER with a builtin error", () => {
    for (const der of [Buffer.from([0x30]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), Buffer.alloc(64, 0x30)]) {
      expect(failure("crypto.x509.parse_certificates", pem("CERTIFICATE", der))).toBe("eval_builtin_error: x509: malformed certificate");
      expect(failure("crypto.x509.parse_certificates", der.toString("base64"))).toBe("eval_builtin_error: x509: malformed certificate");
    }
  });

  it("refuses bad base64 and PEM blocks of another type as OPA words it", () => {
    expect(failure("crypto.x509.parse_certificates", "%%%")).toMatch(/^eval_builtin_error: illegal base64 data/);
    expect(failure("crypto.x509.parse_certificates", pem("PRIVATE KEY", Buffer.from("x")))).toBe("eval_builtin_error: PEM block type is 'PRIVATE KEY', expected CERTIFICATE");
    expect(failure("crypto.x509.parse_certificate_request", pem("CERTIFICATE", Buffer.from("x")))).toMatch(/^eval_builtin_error: illegal base64 data/);
    expect(failure("crypto.x509.parse_certificate_request", Buffer.from(pem("CERTIFICATE", Buffer.from("x"))).toString("base64"))).toBe("eval_builtin_error: invalid PEM-encoded certificate signing request");
    expect(failure("crypto.x509.parse_certificate_request", pem("CERTIFICATE REQUEST", Buffer.from([0x30, 0x00])))).toBe("eval_builtin_error: x509: malformed certificate request");
  });

  it("verifies nothing out of garbage", () => {
    expect(text("crypto.x509.parse_and_verify_certificates", "garbage")).toBe("[false, []]");
    expect(text("crypto.x509.parse_and_verify_certificates", pem("CERTIFICATE", Buffer.alloc(8)))).toBe("[false, []]");
  });
});

describe("private keys", () => {
  it("reads a generated Ed25519 PKCS #8 key and refuses a corrupt RSA block", () => {
    const key = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    expect(text("crypto.x509.parse_rsa_private_key", key)).toMatch(/^\{"crv": "Ed25519", "d": "[^"]+", "kty": "OKP", "x": "[^"]+"\}$/);
    expect(text("crypto.parse_private_keys", key)).toMatch(/^\["[A-Za-z0-9+/]{86}=="\]$/);
    expect(failure("crypto.parse_private_keys", pem("RSA PRIVATE KEY", Buffer.from([0x30, 0x01, 0x00])))).toMatch(/^eval_builtin_error: x509: failed to parse private key/);
    expect(failure("crypto.x509.parse_rsa_private_key", "")).toBe("eval_builtin_error: input PEM data was empty");
  });
});
