// Merkle tree figures (src/audit/tree.ts): what the tree adds to a durable audit append, and how
// fast proofs are made from the store and checked. Append cost is measured on two stores side by
// side, in alternating rounds (so both see the same disk and load): the chain alone (an AuditLog
// opened with merkleTree: false), and the audit append as it is (chain plus tree in the same
// transaction). Records are the size of a real decision record.
//
//   import { benchTlog } from "./bench/tlog.ts";
//   const r = await benchTlog();   // { append_ratio, inclusion_proofs_per_sec, ... }
//
// Run alone: node --import tsx scripts/bench/tlog.ts [--json]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, type AuditEntry } from "../../src/audit/log.ts";
import { consistencyProofBetween, inclusionProofAt, syncTree, treeHead } from "../../src/audit/tree.ts";
import { leafHash, verifyConsistency, verifyInclusion, type Hash } from "../../src/audit/merkle.ts";
import { verifyStore } from "../../src/audit/consistency.ts";
import { decisionEntry } from "./audit.ts";

export interface TlogBenchOptions {
  /** Durable single-record appends per store (default 1000), in rounds of `round`. */
  appends?: number;
  round?: number;
  /** Records in the tree when proofs are timed (default 20000). */
  treeRecords?: number;
  /** Seconds per proof measurement (default 1). */
  seconds?: number;
}

export interface TlogBenchResult {
  record_bytes: number;
  /** Durable appends per second, one record per transaction: chain alone, chain + tree. */
  append_chain_per_sec: number;
  append_tree_per_sec: number;
  /** Time per append with the tree over time per append without (issue 13 asks at most 1.2). */
  append_ratio: number;
  /** The same with 100 records per transaction. */
  batched_chain_per_sec: number;
  batched_tree_per_sec: number;
  batched_ratio: number;
  tree_records: number;
  /** Inclusion proofs read from the store (SQLite) per second, and verified per second. */
  inclusion_proofs_per_sec: number;
  inclusion_verifies_per_sec: number;
  consistency_proofs_per_sec: number;
  consistency_verifies_per_sec: number;
  /** Records per second re-hashed and compared with a checkpoint (verify --checkpoint, tree part). */
  checkpoint_verify_per_sec: number;
}

/** The audit append as the log does it: the chain and the tree in one transaction. */
async function withTree(log: AuditLog, entries: AuditEntry[]): Promise<void> {
  await log.appendAll(entries);
}

