// The Merkle tree over the audit records (merkle.ts defines the hashing), kept in the same store
// as the log so proofs never need a rebuild. Leaf i (from 0) is the record of seq i + 1; its leaf
// data is the record's stored body.
//
// Tables (component "audit-tree" in warden_schema):
//   audit_tree(pos, hash)  the hash (32 bytes) of every complete perfect subtree, numbered in
//     the order they complete (post-order): leaf i, then the subtrees it completes. Subtree
//     (level l, index j) covers leaves [j * 2^l, (j + 1) * 2^l) and sits at
//     pos = 2L - popcount(L) + l, L = (j + 1) * 2^l - 1 its last leaf; n leaves make
//     2n - popcount(n) rows. So an append only adds rows at the end of one B-tree (one page
//     touched, no row updated), a complete subtree never changes, and a tree of any earlier
//     size is read from the same rows.
//   audit_tree_meta(one = 1, on_append)  on_append = 1 once extendTreeIn has run (the audit
//     append extends the tree in its own transaction): from then on a record beyond the tree
//     was not appended by the audit log (consistency.ts says so).
// The tree's size is the number of its rows (read through MAX(pos)); appending needs only the
// perfect subtrees of the current size (the frontier, at most log2(n) + 1 rows). Extenders are
// serialised by the store's write lock on SQLite and by the audit head's row lock on PostgreSQL
// (the audit append holds it already when it extends the tree; syncTree takes it).
//
// Nothing here is trusted by verification (consistency.ts recomputes leaves from bodies and uses
// stored nodes only where they hash up to a signed root); stored nodes make proofs fast.
import { migrate, valuesList, type Db, type Migration, type Queryable } from "./db.ts";
import {
  EMPTY_ROOT,
  HASH_SIZE,
  consistencyRanges,
  foldSubtrees,
  inclusionRanges,
  leafHash,
  nodeHash,
  rangeSubtrees,
  type Hash,
  type Range,
} from "./merkle.ts";

const TABLES: Migration = (q) => `
    CREATE TABLE IF NOT EXISTS audit_tree (
      pos ${q.types.int} PRIMARY KEY,
      hash ${q.types.blob} NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit_tree_meta (
      one INTEGER PRIMARY KEY CHECK (one = 1),
      on_append INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO audit_tree_meta (one, on_append) VALUES (1, 0) ON CONFLICT (one) DO NOTHING;`;

const MIGRATIONS: Migration[] = [
  TABLES,
  // Version 1 of this component, before its first release, kept (level, idx) rows and a head
  // row; stores that ran it drop those and get the tables above.
  (q) => `DROP TABLE IF EXISTS audit_tree_nodes; DROP TABLE IF EXISTS audit_tree_head;${(TABLES as (q: Queryable) => string)(q)}`,
];

export type TreeErrorCode =
  | "no_tree" // the store has no tree tables (openTree was not run)
  | "gap" // a record the tree needs next is missing from audit_records
  | "out_of_order" // extendTreeIn was given rows that are not the next seqs
  | "missing_node" // a stored node a proof needs is not there
  | "size_beyond_tree"; // a tree size larger than the tree asked for

