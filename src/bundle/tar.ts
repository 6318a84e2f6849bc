// A minimal ustar writer and a defensive tar reader: exactly what bundles need, nothing more.
// The writer emits regular files only, with fixed metadata (mode 0644, uid/gid 0, mtime 0, no
// user or group names) so the same files always give the same bytes. The reader understands
// ustar, GNU and PAX headers (OPA's Go writer may emit PAX), verifies checksums, and reports
// every entry with its type so the caller can refuse links and devices.
import { BundleError } from "./errors.ts";

const BLOCK = 512;
const enc = new TextEncoder();

export interface TarEntry {
  name: string;
  /** "file", "dir", or what the caller must refuse: "symlink", "hardlink", "other". */
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  data: Uint8Array;
}

/** Writes regular files, in the order given, as a ustar archive with its two end blocks. */
export function writeTar(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const size = files.reduce((n, f) => n + BLOCK + roundUp(f.data.length), 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of files) {
    out.set(header(f.name, f.data.length), at);
    out.set(f.data, at + BLOCK);
    at += BLOCK + roundUp(f.data.length);
  }
  return out;
}

function header(name: string, size: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const [prefix, base] = splitName(name);
  h.set(base, 0);
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h[156] = 0x30; // '0': regular file
  h.set(enc.encode("ustar\u000000"), 257);
  h.set(prefix, 345);
  octal(h, 148, 7, checksum(h));
  h[155] = 0x20;
  return h;
}

/** ustar stores names up to 100 bytes, or 155 bytes of directory prefix plus 100 of name. */
function splitName(name: string): [Uint8Array, Uint8Array] {
  const b = enc.encode(name);
  if (b.length <= 100) return [new Uint8Array(0), b];
  for (let i = b.length - 1; i > 0; i--) {
    if (b[i] === 0x2f && i <= 155 && b.length - i - 1 <= 100 && b.length - i - 1 > 0) return [b.subarray(0, i), b.subarray(i + 1)];
  }
  throw new BundleError("path too long for a ustar archive (at most 155 bytes of directories and 100 of name)", name);
}

function octal(h: Uint8Array, at: number, width: number, value: number): void {
  const s = value.toString(8).padStart(width - 1, "0");
  if (s.length > width - 1) throw new BundleError(`value ${value} does not fit in a tar header field`);
  h.set(enc.encode(s), at);
  h[at + width - 1] = 0;
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

const roundUp = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

export interface ReadTarLimits {
  /** Largest size a single member may declare. */
  maxFileBytes: number;
  /** Most members (of any type) accepted. */
  maxEntries: number;
}

/** Reads every entry; throws a BundleError on a malformed archive. Names are returned as stored. */
export function readTar(buf: Uint8Array, limits: ReadTarLimits): TarEntry[] {
  const entries: TarEntry[] = [];
  const dec = new TextDecoder("utf-8", { fatal: false });
  let at = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  let count = 0;
  while (true) {
    if (at + BLOCK > buf.length) {
      // A missing end-of-archive marker is tolerated (as Go and GNU tar do) only on a block boundary.
      if (at === buf.length) break;
      throw new BundleError(`truncated tar archive: ${buf.length - at} stray bytes at offset ${at}`);
    }
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (++count > limits.maxEntries) throw new BundleError(`more than ${limits.maxEntries} tar entries`);
    const stored = readOctal(h, 148, 8, at);
    if (stored !== checksum(h) && stored !== signedChecksum(h)) throw new BundleError(`bad tar header checksum at offset ${at}`);
    const magic = dec.decode(h.subarray(257, 263));
    const isUstar = magic === "ustar\u0000" || magic === "ustar ";
    let name = cString(dec, h.subarray(0, 100));
    if (isUstar && magic === "ustar\u0000") {
      const prefix = cString(dec, h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    let size = readOctal(h, 124, 12, at);
    const flag = String.fromCharCode(h[156]!);
    if (pax.size !== undefined) size = parseDecimal(pax.size, "PAX size", at);
    const label = longName ?? pax.path ?? name;
    if (size > limits.maxFileBytes) throw new BundleError(`entry declares ${size} bytes, over the limit of ${limits.maxFileBytes}`, label);
    const start = at + BLOCK;
    if (start + size > buf.length) throw new BundleError(`truncated tar archive: entry needs ${size} bytes`, label);
    const data = buf.subarray(start, start + size);
    at = start + roundUp(size);
    if (flag === "x") {
      pax = parsePax(dec.decode(data), at);
      continue;
    }
    if (flag === "g") continue; // global PAX defaults: nothing a bundle reader needs
    if (flag === "L") {
      longName = cString(dec, data);
      continue;
    }
    if (flag === "K") continue; // GNU long link name: links are refused below anyway
    const type: TarEntry["type"] =
      flag === "0" || flag === "\u0000" || flag === "7" ? "file" : flag === "5" ? "dir" : flag === "2" ? "symlink" : flag === "1" ? "hardlink" : "other";
    entries.push({ name: label, type, data });
    longName = undefined;
    pax = {};
  }
  return entries;
}

/** Some old writers summed the header as signed bytes. */
function signedChecksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i]! << 24) >> 24;
  return sum;
}

function cString(dec: TextDecoder, b: Uint8Array): string {
  const end = b.indexOf(0);
  return dec.decode(end < 0 ? b : b.subarray(0, end));
}

function readOctal(h: Uint8Array, at: number, width: number, offset: number): number {
  const field = h.subarray(at, at + width);
  if (field[0]! & 0x80) throw new BundleError(`unsupported base-256 number in tar header at offset ${offset}`);
  const s = String.fromCharCode(...field).replace(/[\u0000 ]+$/g, "").replace(/^ +/, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new BundleError(`malformed number ${JSON.stringify(s)} in tar header at offset ${offset}`);
  return parseInt(s, 8);
}

function parseDecimal(s: string, what: string, offset: number): number {
  if (!/^[0-9]{1,15}$/.test(s)) throw new BundleError(`malformed ${what} ${JSON.stringify(s)} near offset ${offset}`);
  return Number(s);
}

/** PAX records: "<len> <key>=<value>\n", len counting the whole record. */
function parsePax(text: string, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  const bytes = enc.encode(text);
  const dec = new TextDecoder();
  let i = 0;
  while (i < bytes.length) {
    const sp = bytes.indexOf(0x20, i);
    if (sp < 0) throw new BundleError(`malformed PAX header near offset ${offset}`);
    const len = parseDecimal(dec.decode(bytes.subarray(i, sp)), "PAX record length", offset);
    if (len <= sp - i + 1 || i + len > bytes.length) throw new BundleError(`malformed PAX header near offset ${offset}`);
    const record = dec.decode(bytes.subarray(sp + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq < 0) throw new BundleError(`malformed PAX record near offset ${offset}`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}
