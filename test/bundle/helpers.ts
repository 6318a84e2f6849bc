// Bundles made by hand for tests that need no compiler: a manifest, a source, data and a stand-in module.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packFiles, sortedFiles, type BundleFiles } from "../../src/bundle/archive.ts";
import { contentRevision } from "../../src/bundle/hash.ts";
import { serializeManifest } from "../../src/bundle/manifest.ts";

const enc = new TextEncoder();

export function tempDir(prefix = "warden-bundle-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A well-formed bundle's files whose revision is its content hash. */
export function handmadeFiles(policy = "package authz\n\nallow := true\n"): BundleFiles {
  const files: BundleFiles = new Map([
    ["authz/policy.rego", enc.encode(policy)],
    ["data.json", enc.encode('{"authz":{"users":{"alice":{"roles":["admin"]}}}}\n')],
    ["policy.wasm", new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 42])],
  ]);
  const revision = contentRevision(files);
  files.set(".manifest", serializeManifest({ revision, roots: ["authz"], wasm: [{ entrypoint: "authz/allow", module: "/policy.wasm" }], rego_version: 1 }));
  return sortedFiles(files);
}

export function handmadeBundle(policy?: string): Uint8Array {
  return packFiles(handmadeFiles(policy));
}

/** A tar archive written field by field, so tests can write what Warden's writer never would. */
export function rawTar(entries: { name: string; data?: Uint8Array | string; type?: string; size?: number; linkname?: string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : (e.data ?? new Uint8Array(0));
    const h = new Uint8Array(512);
    h.set(enc.encode(e.name).subarray(0, 100), 0);
    const oct = (at: number, w: number, v: number) => h.set(enc.encode(v.toString(8).padStart(w - 1, "0") + "\0"), at);
    oct(100, 8, 0o644);
    oct(108, 8, 0);
    oct(116, 8, 0);
    oct(124, 12, e.size ?? data.length);
    oct(136, 12, 0);
    h[156] = (e.type ?? "0").charCodeAt(0);
    if (e.linkname) h.set(enc.encode(e.linkname), 157);
    h.set(enc.encode("ustar\u000000"), 257);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    blocks.push(h);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
