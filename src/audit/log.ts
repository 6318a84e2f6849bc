// The audit trail: an append-only, hash-chained log of AuditRecords in a store (SQLite or
// PostgreSQL). append() assigns seq, id, time, prev_hash and hash under the store's write lock, so
// any number of processes appending to one store make one chain; verify() walks it (chain.ts).
// There is no update or delete: the only way to change the past is to tamper, which verify names.
//
// Tables (component "audit" in warden_schema):
//   audit_records(seq PK, id UNIQUE, type, action_id, time, hash, body)  body = canonical JSON of
//     the record without hash; hash = SHA-256(body); the other columns index the body.
//     subject = "TABLE/KEY" of the governance state the record sets (its `state` field), else NULL.
//   audit_head(one = 1, seq, hash)  the last record, updated in the same transaction as the insert.
//   audit_tree_*  the Merkle tree over the records (tree.ts), extended in the same transaction.
//
// Other components write their rows and the records that justify them in one transaction:
// `appendIn(tx, ...)` inside `db.transaction`.
import { timeOrderedId } from "../ids.ts";
import { canonicalJSON } from "../canonical-json.ts";
import type { AuditRecord } from "../schemas/types.ts";
import { SchemaError, validate } from "../schemas/validate.ts";
import { isAscii, isUtf8 } from "node:buffer";
import { ChainWalker, ZERO_HASH, parseHead, sha256, sha256Bytes, type BadRecord, type Head, type StoredRow } from "./chain.ts";
import { RowFrame, frameRow, readPage, sameRange } from "./page.ts";
import { BodyFields, scanCanonical, specialsIn } from "./scan.ts";
import { migrate, openStore, storeURL, valuesList, type Db, type Migration, type OpenOptions, type Queryable } from "./db.ts";
import { extendTreeIn, openTree, type Frontier, type TreeRow } from "./tree.ts";

/** What a caller appends: a record without the fields the log assigns. */
export type AuditEntry = Omit<AuditRecord, "seq" | "id" | "time" | "prev_hash" | "hash">;
export type AuditType = AuditRecord["type"];

const ASSIGNED = ["seq", "id", "time", "prev_hash", "hash"] as const;

export interface AuditLogOptions extends OpenOptions {
  /** The clock stamping `time` (default: the system clock). */
  now?: () => Date;
  /** Record ids (default: a UUIDv7 of the record's time, src/ids.ts). Must be unique in the store. */
  newId?: (seq: number) => string;
  /** Rows fetched per query when listing, exporting and verifying (default 2000; verify reads each page as one blob). */
  pageSize?: number;
  /**
   * Whether each append extends the Merkle tree in its own transaction (default true). Off, the
   * tree is caught up only by syncTree (checkpoints, proofs): for measuring what the tree costs.
   */
  merkleTree?: boolean;
}

export interface ListOptions {
  /** A seq (records from it on) or a time (records stamped at or after it). */
  since?: number | string | Date;
  type?: AuditType;
  action_id?: string;
  limit?: number;
  /** Newest first. */
  desc?: boolean;
}

export interface VerifyOptions {
  /** A head noted earlier (`HASH` or `SEQ:HASH`): the chain must still contain it. */
  expectHead?: string;
  /** Called every `progressEvery` records and at the end with (checked, total at start). */
  onProgress?: (checked: number, total: number) => void;
  progressEvery?: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Records that verified (all of them when ok; those before the first bad one otherwise). */
  records: number;
  /** The last good record. */
  head: Head;
  firstBad?: BadRecord;
}

const MIGRATIONS: Migration[] = [
  (q) => `
    CREATE TABLE IF NOT EXISTS audit_records (
      seq ${q.types.int} PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      action_id TEXT,
      time TEXT NOT NULL,
      hash TEXT NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_records_action ON audit_records (action_id, type);
    CREATE INDEX IF NOT EXISTS audit_records_type ON audit_records (type, seq);
    CREATE TABLE IF NOT EXISTS audit_head (
      one INTEGER PRIMARY KEY CHECK (one = 1),
      seq ${q.types.int} NOT NULL,
      hash TEXT NOT NULL
    );
    INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '${ZERO_HASH}') ON CONFLICT (one) DO NOTHING;`,
  `ALTER TABLE audit_records ADD COLUMN subject TEXT;
   CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (subject, seq);`,
  // Fewer index pages per durable commit (each commit writes every page it touched): intents
  // only (what recovery looks for), and only records that set a governance row. An index on
  // every record's type added one page per record type to each commit.
  `DROP INDEX IF EXISTS audit_records_type;
   DROP INDEX IF EXISTS audit_records_subject;
   CREATE INDEX IF NOT EXISTS audit_records_intents ON audit_records (seq) WHERE type = 'intent';
   CREATE INDEX IF NOT EXISTS audit_records_subjects ON audit_records (subject, seq) WHERE subject IS NOT NULL;`,
];

