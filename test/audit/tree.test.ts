// The stored Merkle tree (src/audit/tree.ts) on both backends: grown incrementally (syncTree
// after every batch, extendTreeIn inside the append's own transaction) it has the head that
// hashing every body from scratch gives, at every earlier size too; its proofs verify; processes
// syncing while others append end with one tree; a hole in the records stops it.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/log.ts";
import { leafHash, rootOf, toHex, verifyConsistency, verifyInclusion } from "../../src/audit/merkle.ts";
import { TreeError, consistencyProofBetween, extendTreeIn, inclusionProofAt, openTree, storedLeaf, syncTree, treeHead, treeSize } from "../../src/audit/tree.ts";
import { backends } from "./backends.ts";

const open: AuditLog[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

async function logAt(url: string): Promise<AuditLog> {
  const log = await AuditLog.open(url);
  open.push(log);
  return log;
}
const entry = (i: number) => ({ type: "decision" as const, action_id: `act-${i}`, details: { i } });
const bodies = async (log: AuditLog) => (await log.db.query<{ body: string }>("SELECT body FROM audit_records ORDER BY seq")).map((r) => r.body);

function spawn(name: string, args: string[]) {
  return fork(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}
const exited = (c: ReturnType<typeof fork>) => new Promise<number | null>((resolve) => c.once("exit", (code) => resolve(code)));

for (const backend of backends()) {
  describe.skipIf(backend.skip)(`audit tree on ${backend.name}`, { timeout: 300_000 }, () => {
    it("grows batch by batch to the head recomputed from the bodies, at every size, with proofs that verify", async () => {
      const log = await logAt(await backend.fresh());
      expect(await syncTree(log.db)).toEqual({ size: 0, added: 0 });
      expect(toHex((await treeHead(log.db)).root)).toBe(toHex(rootOf([])));
      for (const batch of [1, 1, 2, 5, 8, 3, 13, 31, 1]) {
        await log.appendAll(Array.from({ length: batch }, (_, i) => entry(i)));
        await syncTree(log.db);
      }
      const leaves = (await bodies(log)).map(leafHash);
      const n = leaves.length;
      expect(await treeSize(log.db)).toBe(n);
      for (let m = 0; m <= n; m++) {
        const head = await treeHead(log.db, m);
        expect(toHex(head.root), `size ${m}`).toBe(toHex(rootOf(leaves.slice(0, m))));
      }
      const root = (await treeHead(log.db)).root;
      for (let seq = 1; seq <= n; seq++) {
        expect(toHex(await storedLeaf(log.db, seq))).toBe(toHex(leaves[seq - 1]!));
        verifyInclusion(seq - 1, n, leaves[seq - 1]!, await inclusionProofAt(log.db, seq, n), root);
        const m = seq;
        verifyConsistency(m, n, rootOf(leaves.slice(0, m)), root, await consistencyProofBetween(log.db, m, n));
      }
      // A proof at an earlier size, from the same stored nodes.
      verifyInclusion(2, 7, leaves[2]!, await inclusionProofAt(log.db, 3, 7), rootOf(leaves.slice(0, 7)));
      await expect(inclusionProofAt(log.db, 3, n + 1)).rejects.toMatchObject({ code: "size_beyond_tree" });
    });

    it("the append extends the tree in its own transaction, catching up a lagging tree first", async () => {
      const log = await logAt(await backend.fresh());
      await log.appendAll([entry(1), entry(2), entry(3)]);
      // A store whose first records predate the tree: the next append adds them first.
      await log.db.run("DELETE FROM audit_tree");
      for (let i = 0; i < 20; i++) {
        await log.db.transaction(async (tx) => {
          await log.appendIn(tx, [entry(i), entry(i + 100)].slice(0, 1 + (i % 2)));
        }, "write");
      }
      const leaves = (await bodies(log)).map(leafHash);
      expect(await treeSize(log.db)).toBe(leaves.length);
      expect(toHex((await treeHead(log.db)).root)).toBe(toHex(rootOf(leaves)));
      expect(await syncTree(log.db)).toEqual({ size: leaves.length, added: 0 });
      await expect(log.db.transaction((tx) => extendTreeIn(tx, [{ seq: 2, body: "{}" }]), "write")).rejects.toMatchObject({ code: "out_of_order" });
    });

    it("two writers and two syncing processes at once end with one tree over all records", async () => {
      const url = await backend.fresh();
      const log = await logAt(url);
      await openTree(log.db);
      const kids = [spawn("writer.ts", [url, "120", "w1"]), spawn("writer.ts", [url, "120", "w2"]), spawn("tree-sync.ts", [url, "40"]), spawn("tree-sync.ts", [url, "40"])];
      await Promise.all(kids.map((k) => new Promise((resolve) => k.once("message", resolve))));
      const done = kids.map(exited);
      for (const k of kids) k.send("go");
      expect(await Promise.all(done)).toEqual([0, 0, 0, 0]);
      await syncTree(log.db);
      const leaves = (await bodies(log)).map(leafHash);
      expect(leaves).toHaveLength(240);
      expect(await treeSize(log.db)).toBe(240);
      expect(toHex((await treeHead(log.db)).root)).toBe(toHex(rootOf(leaves)));
      // 2n - popcount(n) rows: every leaf and every complete subtree once.
      const [{ n }] = (await log.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_tree")) as [{ n: number }];
      expect(Number(n)).toBe(2 * 240 - 4);
    });

    it("an append rolled back, then another writer's appends to the same size, leave the first writer's next append on the right tree", async () => {
      // The writer keeps the frontier of its last append (keyed by the head it made): here that
      // head never commits, and another writer (another process, say) grows the log to the same
      // size with other records. The first writer must read the stored frontier, not reuse its own.
      const url = await backend.fresh();
      const a = await logAt(url);
      const b = await logAt(url);
      await a.appendAll([entry(1), entry(2), entry(3)]);
      await expect(
        a.db.transaction(async (tx) => {
          await a.appendIn(tx, [entry(4), entry(5)]);
          throw new Error("the caller gives up");
        }),
      ).rejects.toThrow("the caller gives up");
      await b.appendAll([entry(40), entry(50)]);
      await a.appendAll([entry(6)]);
      await b.appendAll([entry(7)]);
      await a.appendAll([entry(8), entry(9)]);
      const leaves = (await bodies(a)).map(leafHash);
      expect(leaves).toHaveLength(9);
      for (let m = 1; m <= leaves.length; m++) expect(toHex((await treeHead(a.db, m)).root), `size ${m}`).toBe(toHex(rootOf(leaves.slice(0, m))));
      expect((await a.verify()).ok).toBe(true);
    });

    it("stops at a hole in the records instead of skipping it", async () => {
      const log = await logAt(await backend.fresh());
      await log.appendAll(Array.from({ length: 6 }, (_, i) => entry(i)));
      await syncTree(log.db);
      await log.appendAll(Array.from({ length: 4 }, (_, i) => entry(i)));
      // Records the tree does not hold yet (as from a writer that predates the tree), one missing.
      await log.db.run("DELETE FROM audit_tree WHERE pos >= $1", [2 * 6 - 2]);
      await log.db.run("DELETE FROM audit_records WHERE seq = 8");
      const err = await syncTree(log.db).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TreeError);
      expect(err).toMatchObject({ code: "gap" });
      expect((err as Error).message).toContain("audit record 8 is missing");
      expect(await treeSize(log.db)).toBe(6); // rolled back: nothing added
    });
  });
}
