// Chain building in crypto.x509.parse_and_verify_certificates as Go's buildChains bounds it: at most
// 100 signature checks against candidate parents (maxChainSignatureChecks), a parent being a
// certificate whose subject is the child's issuer byte for byte. Chains are built here (Ed25519).
import { describe, expect, it } from "vitest";
import { text } from "./call.ts";
import { bundle, certificate, dns } from "./fixtures/name-constraints-certs.ts";

describe("the signature check budget", () => {
  const root = certificate("Chain Root");
  const inter = certificate("Chain Inter", { issuer: root, ca: true });
  const leaf = certificate("leaf", { issuer: inter, san: [dns("a.example.com")] });
  // intermediates named as the leaf's issuer, but with other keys: each costs a failed check
  const decoys = Array.from({ length: 99 }, () => certificate("Chain Inter", { issuer: root, ca: true }));
  const verify = (n: number) => text("crypto.x509.parse_and_verify_certificates", bundle(root, ...decoys.slice(0, n), inter, leaf)).slice(0, 6);

  it("verifies a chain found within 100 checks", () => {
    expect(verify(0)).toBe("[true,");
    expect(verify(98)).toBe("[true,"); // 98 decoys, the intermediate, then the root: 100 checks
  });

  it("fails once the checks run out, as Go does", () => {
    expect(verify(99)).toBe("[false");
  });

  it("does not count certificates not named as the issuer", () => {
    const strangers = Array.from({ length: 120 }, (_, i) => certificate(`Stranger ${i}`, { issuer: root, ca: true }));
    expect(text("crypto.x509.parse_and_verify_certificates", bundle(root, ...strangers, inter, leaf)).slice(0, 6)).toBe("[true,");
  });
});
