// Checking a store against checkpoints taken earlier (kept outside the store): does the store
// still hold the log those signed tree heads committed to? This is what catches an insider who
// rewrites the chain and its head row: the records are re-hashed from their bodies (nothing the
// store says about hashes is taken on trust) and the tree they make is compared with each
// checkpoint's root.
//
// When a root disagrees, the first disagreeing record is found by descending the tree from the
// checkpoint's root: the store's stored nodes are used only where they hash up to the signed
// root (so they are the nodes the checkpoint committed to), and at each level the side whose
// recomputed hash differs is followed; O(log n) steps name the leaf. Where the stored nodes no
// longer authenticate (the attacker rebuilt the tree too, or the store is another log's fork),
// the answer is a range: the first record no checkpoint vouches for, up to the checkpoint's size.
//
// Pure core: `compareWithCheckpoints` works on leaf hashes and a node lookup; `verifyStore`
// reads them from a store.
import type { Db } from "./db.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { HASH_SIZE, equalHash, foldSubtrees, leafHash, nodeHash, rangeSubtrees, splitPoint, toHex, type Hash } from "./merkle.ts";
import { storedNode, treeOnAppend, treeSize } from "./tree.ts";

export type CheckpointProblem =
  | "rewritten" // a record the checkpoint covers is not the one it committed to (edited, deleted and re-chained, or another log's: a fork)
  | "truncated" // the store ends before the checkpoint's size: its tail was removed
  | "emptied" // the store holds no records, the checkpoint some
  | "not_in_tree"; // records beyond the tree while the audit append keeps the tree: not appended by the log

export interface Disagreement {
  problem: CheckpointProblem;
  /** The first record that disagrees (or, when `exact` is false, the first no checkpoint vouches for). */
  seq: number;
  /** Its id, when the store holds a record at that seq. */
  id?: string;
  /** Whether seq is exactly the first disagreeing record; otherwise it lies in seq..last. */
  exact: boolean;
  last: number;
  /** The checkpoint it disagrees with (origin, size, root hex). */
  checkpoint?: { origin: string; size: number; root: string };
  message: string;
}

export interface TlogVerifyResult {
  ok: boolean;
  /** Records in the store (consecutive seqs from 1). */
  records: number;
  /** Checkpoints the store agrees with. */
  agreed: number;
  /** The first disagreement (lowest seq) when not ok. */
  firstBad?: Disagreement;
  /** One entry per checkpoint that disagrees. */
  disagreements: Disagreement[];
}

/** What the comparison needs to know about the store. */
export interface StoreView {
  /** Leaf hashes recomputed from the bodies of records 1..n (consecutive seqs), 32 bytes each, packed. */
  leaves: Uint8Array;
  /** A stored subtree hash (level, index), if the store has it; not trusted until authenticated. */
  stored(level: number, index: number): Promise<Hash | undefined> | Hash | undefined;
  /** Record ids by seq, for messages. */
  idOf?(seq: number): Promise<string | undefined> | string | undefined;
}

/** Every perfect subtree hash of packed leaf hashes, by level (level 0 = the leaves), packed. */
export function perfectLevels(leaves: Uint8Array): Uint8Array[] {
  const levels: Uint8Array[] = [leaves];
  for (let below = leaves; below.length >= 2 * HASH_SIZE; ) {
    const up = new Uint8Array(Math.floor(below.length / (2 * HASH_SIZE)) * HASH_SIZE);
    for (let i = 0; i < up.length / HASH_SIZE; i++) {
      up.set(nodeHash(below.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE), below.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE)), i * HASH_SIZE);
    }
    levels.push(up);
    below = up;
  }
  return levels;
}

/**
 * Compares the store's recomputed tree with each checkpoint. Checkpoints must already be
 * verified (signature, origin) by the caller; their order does not matter.
 */
