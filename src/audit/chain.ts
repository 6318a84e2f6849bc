// The hash chain: how a record's hash is made, and the walk that checks a sequence of stored
// records link up. Pure (no database), so a store and an exported JSONL file are checked by the
// same code.
//
// A stored record is its body (the canonical JSON of the record without `hash`) and its hash
// (SHA-256 of exactly those bytes). Each body holds `seq` (1, 2, 3, ...) and `prev_hash` (the
// hash of the record before; 64 zeros for the first). What the walk catches:
//   - a body edited in place                       -> hash_mismatch at that record;
//   - a body edited and its hash recomputed        -> the next record's prev_hash no longer
//                                                     matches: named as rehashed (the earlier one);
//   - a record deleted                             -> missing (a hole in the seq column) or, if
//                                                     the seq column was renumbered, seq_mismatch;
//   - a record inserted (later seqs shifted up)    -> inserted, naming the intruder;
//   - two records swapped / the seq column edited  -> seq_mismatch or missing at the first place;
//   - the id/type/action_id/time/subject columns edited -> column_mismatch (they only index the body).
// What it cannot catch alone: the tail cut off, or the whole tail rewritten and rehashed from
// some record on. The store keeps its head (seq, hash) in a separate row, which catches a
// careless truncation; an attacker who edits that row too is caught only by a head recorded
// outside the store (`verify --expect-head SEQ:HASH`, e.g. noted daily in a ticket or a log).
import { hash } from "node:crypto";
import { canonicalJSON } from "../canonical-json.ts";

export const ZERO_HASH = "0".repeat(64);

export function sha256(text: string): string {
  return hash("sha256", text, "hex");
}

/** SHA-256 (hex) of stored bytes, in one call (verification hashes every body this way). */
export function sha256Bytes(bytes: Uint8Array): string {
  return hash("sha256", bytes, "hex");
}

/** A record as the store holds it: indexed columns plus the hashed body. */
export interface StoredRow {
  seq: number;
  id: string;
  type: string;
  action_id: string | null;
  time: string;
  hash: string;
  body: string;
  /** The governance row the record sets (`TABLE/KEY`), indexing its `state` field; absent in exports. */
  subject?: string | null;
}

export type BadReason =
  | "missing" // no record at this seq
  | "unparseable" // the body is not a JSON object
  | "hash_mismatch" // the body does not hash to the stored hash
  | "not_canonical" // the body hashes right but is not canonical JSON (written by something else)
  | "seq_mismatch" // the body says another seq than where it is stored
  | "inserted" // a record that the next record's prev_hash skips over
  | "rehashed" // its hash is not the one the next record chained to
  | "prev_hash_mismatch" // the first record does not start from 64 zeros, or one past the head does not chain
  | "column_mismatch" // an indexed column differs from the body
  | "truncated" // the store's head is beyond the last record
  | "head_mismatch" // the store's head names another hash
  | "expected_head_missing"; // --expect-head is not in the chain

export interface BadRecord {
  /** Where the chain goes wrong: the seq of the first bad (or missing) record. */
  seq: number;
  /** The id of the record stored there, when there is one. */
  id?: string;
  reason: BadReason;
  message: string;
}

export interface Head {
  seq: number;
  hash: string;
}

/** Walks stored rows in seq order; `check` returns the first problem and the walk stops there. */
export class ChainWalker {
  /** Records that passed. */
  count = 0;
  private expected = 1;
  private prev: Head & { id?: string } = { seq: 0, hash: ZERO_HASH };
  private prev2 = ZERO_HASH;

  /**
   * `trustedHeadSeq`: the seq of a head known good from elsewhere (the store's head row, read
   * before the walk). A record beyond it that does not chain to the one before is itself the
   * forgery (the one before was checked against that head).
   */
  constructor(private readonly trustedHeadSeq?: number) {}

  get head(): Head {
    return { seq: this.prev.seq, hash: this.prev.hash };
  }

  /** The last good record before a bad one at `seq` (the walker may have passed one more). */
  headBefore(seq: number): Head {
    if (seq - 1 >= this.prev.seq) return this.head;
    if (seq - 1 === this.prev.seq - 1) return { seq: seq - 1, hash: this.prev2 };
    throw new Error(`no head kept for seq ${seq - 1}`);
  }

  /** A failed walk's result: the first bad record, and the records before it that verified. */
  failure(firstBad: BadRecord): { ok: false; records: number; head: Head; firstBad: BadRecord } {
    const head = this.headBefore(firstBad.seq);
    return { ok: false, records: head.seq, head, firstBad };
  }

  /**
   * The fast path's step (scan.ts read the body as canonical, `digest` is SHA-256 of the stored
   * bytes, `columnsOk` says the indexed columns equal the body's fields): advances and returns
   * true only when the record passes everything `check` checks. Otherwise it changes nothing and
   * returns false, and the caller runs `check` on the record, which names the problem.
   */
  pass(seq: number, id: string, hash: string, digest: string, bodySeq: number, prevHash: string, columnsOk: boolean): boolean {
    if (seq !== this.expected || digest !== hash || bodySeq !== seq || prevHash !== this.prev.hash || !columnsOk) return false;
    this.prev2 = this.prev.hash;
    this.prev = { seq, hash, id };
    this.expected++;
    this.count++;
    return true;
  }

