// Where governed state lives for the demo and the governor: one JSON document per resource key.
// A resource never written reads as null. Values go in and come out as copies.
import { randomBytes, createHash } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { assertPlainJSON } from "./patch.ts";

export interface StateStore {
  get(resource: string): Promise<unknown>;
  put(resource: string, value: unknown): Promise<void>;
}

export class MemoryStateStore implements StateStore {
  private readonly docs = new Map<string, string>();

  async get(resource: string): Promise<unknown> {
    const s = this.docs.get(resource);
    return s === undefined ? null : JSON.parse(s);
  }

  async put(resource: string, value: unknown): Promise<void> {
    assertPlainJSON(value);
    this.docs.set(resource, JSON.stringify(value));
  }
}

/** One file per resource under `dir` (default `.warden/state`), each write atomic (temp file, fsync, rename). */
export class FileStateStore implements StateStore {
  constructor(readonly dir: string = join(".warden", "state")) {}

  async get(resource: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.fileOf(resource), "utf8"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  }

  async put(resource: string, value: unknown): Promise<void> {
    assertPlainJSON(value);
    await mkdir(this.dir, { recursive: true });
    const file = this.fileOf(resource);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(JSON.stringify(value));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }

  /** Any key maps to one safe file name; long keys by hash. */
  fileOf(resource: string): string {
    const name = encodeURIComponent(resource).replace(/\./g, "%2E");
    const safe = name.length <= 200 ? name : `${name.slice(0, 120)}~${createHash("sha256").update(resource).digest("hex")}`;
    return join(this.dir, `${safe}.json`);
  }
}
