// Bundle files <-> .tar.gz bytes. Packing is deterministic (sorted entries, fixed metadata,
// fixed gzip header); unpacking treats the bytes as hostile: it caps decompressed size,
// refuses links, devices, unsafe or duplicate paths, and names the member at fault.
import { gunzipSync, gzipSync } from "node:zlib";
import { BundleError } from "./errors.ts";
import { readTar, writeTar } from "./tar.ts";

/** A bundle's members by path (`a/b/data.json`, `.manifest`: no leading slash), in sorted order. */
export type BundleFiles = Map<string, Uint8Array>;

export interface ReadLimits {
  /** Cap on the decompressed archive (default 256 MiB): a gzip bomb fails here. */
  maxBytes?: number;
  /** Cap on one member (default: maxBytes). */
  maxFileBytes?: number;
  /** Cap on the number of tar entries (default 10,000). */
  maxEntries?: number;
}

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** Orders paths by their UTF-8 bytes, as Go and `sort` do, so every implementation agrees. */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The files sorted by path, as a new map. */
export function sortedFiles(files: BundleFiles): BundleFiles {
  return new Map([...files].sort(([a], [b]) => comparePaths(a, b)));
}

/**
 * A .tar.gz of the files: entries sorted by path and written as `/path` (OPA's convention),
 * metadata fixed, gzip header with mtime 0 and OS byte 255 ("unknown", as Go writes). The
 * bytes depend only on the files (and on the zlib that compresses them).
 */
export function packFiles(files: BundleFiles): Uint8Array {
  const entries = [...sortedFiles(files)].map(([name, data]) => {
    checkPath(name, name);
    return { name: `/${name}`, data };
  });
  const gz = gzipSync(writeTar(entries), { level: 9 });
  // RFC 1952 header: bytes 4..7 are mtime (zlib writes 0), byte 9 the OS, which varies by platform.
  gz[9] = 0xff;
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

/** Unpacks a .tar.gz, refusing anything a well-formed bundle would not contain. */
export function unpackFiles(bytes: Uint8Array, limits: ReadLimits = {}): BundleFiles {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new BundleError("not a gzip file (a bundle is a .tar.gz)");
  let tar: Uint8Array;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof RangeError || err.code === "ERR_BUFFER_TOO_LARGE") {
      throw new BundleError(`decompressed bundle exceeds the limit of ${maxBytes} bytes`);
    }
    throw new BundleError(`malformed gzip data: ${err.message}`);
  }
  const entries = readTar(tar, { maxFileBytes: limits.maxFileBytes ?? maxBytes, maxEntries: limits.maxEntries ?? 10_000 });
  const files: BundleFiles = new Map();
  for (const e of entries) {
    if (e.type === "dir") continue; // OPA's loader skips directory entries too
    if (e.type === "symlink") throw new BundleError("symbolic links are not allowed in a bundle", e.name);
    if (e.type === "hardlink") throw new BundleError("hard links are not allowed in a bundle", e.name);
    if (e.type !== "file") throw new BundleError("only regular files are allowed in a bundle", e.name);
    const path = normalizePath(e.name);
    if (files.has(path)) throw new BundleError("duplicate entry in the archive", path);
    files.set(path, new Uint8Array(e.data)); // a copy: the tar buffer is not kept alive
  }
  return sortedFiles(files);
}

/**
 * A member name as stored (`/a/b.rego`, `./a/b.rego` or `a/b.rego`) to its bundle path
 * (`a/b.rego`). Anything that could escape a directory or mean different files on different
 * systems is refused.
 */
export function normalizePath(stored: string): string {
  let p = stored;
  if (p.startsWith("./")) p = p.slice(2);
  else if (p.startsWith("/")) p = p.slice(1);
  checkPath(p, stored);
  return p;
}

function checkPath(p: string, label: string): void {
  const bad = (why: string) => new BundleError(`unsafe path in bundle (${why})`, JSON.stringify(label));
  if (p === "") throw bad("empty name");
  if (p.includes("\\")) throw bad("backslash");
  if (p.includes("\u0000")) throw bad("NUL byte");
  if (p.startsWith("/")) throw bad("absolute path");
  if (/^[A-Za-z]:/.test(p)) throw bad("drive letter");
  for (const seg of p.split("/")) {
    if (seg === "..") throw bad("parent directory reference");
    if (seg === "." || seg === "") throw bad("empty or '.' path segment");
  }
}
