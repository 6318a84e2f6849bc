// The Merkle tree over the audit records (merkle.ts defines the hashing), kept in the same store
// as the log so proofs never need a rebuild. Leaf i (from 0) is the record of seq i + 1; its leaf
// data is the record's stored body.
//
// Tables (component "audit-tree" in warden_schema):
//   audit_tree_nodes(level, idx, hash)  the hash of every complete perfect subtree: level 0 holds
//     the leaf hashes, (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level). A
//     subtree, once complete, never changes, so a tree of any earlier size is read from the same
//     rows.
//   audit_tree_head(one = 1, size, frontier)  leaves in the tree, and the hashes of the perfect
//     subtrees that make up [0, size) (left to right, hex, concatenated): the only nodes an
//     append needs, so appending a leaf reads one row and writes the leaf plus one node per
//     subtree it completes (amortised 2 rows, at most log2(n) + 1). on_append = 1 once
//     extendTreeIn has run (the audit append extends the tree in its own transaction): from then
//     on a record beyond the tree was not appended by the audit log (consistency.ts says so).
//
// Appends are serialised by the head row (`FOR UPDATE` on PostgreSQL, the write lock on SQLite).
// Nothing here is trusted by verification (consistency.ts recomputes leaves from bodies); stored
// nodes only make proofs fast.
import { migrate, type Db, type Migration, type Queryable } from "./db.ts";
import {
  EMPTY_ROOT,
  consistencyRanges,
  foldSubtrees,
  fromHex,
  inclusionRanges,
  leafHash,
  nodeHash,
  rangeSubtrees,
  toHex,
  type Hash,
  type Range,
} from "./merkle.ts";

