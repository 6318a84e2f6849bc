// File digests as OPA's bundle signatures define them, and the bundle revision.
import { createHash } from "node:crypto";
import { canonicalText } from "./canonical.ts";
import { BundleError } from "./errors.ts";
import { comparePaths, type BundleFiles } from "./archive.ts";

/** OPA's hashing algorithm names (bundle/hash.go) and Node's names for them. */
export const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-224": "sha224",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
  "SHA-512-224": "sha512-224",
  "SHA-512-256": "sha512-256",
};

export const DEFAULT_HASH = "SHA-256";

export const MANIFEST = ".manifest";
export const SIGNATURES = ".signatures.json";

/**
 * Files OPA hashes in canonical form rather than as bytes (bundle.IsStructuredDoc): those whose
 * base name is data.json, data.yaml, .manifest, or signatures.json (sic: OPA's constant has no dot).
 */
export function isStructured(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "data.json" || base === "data.yaml" || base === MANIFEST || base === "signatures.json";
}

/** The hex digest of one bundle file as OPA computes it for signatures. */
export function hashFile(path: string, bytes: Uint8Array, algorithm: string = DEFAULT_HASH): string {
  const node = HASH_ALGORITHMS[algorithm];
  if (!node) throw new BundleError(`unsupported hashing algorithm: ${algorithm}`, path);
  const h = createHash(node);
  h.update(isStructured(path) ? canonicalText(bytes, path) : bytes);
  return h.digest("hex");
}

export const sha256Hex = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/**
 * The bundle revision: the SHA-256 (hex) of the lines `path NUL sha256hex(bytes) LF`, one per
 * file in byte order of path, over every file except `.manifest` (which holds the revision)
 * and `.signatures.json` (which is added after). Raw bytes, not canonical forms: the revision
 * names exactly these bytes. Paths have no leading slash (`authz/policy.rego`, `data.json`).
 */
export function contentRevision(files: BundleFiles): string {
  const lines = [...files.keys()]
    .filter((p) => p !== MANIFEST && p !== SIGNATURES)
    .sort(comparePaths)
    .map((p) => `${p}\u0000${sha256Hex(files.get(p)!)}\n`);
  return sha256Hex(lines.join(""));
}
