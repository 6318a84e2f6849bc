// Periodic signed checkpoints, for a running governor (or service): every N records or T
// seconds, catch the tree up, sign its head, write it outside the store (a directory) and
// optionally POST it to a URL. The checkpointer remembers the last head it signed (and reads the
// latest file of its directory at start): it signs a new head only if the store proves it
// extends that one (a consistency proof from the stored tree, checked), so a store rewritten
// between two checkpoints is refused instead of signed.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "./db.ts";
import { openCheckpoint, signCheckpoint, type Signer } from "./checkpoint.ts";
import { ProofError, toHex, verifyConsistency, type Hash } from "./merkle.ts";
import { consistencyProofBetween, syncTree, treeHead } from "./tree.ts";

export interface CheckpointerOptions {
  db: Db;
  /** The log's checkpoint key (loadSigner). */
  signer: Signer;
  /** The checkpoint's origin line (default: the key's name). */
  origin?: string;
  /** Writes DIR/checkpoint.<size> and DIR/checkpoint (the latest). */
  dir?: string;
  /** POSTs each checkpoint (text/plain) here. */
  url?: string;
  /** Checkpoint after this many new records (default 1000) ... */
  everyRecords?: number;
  /** ... or this many seconds after the last one, when records were added (default 60). */
  everySeconds?: number;
  /** The clock, in ms (default Date.now). */
  now?: () => number;
  /** How to POST (default fetch). */
  post?: (url: string, note: string) => Promise<void>;
  /** Told of a failed background checkpoint (start()): a CheckpointRefused or an I/O error. */
  onError?: (e: unknown) => void;
}

export class CheckpointRefused extends Error {}

export interface Written {
  size: number;
  root: Hash;
  note: string;
  file?: string;
}

export class Checkpointer {
  private last: { size: number; root: Hash } | undefined;
  private lastAt: number;
  private pending = 0;
  private running: Promise<Written | undefined> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly origin: string;
  private readonly now: () => number;

  constructor(private readonly o: CheckpointerOptions) {
    this.origin = o.origin ?? o.signer.name;
    this.now = o.now ?? Date.now;
    this.lastAt = this.now();
    if (o.dir && existsSync(join(o.dir, "checkpoint"))) {
      const c = openCheckpoint(readFileSync(join(o.dir, "checkpoint"), "utf8"), o.signer, this.origin);
      this.last = { size: c.size, root: c.root };
    }
  }

  /** The head signed last (by this checkpointer or found in its directory). */
  get lastSigned(): { size: number; root: Hash } | undefined {
    return this.last;
  }

  /** Call after appending records: checkpoints when N records or T seconds have passed. */
  async appended(records = 1): Promise<Written | undefined> {
    this.pending += records;
    const due = this.pending >= (this.o.everyRecords ?? 1000) || (this.pending > 0 && this.now() - this.lastAt >= (this.o.everySeconds ?? 60) * 1000);
    return due ? this.checkpoint() : undefined;
  }

  /** Checkpoints every T seconds in the background (when records were added); stop() ends it. */
  start(): void {
    const ms = (this.o.everySeconds ?? 60) * 1000;
    this.timer = setInterval(() => {
      this.checkpoint(false).catch((e: unknown) => this.o.onError?.(e));
    }, ms);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Catches the tree up, and signs and writes its head if it grew (or always, with force).
   * Throws CheckpointRefused when the store's tree is not an extension of the last signed head.
   */
  checkpoint(force = true): Promise<Written | undefined> {
    // One at a time: a second caller waits for the first and gets its result.
    this.running ??= this.write(force).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async write(force: boolean): Promise<Written | undefined> {
    const { db, signer } = this.o;
    await syncTree(db);
    const { head, proof } = await db.transaction(async (q) => {
      const head = await treeHead(q);
      const last = this.last;
      const proof = last && last.size <= head.size ? await consistencyProofBetween(q, last.size, head.size) : [];
      return { head, proof };
    }, "read");
    const last = this.last;
    if (last) {
      if (head.size < last.size) throw new CheckpointRefused(`the store's tree has ${head.size} records, fewer than the ${last.size} last signed: not signing`);
      try {
        verifyConsistency(last.size, head.size, last.root, head.root, proof);
      } catch (e) {
        if (e instanceof ProofError) throw new CheckpointRefused(`the store's tree of ${head.size} records is not an extension of the checkpoint of ${last.size} signed before (root ${toHex(last.root)}): not signing (${e.message})`);
        throw e;
      }
      if (!force && head.size === last.size) return undefined;
    }
    const note = signCheckpoint({ origin: this.origin, size: head.size, root: head.root, extensions: [] }, signer);
    let file: string | undefined;
    if (this.o.dir) {
      mkdirSync(this.o.dir, { recursive: true });
      file = join(this.o.dir, `checkpoint.${head.size}`);
      writeFileSync(file, note);
      const latest = join(this.o.dir, "checkpoint");
      writeFileSync(`${latest}.tmp`, note);
      renameSync(`${latest}.tmp`, latest);
    }
    if (this.o.url) {
      const post =
        this.o.post ??
        (async (url: string, body: string) => {
          const r = await fetch(url, { method: "POST", headers: { "content-type": "text/plain; charset=utf-8" }, body });
          if (!r.ok) throw new Error(`POST ${url}: HTTP ${r.status}`);
        });
      await post(this.o.url, note);
    }
    this.last = { size: head.size, root: head.root };
    this.lastAt = this.now();
    this.pending = 0;
    return { size: head.size, root: head.root, note, ...(file ? { file } : {}) };
  }
}
