// The bundle store: a directory of bundles named by revision (`<revision>.tar.gz`) and an
// index (`index.json`). Nothing is ever overwritten: auditors replay decisions against old
// revisions. Files appear atomically (written aside, then linked or renamed into place).
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readBundle, type Bundle } from "./bundle.ts";
import { BundleError } from "./errors.ts";
import { describeSignature } from "./verify.ts";
import type { ReadLimits } from "./archive.ts";

export interface StoreEntry {
  revision: string;
  entrypoints: string[];
  /** The key id the signature names; null when unsigned or when the token names no key. */
  signer: string | null;
  signed: boolean;
  /** Bytes of the .tar.gz. */
  size: number;
  /** When it was published (ISO 8601, UTC). Builds carry no time: they are deterministic. */
  published_at: string;
}

export interface Store {
  readonly dir: string;
  /** Index entries, oldest first. */
  list(): StoreEntry[];
  has(revision: string): boolean;
  /** The bundle bytes of a revision; throws if absent or if the stored bytes no longer hash to it. */
  get(revision: string): Uint8Array;
  /** Stores a bundle; publishing identical bytes again is a no-op (`added: false`). */
  put(bytes: Uint8Array, now?: Date): { entry: StoreEntry; added: boolean };
}

const REVISION = /^[0-9a-f]{64}$/;
const INDEX = "index.json";

/** Opens (without creating) the store in `dir`; `put` creates the directory when needed. */
export function openStore(dir: string, limits: ReadLimits = {}): Store {
  const pathOf = (revision: string) => {
    if (!REVISION.test(revision)) throw new BundleError(`not a revision: ${JSON.stringify(revision)} (64 lowercase hex digits)`);
    return join(dir, `${revision}.tar.gz`);
  };
  const list = (): StoreEntry[] => {
    const p = join(dir, INDEX);
    if (!existsSync(p)) return [];
    try {
      const doc = JSON.parse(readFileSync(p, "utf8")) as { bundles?: StoreEntry[] };
      return doc.bundles ?? [];
    } catch (e) {
      throw new BundleError(`corrupt store index: ${(e as Error).message}`, p);
    }
  };
  return {
    dir,
    list,
    has: (revision) => existsSync(pathOf(revision)),
    get(revision) {
      const p = pathOf(revision);
      if (!existsSync(p)) throw new BundleError(`no bundle with revision ${revision} in ${dir}`);
      const bytes = new Uint8Array(readFileSync(p));
      const b = readBundle(bytes, limits);
      if (b.contentRevision !== revision || b.revision !== revision) throw new BundleError(`stored bundle does not hash to its revision (content ${b.contentRevision})`, p);
      return bytes;
    },
    put(bytes, now = new Date()) {
      const b = checkPublishable(bytes, limits);
      mkdirSync(dir, { recursive: true });
      const final = pathOf(b.revision);
      const tmp = join(dir, `.${b.revision}.${process.pid}.${Date.now()}.tmp`);
      writeFileSync(tmp, bytes, { flag: "wx" });
      let added = true;
      try {
        linkSync(tmp, final); // fails if the revision exists: never overwrites
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        added = false;
        if (!Buffer.from(readFileSync(final)).equals(Buffer.from(bytes))) {
          throw new BundleError(`revision ${b.revision} is already stored with different bytes (a different signature, or different compression); stored bundles are never replaced`, final);
        }
      } finally {
        unlinkSync(tmp);
      }
      const existing = list().find((e) => e.revision === b.revision);
      if (existing) return { entry: existing, added: false };
      const sig = b.signed ? describeSignature(b.files) : undefined;
      const entry: StoreEntry = {
        revision: b.revision,
        entrypoints: b.entrypoints,
        signer: sig?.keyId ?? null,
        signed: b.signed,
        size: bytes.length,
        published_at: now.toISOString(),
      };
      withLock(dir, () => {
        const entries = list().filter((e) => e.revision !== entry.revision);
        writeAtomically(join(dir, INDEX), JSON.stringify({ bundles: [...entries, entry] }, null, 2) + "\n");
      });
      return { entry, added };
    },
  };
}

/** A bundle may be published when its manifest revision is its content hash (a Warden revision). */
function checkPublishable(bytes: Uint8Array, limits: ReadLimits): Bundle {
  const b = readBundle(bytes, limits);
  if (!REVISION.test(b.revision) || b.revision !== b.contentRevision) {
    throw new BundleError(
      `manifest revision ${JSON.stringify(b.revision)} is not the bundle's content hash ${b.contentRevision}: built by another tool, or changed after the build`,
    );
  }
  return b;
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text, { flag: "wx" });
  renameSync(tmp, path);
}

/** Serialises index updates between processes with an exclusive lock file (taken as stale after 30 s). */
function withLock(dir: string, f: () => void): void {
  const lock = join(dir, "index.lock");
  const deadline = Date.now() + 10_000;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (Date.now() > deadline) throw new BundleError(`store is locked (remove ${lock} if no publish is running)`);
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) unlinkSync(lock);
      } catch {
        // the holder removed it meanwhile
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    f();
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}