  check(row: StoredRow): BadRecord | undefined {
    const at = this.expected;
    if (row.seq !== at) {
      return {
        seq: at,
        reason: "missing",
        message: `record ${at} is missing: the next stored record is seq ${row.seq} (id ${row.id}); records were removed or the seq column edited`,
      };
    }
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(row.body);
      if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new Error("not an object");
    } catch (e) {
      return { seq: at, id: row.id, reason: "unparseable", message: `record ${at} (id ${row.id}) is not a JSON object: ${(e as Error).message}` };
    }
    if (sha256(row.body) !== row.hash) {
      return { seq: at, id: row.id, reason: "hash_mismatch", message: `record ${at} (id ${row.id}) does not hash to its stored hash: the record or its hash was altered` };
    }
    if ("hash" in rec || !isCanonical(rec, row.body)) {
      return { seq: at, id: row.id, reason: "not_canonical", message: `record ${at} (id ${row.id}) is not in canonical form: it was not written by the audit log` };
    }
    if (rec.seq !== at || rec.prev_hash !== this.prev.hash) {
      if (at >= 2 && rec.prev_hash === this.prev2 && rec.seq === at - 1) {
        return {
          seq: at - 1,
          id: this.prev.id,
          reason: "inserted",
          message: `record ${at - 1} (id ${this.prev.id}) was inserted: the record after it was written as seq ${at - 1} and chains to seq ${at - 2}`,
        };
      }
      if (rec.seq !== at) {
        return {
          seq: at,
          id: row.id,
          reason: "seq_mismatch",
          message: `record stored at seq ${at} (id ${row.id}) was written as seq ${String(rec.seq)}: records were reordered, removed or inserted, or the seq column edited`,
        };
      }
      if (at === 1) {
        return { seq: 1, id: row.id, reason: "prev_hash_mismatch", message: `record 1 (id ${row.id}) does not start the chain: its prev_hash is not 64 zeros` };
      }
      if (this.trustedHeadSeq !== undefined && at > this.trustedHeadSeq) {
        return {
          seq: at,
          id: row.id,
          reason: "prev_hash_mismatch",
          message: `record ${at} (id ${row.id}) does not chain to record ${at - 1}, the store's head: it was not appended by the audit log`,
        };
      }
      return {
        seq: at - 1,
        id: this.prev.id,
        reason: "rehashed",
        message: `record ${at - 1} (id ${this.prev.id}) is not the record that record ${at} chained to: it was altered and its hash recomputed (or record ${at} was forged)`,
      };
    }
    const state = rec.state as { table?: unknown; key?: unknown } | undefined;
    const subject = state ? `${String(state.table)}/${String(state.key)}` : null;
    const column =
      rec.id !== row.id ? "id"
      : rec.type !== row.type ? "type"
      : (rec.action_id ?? null) !== row.action_id ? "action_id"
      : rec.time !== row.time ? "time"
      : row.subject !== undefined && row.subject !== subject ? "subject"
      : undefined;
    if (column) {
      return { seq: at, id: String(rec.id), reason: "column_mismatch", message: `record ${at} (id ${String(rec.id)}): the ${column} column differs from the record` };
    }
    this.prev2 = this.prev.hash;
    this.prev = { seq: at, hash: row.hash, id: row.id };
    this.expected++;
    this.count++;
    return undefined;
  }
}

/**
 * Whether `text` (which parsed to `value`) is exactly canonicalJSON(value). Fast path: the native
 * JSON.stringify gives back the same bytes and every object's keys are in sorted order. Slow
 * path, when that fails (objects with integer-like keys, which JS orders numerically): compare
 * with canonicalJSON itself.
 */
export function isCanonical(value: unknown, text: string): boolean {
  if (JSON.stringify(value) === text && keysSorted(value)) return true;
  return canonicalJSON(value) === text;
}

function keysSorted(v: unknown): boolean {
  if (v === null || typeof v !== "object") return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!keysSorted(x)) return false;
    return true;
  }
  let prev: string | undefined;
  for (const k in v as Record<string, unknown>) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
    if (!keysSorted((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Parses `HASH` or `SEQ:HASH` (as `warden audit verify` prints the head). */
export function parseHead(text: string): { seq?: number; hash: string } {
  const m = /^(?:(\d+):)?([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new Error(`expected head must be HASH or SEQ:HASH with a 64-digit hex SHA-256, got ${JSON.stringify(text)}`);
  return m[1] === undefined ? { hash: m[2]! } : { seq: Number(m[1]), hash: m[2]! };
}

export function formatHead(h: Head): string {
  return `${h.seq}:${h.hash}`;
}