async function perSecond(seconds: number, op: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await op();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await op();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

function syncPerSecond(seconds: number, op: () => unknown): number {
  for (let i = 0; i < 100; i++) op();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    op();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

export async function benchTlog(options: TlogBenchOptions = {}): Promise<TlogBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-tlog-"));
  const chain = await AuditLog.open(`sqlite:${join(dir, "chain.db")}`, { merkleTree: false });
  const tree = await AuditLog.open(`sqlite:${join(dir, "tree.db")}`);
  try {
    const appends = options.appends ?? 1000;
    const round = options.round ?? 50;
    const seconds = options.seconds ?? 1;
    for (let i = 0; i < 20; i++) {
      await chain.append(decisionEntry(i));
      await withTree(tree, [decisionEntry(i)]);
    }
    // Alternating rounds: both stores see the same disk, cache and machine load.
    let chainMs = 0;
    let treeMs = 0;
    for (let done = 0; done < appends; done += round) {
      let t = performance.now();
      for (let i = 0; i < round; i++) await chain.append(decisionEntry(done + i));
      chainMs += performance.now() - t;
      t = performance.now();
      for (let i = 0; i < round; i++) await withTree(tree, [decisionEntry(done + i)]);
      treeMs += performance.now() - t;
    }
    const n = Math.ceil(appends / round) * round;
    let bChain = 0;
    let bTree = 0;
    const batches = 10;
    for (let b = 0; b < batches; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => decisionEntry(b * 100 + i));
      let t = performance.now();
      await chain.appendAll(batch);
      bChain += performance.now() - t;
      t = performance.now();
      await withTree(tree, batch);
      bTree += performance.now() - t;
    }

    // Proofs, on a tree of treeRecords.
    const target = options.treeRecords ?? 20_000;
    for (let have = await tree.count(); have < target; have += 1000) await withTree(tree, Array.from({ length: Math.min(1000, target - have) }, (_, i) => decisionEntry(have + i)));
    await syncTree(tree.db);
    const head = await treeHead(tree.db);
    const size = head.size;
    const bodies = new Map<number, string>();
    const leafOf = async (seq: number): Promise<Hash> => {
      if (!bodies.has(seq)) bodies.set(seq, (await tree.db.query<{ body: string }>("SELECT body FROM audit_records WHERE seq = $1", [seq]))[0]!.body);
      return leafHash(bodies.get(seq)!);
    };
    let k = 0;
    const seqs = Array.from({ length: 512 }, (_, i) => 1 + ((i * 7919) % size));
    const inclusionPerSec = await perSecond(seconds, () => inclusionProofAt(tree.db, seqs[k++ % seqs.length]!, size));
    const samples = await Promise.all(seqs.slice(0, 64).map(async (s) => ({ s, leaf: await leafOf(s), proof: await inclusionProofAt(tree.db, s, size) })));
    k = 0;
    const inclusionVerifies = syncPerSecond(seconds, () => {
      const x = samples[k++ % samples.length]!;
      verifyInclusion(x.s - 1, size, x.leaf, x.proof, head.root);
    });
    const olds = seqs.map((s) => Math.max(1, s - 1));
    k = 0;
    const consistencyPerSec = await perSecond(seconds, () => consistencyProofBetween(tree.db, olds[k++ % olds.length]!, size));
    const cs = await Promise.all(olds.slice(0, 64).map(async (m) => ({ m, root: (await treeHead(tree.db, m)).root, proof: await consistencyProofBetween(tree.db, m, size) })));
    k = 0;
    const consistencyVerifies = syncPerSecond(seconds, () => {
      const x = cs[k++ % cs.length]!;
      verifyConsistency(x.m, size, x.root, head.root, x.proof);
    });
    const v0 = performance.now();
    const v = await verifyStore(tree.db, [{ origin: "bench", size, root: head.root, extensions: [] }]);
    const vSecs = (performance.now() - v0) / 1000;
    if (!v.ok) throw new Error("benchmark store does not agree with its own checkpoint");
    const sample = await tree.get(1);
    return {
      record_bytes: Buffer.byteLength(JSON.stringify(sample)),
      append_chain_per_sec: n / (chainMs / 1000),
      append_tree_per_sec: n / (treeMs / 1000),
      append_ratio: treeMs / chainMs,
      batched_chain_per_sec: (batches * 100) / (bChain / 1000),
      batched_tree_per_sec: (batches * 100) / (bTree / 1000),
      batched_ratio: bTree / bChain,
      tree_records: size,
      inclusion_proofs_per_sec: inclusionPerSec,
      inclusion_verifies_per_sec: inclusionVerifies,
      consistency_proofs_per_sec: consistencyPerSec,
      consistency_verifies_per_sec: consistencyVerifies,
      checkpoint_verify_per_sec: v.records / vSecs,
    };
  } finally {
    await chain.close();
    await tree.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchTlog();
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else {
    const f = (x: number) => x.toFixed(0);
    console.log(`audit tree, records of ${r.record_bytes} bytes, SQLite WAL synchronous=FULL`);
    console.log(`durable append: chain ${f(r.append_chain_per_sec)}/s, chain + tree ${f(r.append_tree_per_sec)}/s: ${r.append_ratio.toFixed(3)}x the time`);
    console.log(`batched (100/tx): chain ${f(r.batched_chain_per_sec)}/s, chain + tree ${f(r.batched_tree_per_sec)}/s: ${r.batched_ratio.toFixed(3)}x the time`);
    console.log(`tree of ${r.tree_records}: inclusion proofs ${f(r.inclusion_proofs_per_sec)}/s from the store, ${f(r.inclusion_verifies_per_sec)}/s verified`);
    console.log(`consistency proofs ${f(r.consistency_proofs_per_sec)}/s from the store, ${f(r.consistency_verifies_per_sec)}/s verified`);
    console.log(`verify --checkpoint (re-hash and compare): ${f(r.checkpoint_verify_per_sec)} records/s`);
  }
}