const MIGRATIONS: Migration[] = [
  (q) => `
    CREATE TABLE IF NOT EXISTS audit_tree_nodes (
      level INTEGER NOT NULL,
      idx ${q.types.int} NOT NULL,
      hash TEXT NOT NULL,
      PRIMARY KEY (level, idx)
    );
    CREATE TABLE IF NOT EXISTS audit_tree_head (
      one INTEGER PRIMARY KEY CHECK (one = 1),
      size ${q.types.int} NOT NULL,
      frontier TEXT NOT NULL,
      on_append INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO audit_tree_head (one, size, frontier) VALUES (1, 0, '') ON CONFLICT (one) DO NOTHING;`,
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

interface HeadRow {
  size: number;
  frontier: string;
}

async function lockHead(tx: Queryable): Promise<HeadRow> {
  const [h] = await tx.query<HeadRow>(`SELECT size, frontier FROM audit_tree_head WHERE one = 1${tx.forUpdate}`);
  if (!h) throw new TreeError("no_tree", "the store has no audit tree head row (open it with openTree)");
  return { size: Number(h.size), frontier: h.frontier };
}

/** The frontier's hashes: one per set bit of size, largest subtree first. */
function parseFrontier(text: string): Hash[] {
  const out: Hash[] = [];
  for (let i = 0; i < text.length; i += 64) out.push(fromHex(text.slice(i, i + 64)));
  return out;
}

function popcount(n: number): number {
  let c = 0;
  for (; n > 0; n = Math.floor(n / 2)) c += n % 2;
  return c;
}

/**
 * Adds rows (consecutive seqs, in order) to the tree inside a write transaction the caller holds
 * (the audit append's): one leaf each, plus the nodes they complete. If the tree lags behind
 * the first row (records appended before the tree existed), the missing records are read from
 * audit_records in the same transaction and added first. Locks the tree's head row until the
 * transaction ends. Returns the tree's new size.
 */
export async function extendTreeIn(tx: Queryable, rows: readonly TreeRow[]): Promise<number> {
  const head = await lockHead(tx);
  let todo = rows;
  if (rows.length && rows[0]!.seq > head.size + 1) {
    const lag = await tx.query<TreeRow>("SELECT seq, body FROM audit_records WHERE seq > $1 AND seq < $2 ORDER BY seq", [head.size, rows[0]!.seq]);
    todo = [...lag.map((r) => ({ seq: Number(r.seq), body: r.body })), ...rows];
  }
  return (await appendLeaves(tx, head, todo, true)).size;
}

/** Whether the audit append extends the tree in its own transaction (extendTreeIn has run). */
export async function treeOnAppend(q: Queryable): Promise<boolean> {
  const [h] = await q.query<{ on_append: number }>("SELECT on_append FROM audit_tree_head WHERE one = 1");
  return Number(h?.on_append ?? 0) === 1;
}

async function appendLeaves(tx: Queryable, head: HeadRow, rows: readonly TreeRow[], onAppend = false): Promise<HeadRow> {
  if (rows.length === 0) {
    if (onAppend) await tx.run("UPDATE audit_tree_head SET on_append = 1 WHERE one = 1");
    return head;
  }
  let size = head.size;
  const frontier = parseFrontier(head.frontier);
  if (frontier.length !== popcount(size)) throw new TreeError("missing_node", `the tree head's frontier has ${frontier.length} hashes, a tree of ${size} needs ${popcount(size)}`);
  const params: unknown[] = [];
  for (const row of rows) {
    if (row.seq !== size + 1) {
      throw row.seq > size + 1
        ? new TreeError("gap", `audit record ${size + 1} is missing: the tree cannot grow past seq ${size} (the next record is seq ${row.seq})`)
        : new TreeError("out_of_order", `audit record ${row.seq} is already in the tree (size ${size})`);
    }
    let h = leafHash(row.body);
    let idx = size;
    params.push(0, idx, toHex(h));
    // Each trailing 1 bit of the old size is a complete subtree left of the new leaf: merge.
    for (let level = 0, n = size; n % 2 === 1; level++, n = Math.floor(n / 2)) {
      h = nodeHash(frontier.pop()!, h);
      idx = Math.floor(idx / 2);
      params.push(level + 1, idx, toHex(h));
    }
    frontier.push(h);
    size++;
  }
  // Many rows per statement (at most 300 nodes: 900 parameters, under SQLite's limit).
  for (let i = 0; i < params.length; i += 900) {
    const chunk = params.slice(i, i + 900);
    const values = Array.from({ length: chunk.length / 3 }, (_, j) => `($${3 * j + 1}, $${3 * j + 2}, $${3 * j + 3})`).join(", ");
    await tx.run(`INSERT INTO audit_tree_nodes (level, idx, hash) VALUES ${values}`, chunk);
  }
  const next = { size, frontier: frontier.map(toHex).join("") };
  await tx.run(`UPDATE audit_tree_head SET size = $1, frontier = $2${onAppend ? ", on_append = 1" : ""} WHERE one = 1`, [next.size, next.frontier]);
  return next;
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
 * on the tree's head row). Throws TreeError "gap" when a record the tree needs is missing.
 */
export async function syncTree(db: Db, pageSize = 5000): Promise<SyncResult> {
  await openTree(db);
  return db.transaction(async (tx) => {
    const head = await lockHead(tx);
    const from = head.size;
    let at: HeadRow = head;
    for (;;) {
      const page = await tx.query<TreeRow>("SELECT seq, body FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2", [at.size, pageSize]);
      if (page.length === 0) break;
      at = await appendLeaves(
        tx,
        at,
        page.map((r) => ({ seq: Number(r.seq), body: r.body })),
      );
      if (page.length < pageSize) break;
    }
    return { size: at.size, added: at.size - from };
  }, "write");
}

/** The tree's size (leaves) as stored. */
export async function treeSize(q: Queryable): Promise<number> {
  const [h] = await q.query<HeadRow>("SELECT size, frontier FROM audit_tree_head WHERE one = 1");
  if (!h) throw new TreeError("no_tree", "the store has no audit tree (run `warden audit checkpoint` or syncTree)");
  return Number(h.size);
}

/** Stored subtree hashes by "level:idx". Throws TreeError when one is missing. */
async function fetchNodes(q: Queryable, wanted: Iterable<readonly [number, number]>): Promise<Map<string, Hash>> {
  const keys = new Map<string, readonly [number, number]>();
  for (const w of wanted) keys.set(`${w[0]}:${w[1]}`, w);
  const out = new Map<string, Hash>();
  const list = [...keys.values()];
  for (let i = 0; i < list.length; i += 200) {
    const chunk = list.slice(i, i + 200);
    const where = chunk.map((_, j) => `(level = $${2 * j + 1} AND idx = $${2 * j + 2})`).join(" OR ");
    const rows = await q.query<{ level: number; idx: number; hash: string }>(`SELECT level, idx, hash FROM audit_tree_nodes WHERE ${where}`, chunk.flat());
    for (const r of rows) out.set(`${Number(r.level)}:${Number(r.idx)}`, fromHex(r.hash));
  }
  for (const [k, [level, idx]] of keys) {
    if (!out.has(k)) throw new TreeError("missing_node", `the stored tree lacks node ${idx} of level ${level}: run \`warden audit verify\``);
  }
  return out;
}

/** MTH of each range, from the stored nodes, in one round of queries. */
async function rangeHashes(q: Queryable, ranges: readonly Range[]): Promise<Hash[]> {
  const covers = ranges.map(([s, e]) => rangeSubtrees(s, e));
  const nodes = await fetchNodes(q, covers.flat());
  return covers.map((c) => foldSubtrees(c.map(([l, i]) => nodes.get(`${l}:${i}`)!)));
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
  return nodes.get(`0:${seq - 1}`)!;
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