export async function compareWithCheckpoints(view: StoreView, checkpoints: readonly Checkpoint[]): Promise<TlogVerifyResult> {
  const n = view.leaves.length / HASH_SIZE;
  const levels = perfectLevels(view.leaves);
  const at = (l: number, i: number) => levels[l]!.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  /** MTH of [a, b) recomputed from the bodies; undefined when the store lacks some of those records. */
  const recomputed = (a: number, b: number): Hash | undefined => (b > n ? undefined : foldSubtrees(rangeSubtrees(a, b).map(([l, i]) => at(l, i))));
  /** MTH of [a, b) from stored nodes, undefined when one is missing. */
  const storedRange = async (a: number, b: number): Promise<Hash | undefined> => {
    const hs: Hash[] = [];
    for (const [l, i] of rangeSubtrees(a, b)) {
      const h = await view.stored(l, i);
      if (!h) return undefined;
      hs.push(h);
    }
    return foldSubtrees(hs);
  };
  const sorted = [...checkpoints].sort((x, y) => x.size - y.size);
  // The largest size whose root the store reproduces: records up to it are vouched for.
  let vouched = 0;
  const agreeing = new Set<Checkpoint>();
  for (const c of sorted) {
    if (c.size === 0 || (c.size <= n && equalHash(recomputed(0, c.size)!, c.root))) {
      agreeing.add(c);
      vouched = Math.max(vouched, c.size);
    }
  }
  const disagreements: Disagreement[] = [];
  for (const c of sorted) {
    if (agreeing.has(c)) continue;
    // Descend from the signed root while the stored nodes authenticate.
    let a = 0;
    let b = c.size;
    let x = c.root;
    let exact = false;
    for (;;) {
      if (b - a === 1) {
        exact = true;
        break;
      }
      const k = splitPoint(b - a);
      const sl = await storedRange(a, a + k);
      const sr = await storedRange(a + k, b);
      if (!sl || !sr || !equalHash(nodeHash(sl, sr), x)) break;
      const cl = recomputed(a, a + k);
      if (!cl || !equalHash(cl, sl)) {
        b = a + k;
        x = sl;
      } else {
        a = a + k;
        x = sr;
      }
    }
    // Records before `vouched` agree with another checkpoint: the first disagreement is after.
    const first = exact ? a : Math.min(Math.max(a, vouched), b - 1);
    const seq = first + 1;
    const last = exact ? seq : b;
    const id = seq <= n ? await view.idOf?.(seq) : undefined;
    const cp = { origin: c.origin, size: c.size, root: toHex(c.root) };
    const where = exact ? `record ${seq}${id ? ` (id ${id})` : ""}` : `a record among ${seq}..${last} (the stored tree no longer vouches for which; ${seq} is the first no checkpoint covers)`;
    let d: Disagreement;
    if (n === 0) {
      d = { problem: "emptied", seq: 1, exact: true, last: 1, checkpoint: cp, message: `the store holds no records, but a checkpoint signed ${c.size}: it was emptied` };
    } else if (exact && seq > n) {
      d = {
        problem: "truncated",
        seq,
        exact,
        last,
        checkpoint: cp,
        message: `records ${n + 1}..${c.size} are missing: the store ends at seq ${n} but a checkpoint signed ${c.size} records (the tail was removed)`,
      };
    } else if (!exact && n < c.size && vouched >= n) {
      d = { problem: "truncated", seq: n + 1, exact: true, last: n + 1, checkpoint: cp, message: `records ${n + 1}..${c.size} are missing: the store ends at seq ${n} but a checkpoint signed ${c.size} records` };
    } else {
      d = {
        problem: "rewritten",
        seq,
        ...(id ? { id } : {}),
        exact,
        last,
        checkpoint: cp,
        message: `${where} is not what the checkpoint of ${c.size} records (root ${toHex(c.root)}) committed to: it was altered, removed or inserted and the chain recomputed, or this store is a fork of the log`,
      };
    }
    disagreements.push(d);
  }
  disagreements.sort((x, y) => x.seq - y.seq);
  return { ok: disagreements.length === 0, records: n, agreed: agreeing.size, disagreements, ...(disagreements[0] ? { firstBad: disagreements[0] } : {}) };
}

/**
 * Checks a store against checkpoints taken earlier: reads every record (leaf hashes recomputed
 * from bodies) and the stored tree nodes, then compareWithCheckpoints. Also reports records
 * beyond the tree when the audit append keeps the tree (they were not appended by the log).
 */
export async function verifyStore(db: Db, checkpoints: readonly Checkpoint[], pageSize = 5000): Promise<TlogVerifyResult> {
  return db.transaction(async (q) => {
    const chunks: Uint8Array[] = [];
    let count = 0;
    let gap: number | undefined;
    for (let after = 0; ; ) {
      const page = await q.query<{ seq: number; body: string }>("SELECT seq, body FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2", [after, pageSize]);
      const packed = Buffer.allocUnsafe(page.length * HASH_SIZE);
      let k = 0;
      for (const r of page) {
        const seq = Number(r.seq);
        if (seq !== count + 1) {
          // A hole: the log is the records before it (what follows is not in the same place).
          gap = seq;
          break;
        }
        packed.set(leafHash(r.body), k++ * HASH_SIZE);
        count++;
      }
      chunks.push(packed.subarray(0, k * HASH_SIZE));
      if (gap !== undefined || page.length < pageSize) break;
      after = Number(page[page.length - 1]!.seq);
    }
    const hasTree = (await q.query("SELECT 1 AS one FROM warden_schema WHERE component = 'audit-tree'")).length > 0;
    // A tree whose rows make no tree size (rows deleted) is left to the checkpoint comparison.
    const leaves = Buffer.concat(chunks);
    const idOf = async (seq: number) => (await q.query<{ id: string }>("SELECT id FROM audit_records WHERE seq = $1", [seq]))[0]?.id;
    const size = hasTree ? await treeSize(q).catch(() => count) : 0;
    const stored = async (level: number, idx: number): Promise<Hash | undefined> => (hasTree ? storedNode(q, level, idx) : undefined);
    const result = await compareWithCheckpoints({ leaves, stored, idOf }, checkpoints);
    if (hasTree && (await treeOnAppend(q)) && count > size) {
      const seq = size + 1;
      const id = (await idOf(seq))!;
      const d: Disagreement = {
        problem: "not_in_tree",
        seq,
        id,
        exact: true,
        last: seq,
        message: `record ${seq} (id ${id}) is not in the audit tree although the audit append extends it: it was not appended by the audit log`,
      };
      result.disagreements.push(d);
      result.disagreements.sort((x, y) => x.seq - y.seq);
      result.ok = false;
      result.firstBad = result.disagreements[0];
    }
    // A hole in the seq column: the records from it on are not where the log put them.
    const fb = result.firstBad;
    if (gap !== undefined && fb && fb.problem === "truncated" && fb.seq === count + 1) {
      fb.message = `record ${fb.seq} is missing: the next stored record is seq ${gap} (records were removed)`;
    }
    return result;
  }, "read");
}
