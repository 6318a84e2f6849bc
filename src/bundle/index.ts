// Warden bundles: OPA-format .tar.gz files holding policies, data and a WebAssembly module,
// named by a content-hash revision, signed as OPA signs bundles, published to a store.
//
// For the evaluator:
//   readBundle(bytes, limits?)                   -> Bundle (checked, not verified; sync)
//   loadBundle(bytes, { verification } | { allowUnsigned: true }) -> Bundle (verified; async)
//   openStore(dir).get(revision)                 -> bytes of a published bundle
// Building lives in ./build.ts, imported on its own: it pulls in the compiler and binaryen.
import { readBundle, type Bundle } from "./bundle.ts";
import type { BuildOptions, BuildResult } from "./build.ts";
import type { ReadLimits } from "./archive.ts";
import { VerificationError, verifyFiles, type VerifiedSignature, type VerifyOptions } from "./verify.ts";

export { readBundle, bundleFromFiles, type Bundle } from "./bundle.ts";
export { openStore, type Store, type StoreEntry } from "./store.ts";
export { signBundle, signFiles, type SignOptions, type FileInfo } from "./sign.ts";
export { verifyFiles, VerificationError, type VerifyOptions, type VerifiedSignature } from "./verify.ts";
export { packFiles, unpackFiles, type BundleFiles, type ReadLimits } from "./archive.ts";
export { contentRevision, hashFile } from "./hash.ts";
export { keyMaterial } from "./keys.ts";
export { BundleError } from "./errors.ts";

export type LoadOptions = ({ verification: VerifyOptions; allowUnsigned?: false } | { verification?: undefined; allowUnsigned: true }) & {
  limits?: ReadLimits;
};

/**
 * Reads a bundle and verifies its signature. An unsigned bundle loads only with
 * `allowUnsigned: true`; a signed one given `allowUnsigned` without a key is refused, since its
 * signature could not be checked. Resolves to the bundle and what was verified.
 */
export async function loadBundle(bytes: Uint8Array, opts: LoadOptions): Promise<Bundle & { signature?: VerifiedSignature }> {
  const b = readBundle(bytes, opts.limits);
  if (opts.verification) return { ...b, signature: await verifyFiles(b.files, opts.verification) };
  if (b.signed) throw new VerificationError(["the bundle is signed but no verification key was given"]);
  return b;
}

export type { BuildOptions, BuildResult } from "./build.ts";

/** Builds a bundle (see build.ts); the compiler and binaryen load on first use, not with this module. */
export async function buildBundleBytes(opts: BuildOptions): Promise<{ bytes: Uint8Array } & BuildResult> {
  const { buildBundleBytes: build } = await import("./build.ts");
  return build(opts);
}