/** The subject column of a record: the governance row its `state` sets, as `TABLE/KEY`. */
export function subjectOf(state: { table: string; key: string } | undefined): string | null {
  return state ? `${state.table}/${state.key}` : null;
}

const COLUMNS = "seq, id, type, action_id, time, hash, body, subject";
/** Subjects whose checked record latestState keeps (the set is dropped when full). */
const CHECKED_STATES = 10_000;

/** Records per INSERT statement (8 parameters each: 800, under SQLite's limit of 999). */
const INSERT_ROWS = 100;
/** The INSERT of n records, by n: made once (the statement cache is looked up by its text). */
const INSERT_SQL: string[] = [];

export class AuditStoreError extends Error {}

export class AuditLog {
  private readonly now: () => Date;
  private readonly newId: (seq: number, time: Date) => string;
  private readonly pageSize: number;
  private readonly merkleTree: boolean;
  /**
   * Told how many records each append wrote (before its transaction commits): for a periodic
   * checkpointer, which reads only what is committed. Must not throw or wait.
   */
  onAppend: ((records: number) => void) | undefined;
  /**
   * The tree's frontier after this log's last append, and the head hash it belongs to: the next
   * append from that same head reuses it. (A head hash fixes every body before it, so it fixes
   * the tree; an append rolled back leaves a head that never comes, or comes with the same tree.)
   */
  private lastFrontier: { head: string; frontier: Frontier } | undefined;
  /** latestState's checked records by subject (frozen: callers share them). */
  private readonly checkedStates = new Map<string, AuditRecord>();

  private constructor(
    /** The store; other components may keep their tables in it. */
    readonly db: Db,
    private readonly ownsDb: boolean,
    options: AuditLogOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? ((_seq, time) => timeOrderedId(time.getTime()));
    this.pageSize = options.pageSize ?? 2000;
    this.merkleTree = options.merkleTree ?? true;
  }

  /** Opens (creating if needed) the audit log in a store URL (see openStore) or an open Db. */
  static async open(store: string | Db = storeURL(), options: AuditLogOptions = {}): Promise<AuditLog> {
    const db = typeof store === "string" ? await openStore(store, options) : store;
    try {
      await migrate(db, "audit", MIGRATIONS);
      await openTree(db);
    } catch (e) {
      if (typeof store === "string") await db.close();
      throw e;
    }
    return new AuditLog(db, typeof store === "string", options);
  }

