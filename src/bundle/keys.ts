// Signing and verification keys as OPA's CLI takes them: a value that names an existing file is
// read from that file, any other value is the key itself (an HMAC secret, usually). PEM keys
// are PKCS#8, PKCS#1 or SEC1 private keys, SPKI or PKCS#1 public keys, or X.509 certificates.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { BundleError } from "./errors.ts";

/** The JWS algorithms OPA's bundle signing accepts (and jose implements). */
export const SIGNING_ALGORITHMS = [
  "RS256", "RS384", "RS512",
  "PS256", "PS384", "PS512",
  "ES256", "ES384", "ES512",
  "HS256", "HS384", "HS512",
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** OPA's default for --signing-alg. */
export const DEFAULT_SIGNING_ALG: SigningAlgorithm = "RS256";

export function checkAlgorithm(alg: string): SigningAlgorithm {
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new BundleError(`unsupported signing algorithm ${JSON.stringify(alg)} (one of ${SIGNING_ALGORITHMS.join(", ")})`);
  }
  return alg as SigningAlgorithm;
}

/** A key option's material: the file's content when it names a file, else the value itself. */
export function keyMaterial(option: string): string {
  if (existsSync(option) && statSync(option).isFile()) return readFileSync(option, "utf8");
  return option;
}

const isHMAC = (alg: SigningAlgorithm) => alg.startsWith("HS");

/** The key that signs with `alg`: HMAC secrets as bytes (exactly as given), PEM private keys parsed. */
export function signingKey(material: string, alg: SigningAlgorithm): KeyObject | Uint8Array {
  if (isHMAC(alg)) return new TextEncoder().encode(material);
  if (!material.includes("-----BEGIN")) throw new BundleError(`${alg} needs a PEM private key (a file path or the PEM text)`);
  try {
    return createPrivateKey(material);
  } catch (e) {
    throw new BundleError(`cannot read the private key: ${(e as Error).message}`);
  }
}

/** The key that verifies `alg`: an HMAC secret, or the public key of a PEM key or certificate. */
export function verificationKey(material: string, alg: SigningAlgorithm): KeyObject | Uint8Array {
  if (isHMAC(alg)) return new TextEncoder().encode(material);
  if (!material.includes("-----BEGIN")) throw new BundleError(`${alg} needs a PEM public key or certificate (a file path or the PEM text)`);
  try {
    if (material.includes("-----BEGIN CERTIFICATE")) return new X509Certificate(material).publicKey;
    return createPublicKey(material);
  } catch (e) {
    throw new BundleError(`cannot read the verification key: ${(e as Error).message}`);
  }
}