export class TreeError extends Error {
  constructor(
    readonly code: TreeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Creates (if needed) the tree's tables in a store. Run once at open, before extendTreeIn. */
export async function openTree(db: Db): Promise<void> {
  await migrate(db, "audit-tree", MIGRATIONS);
}

/** What an append gives the tree: a record's seq and stored body. */
export interface TreeRow {
  seq: number;
  body: string;
}

export interface TreeHead {
  /** Leaves (records) in the tree. */
  size: number;
  root: Hash;
}

function popcount(n: number): number {
  let c = 0;
  for (; n > 0; n = Math.floor(n / 2)) c += n % 2;
  return c;
}

/** The row of subtree (level, index) in audit_tree. */
export function nodePos(level: number, index: number): number {
  const last = (index + 1) * 2 ** level - 1;
  return 2 * last - popcount(last) + level;
}

/** Rows of a tree of n leaves. */
function rowsFor(n: number): number {
  return 2 * n - popcount(n);
}

/** The leaves of a tree of `rows` rows (rowsFor is strictly increasing). */
function sizeFor(rows: number): number {
  let lo = 0;
  let hi = rows;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (rowsFor(mid) <= rows) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The perfect subtrees (level, index) of a tree of n leaves, largest first. */
function frontierOf(n: number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    if (Math.floor(n / 2 ** level) % 2 === 1) {
      out.push([level, start / 2 ** level]);
      start += 2 ** level;
    }
  }
  return out;
}

/** syncTree's turn among the extenders: the audit head's row lock, which every append takes first. */
async function lockTree(tx: Queryable): Promise<void> {
  if (tx.dialect === "postgres") await tx.query("SELECT seq FROM audit_head WHERE one = 1 FOR UPDATE");
}

function sizeOfRows(rows: number): number {
  const n = sizeFor(rows);
  if (rowsFor(n) !== rows) throw new TreeError("missing_node", `the stored tree has ${rows} rows, which no tree size makes: run \`warden audit verify\``);
  return n;
}

async function storedSize(q: Queryable): Promise<number> {
  const [r] = await q.query<{ n: number | null }>("SELECT MAX(pos) AS n FROM audit_tree");
  return sizeOfRows(r?.n === null || r?.n === undefined ? 0 : Number(r.n) + 1);
}

/** The perfect subtrees of a tree of `size` leaves, largest first: all the next append needs. */
export interface Frontier {
  size: number;
  nodes: Hash[];
}

/**
 * Adds rows (consecutive seqs, in order) to the tree inside a write transaction the caller holds
 * (the audit append's, which has locked the audit head's row: that is what serialises extenders):
 * one leaf each, plus the nodes they complete. If the tree lags behind the first row (records
 * appended before the tree existed), the missing records are read from audit_records in the same
 * transaction and added first. `known`: the frontier at the tree's current size, if the caller
 * holds it (from its previous append at this very head), so the stored one is not read back.
 * Returns the frontier at the new size.
 */
export async function extendTreeIn(tx: Queryable, rows: readonly TreeRow[], known?: Frontier): Promise<Frontier> {
  // The caller's frontier is from its own append at this head, which left the tree at the head's
  // size with on_append set: the next leaf follows it, and the size need not be read.
  if (known && rows.length && rows[0]!.seq === known.size + 1) return appendLeaves(tx, known.size, rows, known.nodes);
  // One query for the size and the on_append mark (the hot path: every audit append).
  const [r] = await tx.query<{ n: number | null; on_append: number | null }>(
    "SELECT MAX(pos) AS n, (SELECT on_append FROM audit_tree_meta WHERE one = 1) AS on_append FROM audit_tree",
  );
  const size = sizeOfRows(r?.n === null || r?.n === undefined ? 0 : Number(r.n) + 1);
  if (Number(r?.on_append ?? 0) !== 1) await tx.run("UPDATE audit_tree_meta SET on_append = 1 WHERE one = 1");
  let todo = rows;
  if (rows.length && rows[0]!.seq > size + 1) {
    const lag = await tx.query<TreeRow>("SELECT seq, body FROM audit_records WHERE seq > $1 AND seq < $2 ORDER BY seq", [size, rows[0]!.seq]);
    todo = [...lag.map((x) => ({ seq: Number(x.seq), body: x.body })), ...rows];
  }
  return appendLeaves(tx, size, todo, known?.size === size ? known.nodes : undefined);
}

/** Whether the audit append extends the tree in its own transaction (extendTreeIn has run). */
export async function treeOnAppend(q: Queryable): Promise<boolean> {
  const [h] = await q.query<{ on_append: number }>("SELECT on_append FROM audit_tree_meta WHERE one = 1");
  return Number(h?.on_append ?? 0) === 1;
}

/** The INSERT of n tree rows, by n: made once (the statement cache is looked up by its text). */
const INSERT_SQL: string[] = [];

async function appendLeaves(tx: Queryable, from: number, rows: readonly TreeRow[], known?: readonly Hash[]): Promise<Frontier> {
  let size = from;
  const frontier = known ? [...known] : await storedFrontier(tx, size);
  if (rows.length === 0) return { size, nodes: frontier };
  const params: unknown[] = [];
  for (const row of rows) {
    if (row.seq !== size + 1) {
      throw row.seq > size + 1
        ? new TreeError("gap", `audit record ${size + 1} is missing: the tree cannot grow past seq ${size} (the next record is seq ${row.seq})`)
        : new TreeError("out_of_order", `audit record ${row.seq} is already in the tree (size ${size})`);
    }
    let h = leafHash(row.body);
    let pos = rowsFor(size);
    params.push(pos, h);
    // Each trailing 1 bit of the old size is a complete subtree left of the new leaf: merge.
    for (let n = size; n % 2 === 1; n = Math.floor(n / 2)) {
      h = nodeHash(frontier.pop()!, h);
      params.push(++pos, h);
    }
    frontier.push(h);
    size++;
  }
  // Many rows per statement (at most 400: 800 parameters, under SQLite's limit).
  for (let i = 0; i < params.length; i += 800) {
    const chunk = params.slice(i, i + 800);
    await tx.run((INSERT_SQL[chunk.length / 2] ??= `INSERT INTO audit_tree (pos, hash) VALUES ${valuesList(chunk.length / 2, 2)}`), chunk);
  }
  return { size, nodes: frontier };
}

async function storedFrontier(q: Queryable, size: number): Promise<Hash[]> {
  const wanted = frontierOf(size);
  const got = await fetchNodes(q, wanted);
  return wanted.map(([l, i]) => got.get(nodePos(l, i))!);
}

export interface SyncResult {
  /** The tree's size now. */
  size: number;
  /** Leaves added by this call. */
  added: number;
}

/**
 * Catches the tree up with audit_records: a leaf for every record beyond the tree's size, in seq
 * order, in one write transaction. Safe when several processes call it at once (they take turns
 * on the tree's lock). Throws TreeError "gap" when a record the tree needs is missing.
 */
export async function syncTree(db: Db, pageSize = 5000): Promise<SyncResult> {
  await openTree(db);
  return db.transaction(async (tx) => {
    await lockTree(tx);
    const from = await storedSize(tx);
    let size = from;
    for (;;) {
      const page = await tx.query<TreeRow>("SELECT seq, body FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2", [size, pageSize]);
      if (page.length === 0) break;
      ({ size } = await appendLeaves(
        tx,
        size,
        page.map((r) => ({ seq: Number(r.seq), body: r.body })),
      ));
      if (page.length < pageSize) break;
    }
    return { size, added: size - from };
  }, "write");
}

/** The tree's size (leaves) as stored. */
export async function treeSize(q: Queryable): Promise<number> {
  return storedSize(q);
}

/** Stored subtree hashes by row position. Throws TreeError when one is missing. */
async function fetchNodes(q: Queryable, wanted: Iterable<readonly [number, number]>): Promise<Map<number, Hash>> {
  const keys = new Map<number, readonly [number, number]>();
  for (const w of wanted) keys.set(nodePos(w[0], w[1]), w);
  const out = new Map<number, Hash>();
  const list = [...keys.keys()];
  for (let i = 0; i < list.length; i += 500) {
    const chunk = list.slice(i, i + 500);
    const rows = await q.query<{ pos: number; hash: Uint8Array }>(`SELECT pos, hash FROM audit_tree WHERE pos IN (${chunk.map((_, j) => `$${j + 1}`).join(", ")})`, chunk);
    for (const r of rows) if (r.hash instanceof Uint8Array && r.hash.length === HASH_SIZE) out.set(Number(r.pos), r.hash);
  }
  for (const [pos, [level, idx]] of keys) {
    if (!out.has(pos)) throw new TreeError("missing_node", `the stored tree lacks node ${idx} of level ${level}: run \`warden audit verify\``);
  }
  return out;
}

/** A stored subtree hash, undefined when the store lacks it (for verification, which checks it). */
export async function storedNode(q: Queryable, level: number, index: number): Promise<Hash | undefined> {
  const [r] = await q.query<{ hash: Uint8Array }>("SELECT hash FROM audit_tree WHERE pos = $1", [nodePos(level, index)]);
  return r && r.hash instanceof Uint8Array && r.hash.length === HASH_SIZE ? r.hash : undefined;
}

/** MTH of each range, from the stored nodes, in one round of queries. */
async function rangeHashes(q: Queryable, ranges: readonly Range[]): Promise<Hash[]> {
  const covers = ranges.map(([s, e]) => rangeSubtrees(s, e));
  const nodes = await fetchNodes(q, covers.flat());
  return covers.map((c) => foldSubtrees(c.map(([l, i]) => nodes.get(nodePos(l, i))!)));
}

async function checkSize(q: Queryable, size: number): Promise<void> {
  const stored = await treeSize(q);
  if (!Number.isSafeInteger(size) || size < 0 || size > stored) throw new TreeError("size_beyond_tree", `tree size ${size} is beyond the tree's ${stored} leaves`);
}

/** The tree head at `size` (default: the whole tree), from stored nodes. */
export async function treeHead(q: Queryable, size?: number): Promise<TreeHead> {
  const n = size ?? (await treeSize(q));
  await checkSize(q, n);
  if (n === 0) return { size: 0, root: EMPTY_ROOT };
  const [root] = await rangeHashes(q, [[0, n]]);
  return { size: n, root: root! };
}

/** The leaf hash of the record at seq, as stored. */
export async function storedLeaf(q: Queryable, seq: number): Promise<Hash> {
  const nodes = await fetchNodes(q, [[0, seq - 1]]);
  return nodes.get(nodePos(0, seq - 1))!;
}

/** The inclusion proof of the record at seq in the tree of `size` leaves (seq <= size). */
export async function inclusionProofAt(q: Queryable, seq: number, size: number): Promise<Hash[]> {
  await checkSize(q, size);
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > size) throw new TreeError("size_beyond_tree", `record ${seq} is not in a tree of ${size} records`);
  return rangeHashes(q, inclusionRanges(seq - 1, size));
}

/** The consistency proof from the tree of m leaves to the tree of n leaves (m <= n). */
export async function consistencyProofBetween(q: Queryable, m: number, n: number): Promise<Hash[]> {
  await checkSize(q, n);
  return rangeHashes(q, consistencyRanges(m, n));
}