  /**
   * Validates the entry against the audit-record schema, then appends it as one durable
   * transaction and returns the record as stored. Throws SchemaError (nothing written) if the
   * entry does not fit.
   */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    return (await this.write([this.prepare(entry)]))[0]!;
  }

  /** Appends several entries in one transaction (all or none), in order. */
  async appendAll(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const prepared = entries.map((e) => this.prepare(e));
    return prepared.length ? this.write(prepared) : [];
  }

  /**
   * Checks an entry and canonicalises it once: each top-level member's canonical JSON, in key
   * order, from which the stored body is spliced together with the fields the log assigns.
   */
  private prepare(entry: AuditEntry): Prepared {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw new SchemaError("audit-record", ["(root): must be object"]);
    const assigned = ASSIGNED.filter((k) => (entry as Record<string, unknown>)[k] !== undefined);
    if (assigned.length) throw new SchemaError("audit-record", assigned.map((k) => `/${k}: is assigned by the audit log`));
    let record: Record<string, unknown>;
    let members: [string, string][];
    try {
      members = Object.entries(entry as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonicalJSON(v)]);
      // What is validated is exactly what will be hashed and stored, parsed into a copy the
      // caller cannot change after the call, with placeholders where the log assigns fields
      // (insert sets them; one parse, where a spread of the parsed copy cost as much again).
      record = JSON.parse(spliceBody(members, PLACEHOLDERS));
    } catch (e) {
      throw new SchemaError("audit-record", [`(root): ${(e as Error).message}`]);
    }
    validate("audit-record", record);
    return { record, members };
  }

  private write(entries: Prepared[]): Promise<AuditRecord[]> {
    return this.db.transaction((tx) => this.insert(tx, entries), "write");
  }

  /**
   * Inside a write transaction, makes every other appender (any process) wait until it ends, as
   * an append does: for a compare-and-set on a row that does not exist yet. On SQLite the write
   * transaction already excludes them.
   */
  async holdAppends(tx: Queryable): Promise<void> {
    if (tx.dialect === "postgres") await tx.query("SELECT seq FROM audit_head WHERE one = 1 FOR UPDATE");
  }

  /**
   * Appends entries (validated as append does) inside a write transaction the caller holds on
   * this log's store, so that rows the records justify commit with them or not at all. Take the
   * caller's own row locks before calling: this locks the head row until the transaction ends (holdAppends).
   */
  async appendIn(tx: Queryable, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const prepared = entries.map((e) => this.prepare(e));
    return prepared.length ? this.insert(tx, prepared) : [];
  }

  private async insert(tx: Queryable, entries: Prepared[]): Promise<AuditRecord[]> {
    const [h] = await tx.query<Head>(`SELECT seq, hash FROM audit_head WHERE one = 1${tx.forUpdate}`);
    if (!h) throw new AuditStoreError("the audit store has lost its head row: run `warden audit verify`");
    let { seq, hash } = h;
    const out: AuditRecord[] = [];
    const leaves: TreeRow[] = [];
    const columns: unknown[][] = [];
    for (const e of entries) {
      seq++;
      const time = this.now();
      const id = this.newId(seq, time);
      const iso = time.toISOString();
      const body = spliceBody(e.members, [["id", JSON.stringify(id)], ["prev_hash", JSON.stringify(hash)], ["seq", JSON.stringify(seq)], ["time", JSON.stringify(iso)]]);
      // The validated copy becomes the record returned: its placeholders take the assigned values.
      const rec = e.record as unknown as AuditRecord;
      rec.id = id;
      rec.prev_hash = hash;
      rec.seq = seq;
      rec.time = iso;
      rec.hash = hash = sha256(body);
      columns.push([seq, id, rec.type, rec.action_id ?? null, iso, hash, body, subjectOf(rec.state)]);
      out.push(rec);
      leaves.push({ seq, body });
    }
    // Several rows per statement: on PostgreSQL each statement is a round trip.
    for (let i = 0; i < columns.length; i += INSERT_ROWS) {
      const chunk = columns.slice(i, i + INSERT_ROWS);
      await tx.run((INSERT_SQL[chunk.length] ??= `INSERT INTO audit_records (${COLUMNS}) VALUES ${valuesList(chunk.length, 8)}`), chunk.flat());
    }
    await tx.run("UPDATE audit_head SET seq = $1, hash = $2 WHERE one = 1", [seq, hash]);
    // The Merkle tree grows in the same transaction (tree.ts): checkpoints and proofs need no rebuild.
    if (this.merkleTree) {
      const known = this.lastFrontier?.head === h.hash ? this.lastFrontier.frontier : undefined;
      this.lastFrontier = { head: hash, frontier: await extendTreeIn(tx, leaves, known) };
    }
    this.onAppend?.(out.length);
    return out;
  }

  /**
   * The newest record setting a governance row (`TABLE/KEY`), checked: its body hashes to its
   * hash and is the record its successor (or the head) chained to. Undefined when the chain never
   * set that row. Throws AuditStoreError when the record found is not an intact link of the chain.
   */
  async latestState(q: Queryable, table: string, key: string): Promise<AuditRecord | undefined> {
    const subject = `${table}/${key}`;
    const [row] = await q.query<StoredRow>(
      `SELECT ${COLUMNS} FROM audit_records WHERE seq = (SELECT MAX(seq) FROM audit_records WHERE subject = $1)`,
      [subject],
    );
    if (!row) return undefined;
    // Checked before, and still the newest for its subject with the same hash: the record as it
    // was checked (a body altered since, its hash kept, is verify's to find; this is the truth).
    const known = this.checkedStates.get(subject);
    if (known && known.seq === Number(row.seq) && known.hash === row.hash) return known;
    const broken = (why: string) => new AuditStoreError(`audit record ${row.seq} (the latest for ${subject}) ${why}: run \`warden audit verify\``);
    if (sha256(row.body) !== row.hash) throw broken("does not hash to its stored hash");
    const rec = toRecord(row);
    if (rec.seq !== row.seq || subjectOf(rec.state) !== subject) throw broken("is not the record its columns say");
    const [next] = await q.query<{ body: string }>("SELECT body FROM audit_records WHERE seq = $1", [row.seq + 1]);
    if (next) {
      if ((JSON.parse(next.body) as { prev_hash?: string }).prev_hash !== row.hash) throw broken("is not the record its successor chained to");
    } else {
      const [h] = await q.query<Head>("SELECT seq, hash FROM audit_head WHERE one = 1");
      if (!h || h.seq !== row.seq || h.hash !== row.hash) throw broken("is neither followed by a record nor the store's head");
    }
    if (this.checkedStates.size >= CHECKED_STATES) this.checkedStates.clear();
    this.checkedStates.set(subject, deepFreeze(rec));
    return rec;
  }

  /** Whether the chain holds any record of this type. */
  async hasType(q: Queryable, type: AuditType): Promise<boolean> {
    return (await q.query(`SELECT 1 AS one FROM audit_records WHERE type = ${typeLiteral(type)} LIMIT 1`)).length > 0;
  }

  /** Whether the chain holds a record of this type for the action (for example an intent). */
  async has(q: Queryable, action_id: string, type: AuditType): Promise<boolean> {
    const rows = await q.query(`SELECT 1 AS one FROM audit_records WHERE action_id = $1 AND type = ${typeLiteral(type)} LIMIT 1`, [action_id]);
    return rows.length > 0;
  }

  /** One record by seq (a number) or id (a string). */
  async get(key: number | string): Promise<AuditRecord | undefined> {
    const [row] = await this.db.query<StoredRow>(`SELECT ${COLUMNS} FROM audit_records WHERE ${typeof key === "number" ? "seq" : "id"} = $1`, [key]);
    return row && toRecord(row);
  }

  /** Records in seq order (newest first with desc), filtered; fetched page by page. */
  async *list(options: ListOptions = {}): AsyncGenerator<AuditRecord> {
    for await (const row of this.rows(options)) yield toRecord(row);
  }

  /** The stored rows themselves, in seq order (for export and for checking). */
  async *rows(options: ListOptions = {}): AsyncGenerator<StoredRow> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, v: unknown) => {
      params.push(v);
      where.push(cond.replace("?", `$${params.length}`));
    };
    if (options.type !== undefined) add("type = ?", options.type);
    if (options.action_id !== undefined) add("action_id = ?", options.action_id);
    if (typeof options.since === "number") add("seq >= ?", options.since);
    else if (options.since !== undefined) add("time >= ?", new Date(options.since).toISOString());
    const desc = options.desc === true;
    let cursor = desc ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    let left = options.limit ?? Infinity;
    const n = params.length;
    const sql =
      `SELECT ${COLUMNS} FROM audit_records WHERE ${[...where, `seq ${desc ? "<" : ">"} $${n + 1}`].join(" AND ")}` +
      ` ORDER BY seq ${desc ? "DESC" : "ASC"} LIMIT $${n + 2}`;
    while (left > 0) {
      const want = Math.min(this.pageSize, left);
      const page = await this.db.query<StoredRow>(sql, [...params, cursor, want]);
      for (const row of page) yield row;
      if (page.length < want) return;
      left -= page.length;
      cursor = page[page.length - 1]!.seq;
    }
  }

  /** The last record's seq and hash (seq 0 and 64 zeros when empty), as the store records it. */
  async head(): Promise<Head> {
    const [h] = await this.db.query<Head>("SELECT seq, hash FROM audit_head WHERE one = 1");
    if (!h) throw new AuditStoreError("the audit store has lost its head row: run `warden audit verify`");
    return { seq: h.seq, hash: h.hash };
  }

  async count(): Promise<number> {
    const [r] = await this.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_records");
    return Number(r!.n);
  }

  /**
   * Walks the whole chain and stops at the first bad record (see chain.ts for what is caught).
   * Also checks the store's head row (a truncated tail) and, if given, a head noted earlier.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const expect = options.expectHead === undefined ? undefined : parseHead(options.expectHead);
    const every = options.progressEvery ?? 10_000;
    // The head first: records up to it exist now, and appends made during the walk only add
    // records after it.
    const [stored] = await this.db.query<Head>("SELECT seq, hash FROM audit_head WHERE one = 1");
    const total = await this.count();
    const walker = new ChainWalker(stored?.seq);
    const fail = (firstBad: BadRecord): VerifyResult => walker.failure(firstBad);
    let expectSeen = false;
    // What verify checks beyond the chain, for each record that passed it.
    const after = (seq: number, id: string, hash: string): BadRecord | undefined => {
      if (stored && seq === stored.seq && hash !== stored.hash) {
        return { seq, id, reason: "head_mismatch", message: `record ${seq} (id ${id}) is not the record the store's head recorded: it was altered and its hash recomputed` };
      }
      if (expect && (expect.seq === undefined ? hash === expect.hash : seq === expect.seq)) {
        if (hash !== expect.hash) {
          return { seq, id, reason: "expected_head_missing", message: `record ${seq} (id ${id}) is not the expected head ${expect.hash}: the log was rewritten from this record on` };
        }
        expectSeen = true;
      }
      if (walker.count % every === 0) options.onProgress?.(walker.count, Math.max(total, walker.count));
      return undefined;
    };
    // The general path for one stored row: parsed, canonicalised and compared (chain.ts).
    const general = (row: StoredRow): BadRecord | undefined => walker.check(row) ?? after(row.seq, row.id, row.hash);
    const frame = new RowFrame();
    const fields = new BodyFields();
    let cursor = 0;
    for (;;) {
      const page = await readPage(this.db, cursor, this.pageSize);
      if (page.rows === 0) break;
      const { meta, text, bytes } = page;
      // Bodies are hashed through a plain Uint8Array view: its subarray costs a fifth of a Buffer's.
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      // Backslashes and control characters send a body to the general path; non-ASCII bytes
      // must be valid UTF-8 (then JSON.stringify writes them as they are).
      const special = specialsIn(text);
      const ascii = isAscii(bytes);
      let sp = 0;
      let at = 0;
      let bodyAt = 0;
      let done = 0;
      let last = cursor;
      for (; done < page.rows; done++) {
        // Framing not as written, or rows out of order: the rest of the page row by row.
        if (!frameRow(meta, at, bodyAt, frame, bytes.length) || frame.seq <= last) break;
        at = frame.next;
        last = frame.seq;
        const { bodyA, bodyB } = frame;
        bodyAt = bodyB;
        while (sp < special.length && special[sp]! < bodyA) sp++;
        let fast = sp >= special.length || special[sp]! >= bodyB;
        if (fast && !ascii) fast = isUtf8(view.subarray(bodyA, bodyB));
        if (fast) fast = scanCanonical(text, bodyA, bodyB, fields);
        if (fast) {
          const f = fields;
          const m = meta;
          const tableEnd = frame.subjectA + (f.tableB - f.tableA);
          const columnsOk =
            sameRange(m, frame.idA, frame.idB, text, f.idA, f.idB) &&
            f.typeA >= 0 && sameRange(m, frame.typeA, frame.typeB, text, f.typeA, f.typeB) &&
            f.timeA >= 0 && sameRange(m, frame.timeA, frame.timeB, text, f.timeA, f.timeB) &&
            (frame.actionA < 0 ? f.actionA < 0 : f.actionA >= 0 && sameRange(m, frame.actionA, frame.actionB, text, f.actionA, f.actionB)) &&
            (frame.subjectA < 0
              ? f.tableA < 0
              : f.tableA >= 0 &&
                tableEnd < frame.subjectB &&
                sameRange(m, frame.subjectA, tableEnd, text, f.tableA, f.tableB) &&
                m.charCodeAt(tableEnd) === 47 &&
                sameRange(m, tableEnd + 1, frame.subjectB, text, f.keyA, f.keyB));
          const id = meta.slice(frame.idA, frame.idB);
          const hash = meta.slice(frame.hashA, frame.hashB);
          const digest = sha256Bytes(view.subarray(bodyA, bodyB));
          const prevHash = f.prevA < 0 ? "" : text.slice(f.prevA, f.prevB);
          fast = walker.pass(frame.seq, id, hash, digest, f.seq, prevHash, columnsOk);
          if (fast) {
            const bad = after(frame.seq, id, hash);
            if (bad) return fail(bad);
          }
        }
        if (!fast) {
          const [row] = await this.db.query<StoredRow>(`SELECT ${COLUMNS} FROM audit_records WHERE seq = $1`, [frame.seq]);
          if (row) {
            const bad = general(row);
            if (bad) return fail(bad);
          }
        }
      }
      if (done < page.rows) {
        for await (const row of this.rows({ since: last + 1, limit: page.rows - done })) {
          const bad = general(row);
          if (bad) return fail(bad);
          last = row.seq;
        }
      }
      cursor = Math.max(last, page.last);
      if (page.rows < this.pageSize) break;
    }
    options.onProgress?.(walker.count, Math.max(total, walker.count));
    const last = walker.head;
    if (!stored) {
      return fail({
        seq: last.seq + 1,
        reason: "head_mismatch",
        message: `the store's head row is missing: whether records from seq ${last.seq + 1} on were removed cannot be told`,
      });
    }
    if (last.seq < stored.seq) {
      return fail({
        seq: last.seq + 1,
        reason: "truncated",
        message: `records ${last.seq + 1}..${stored.seq} are missing: the chain ends at seq ${last.seq} but the store's head is seq ${stored.seq} (the tail was removed)`,
      });
    }
    if (expect && !expectSeen) {
      return fail({
        seq: expect.seq ?? last.seq + 1,
        reason: "expected_head_missing",
        message:
          expect.seq === undefined
            ? `no record hashes to the expected head ${expect.hash}: the log was truncated or rewritten before it`
            : `the chain ends at seq ${last.seq}, before the expected head seq ${expect.seq}: the tail was removed`,
      });
    }
    return { ok: true, records: walker.count, head: last };
  }

  /** Every record as one line of canonical JSON (with its hash), in seq order. */
  async *exportLines(options: ListOptions = {}): AsyncGenerator<string> {
    for await (const row of this.rows(options)) yield exportLine(row);
  }

  /** Writes the log as JSONL through `write` (awaited per line); returns the number of records. */
  async exportJSONL(write: (line: string) => unknown, options: ListOptions = {}): Promise<number> {
    let n = 0;
    for await (const line of this.exportLines(options)) {
      await write(`${line}\n`);
      n++;
    }
    return n;
  }

  /**
   * Actions with an intent record but no outcome record, oldest first: each is an action that
   * may have run (or half run) without its result being recorded, such as after a crash.
   */
  async incomplete(): Promise<AuditRecord[]> {
    const rows = await this.db.query<StoredRow>(
      `SELECT ${COLUMNS} FROM audit_records i WHERE i.type = 'intent' AND NOT EXISTS ` +
        `(SELECT 1 FROM audit_records o WHERE o.action_id = i.action_id AND o.type = 'outcome') ORDER BY i.seq`,
    );
    return rows.map(toRecord);
  }

  async close(): Promise<void> {
    if (this.ownsDb) await this.db.close();
  }
}

/**
 * A record type as an SQL literal, for the queries on the hot path. Bound as a parameter, it
 * made SQLite prepare the statement again on every run (a bound value that could decide whether
 * the partial index on intents applies marks the statement for re-preparation): 3x the query.
 */
function typeLiteral(type: AuditType): string {
  if (!/^[a-z_]+$/.test(type)) throw new TypeError(`not an audit record type: ${JSON.stringify(type)}`);
  return `'${type}'`;
}

/**
 * An entry checked and canonicalised: its members' canonical JSON in key order, and the record
 * parsed from them (the fields the log assigns hold placeholders until insert sets them).
 */
interface Prepared {
  record: Record<string, unknown>;
  members: [string, string][];
}

/** Stand-ins for the assigned fields while an entry is validated, in key order. */
const PLACEHOLDERS: readonly [string, string][] = [
  ["hash", JSON.stringify(ZERO_HASH)],
  ["id", JSON.stringify("pending")],
  ["prev_hash", JSON.stringify(ZERO_HASH)],
  ["seq", "1"],
  ["time", JSON.stringify("1970-01-01T00:00:00.000Z")],
];

/** canonicalJSON of the record: the entry's canonical members merged with the assigned fields (both in key order). */
function spliceBody(members: readonly [string, string][], assigned: readonly [string, string][]): string {
  let s = "";
  let i = 0;
  let j = 0;
  while (i < members.length || j < assigned.length) {
    const [k, v] = j >= assigned.length || (i < members.length && members[i]![0] < assigned[j]![0]) ? members[i++]! : assigned[j++]!;
    s += (s === "" ? "{" : ",") + JSON.stringify(k) + ":" + v;
  }
  return s === "" ? "{}" : s + "}";
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function toRecord(row: StoredRow): AuditRecord {
  return { ...(JSON.parse(row.body) as Omit<AuditRecord, "hash">), hash: row.hash };
}

function exportLine(row: StoredRow): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(row.body);
  } catch {
    // Export what is there; verify names it.
    return canonicalJSON({ seq: row.seq, id: row.id, hash: row.hash, unparseable_body: row.body });
  }
  return canonicalJSON({ ...rec, hash: row.hash });
}

/** What sends an exported line to the general path: a backslash, a control character, a surrogate (lone or paired). */
const LINE_SPECIAL = /[\x00-\x1f\\\ud800-\udfff]/;

/**
 * Verifies an exported JSONL log (lines of records with their hashes) the same way as a store:
 * each record re-hashed from its canonical JSON, each linked to the one before. `onProgress`
 * gets (records checked, -1): a file's record count is not known ahead.
 */
export async function verifyJSONL(lines: AsyncIterable<string> | Iterable<string>, options: Pick<VerifyOptions, "expectHead" | "onProgress" | "progressEvery"> = {}): Promise<VerifyResult> {
  const expect = options.expectHead === undefined ? undefined : parseHead(options.expectHead);
  const walker = new ChainWalker();
  const fail = (firstBad: BadRecord): VerifyResult => walker.failure(firstBad);
  let expectSeen = false;
  let lineNo = 0;
  const every = options.progressEvery ?? 10_000;
  const fields = new BodyFields();
  const expectCheck = (seq: number, id: string, hash: string): BadRecord | undefined => {
    if (expect && (expect.seq === undefined ? hash === expect.hash : seq === expect.seq)) {
      if (hash !== expect.hash) return { seq, id, reason: "expected_head_missing", message: `record ${seq} is not the expected head ${expect.hash}` };
      expectSeen = true;
    }
    if (walker.count % every === 0) options.onProgress?.(walker.count, -1);
    return undefined;
  };
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    // Fast path: a line that is canonical JSON (as exportLines writes it) is its body with the
    // hash member taken out; anything else is parsed and canonicalised below.
    if (!LINE_SPECIAL.test(line) && scanCanonical(line, 0, line.length, fields, true)) {
      const f = fields;
      if (f.hashValA >= 0 && f.idA >= 0 && f.typeA >= 0 && f.timeA >= 0) {
        const body =
          line.charCodeAt(f.hashA - 1) === 44 ? line.slice(0, f.hashA - 1) + line.slice(f.hashB)
          : line.charCodeAt(f.hashB) === 44 ? line.slice(0, f.hashA) + line.slice(f.hashB + 1)
          : "{}";
        const hash = line.slice(f.hashValA, f.hashValB);
        const prevHash = f.prevA < 0 ? "" : line.slice(f.prevA, f.prevB);
        const id = line.slice(f.idA, f.idB);
        if (walker.pass(f.seq, id, hash, sha256(body), f.seq, prevHash, true)) {
          const bad = expectCheck(f.seq, id, hash);
          if (bad) return fail(bad);
          continue;
        }
      }
    }
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line);
      if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw new Error("not an object");
    } catch (e) {
      return fail({ seq: walker.head.seq + 1, reason: "unparseable", message: `line ${lineNo} is not a JSON object: ${(e as Error).message}` });
    }
    const { hash, ...rest } = rec;
    const row: StoredRow = {
      seq: typeof rest.seq === "number" ? rest.seq : NaN,
      id: String(rest.id),
      type: String(rest.type),
      action_id: (rest.action_id as string | undefined) ?? null,
      time: String(rest.time),
      hash: String(hash),
      body: canonicalJSON(rest),
    };
    const bad = walker.check(row) ?? expectCheck(row.seq, row.id, row.hash);
    if (bad) return fail(bad);
  }
  options.onProgress?.(walker.count, -1);
  if (expect && !expectSeen) {
    return fail({ seq: expect.seq ?? walker.head.seq + 1, reason: "expected_head_missing", message: `the expected head ${expect.hash} is not in the file: it was truncated or rewritten` });
  }
  return { ok: true, records: walker.count, head: walker.head };
}
