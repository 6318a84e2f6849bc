// The audit trail's transparency-log side over HTTP, as `warden audit checkpoint|prove|
// consistency|receipt` give it on the command line: the Merkle tree's head (signed as a C2SP
// checkpoint when the service holds a checkpoint key), RFC 9162 inclusion and consistency
// proofs, and the receipt of one governed action. Each proof is checked against the root before
// it is sent, so a store whose tree does not hold together answers 500, never a bad proof.
// Also the principals directory, read-only, for admins (changing it stays a CLI command).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { signCheckpoint, type Signer } from "../audit/checkpoint.ts";
import type { Queryable } from "../audit/db.ts";
import type { AuditLog } from "../audit/log.ts";
import { leafHash, toHex, verifyConsistency, verifyInclusion } from "../audit/merkle.ts";
import { buildReceipt, ReceiptError } from "../audit/receipt.ts";
import { consistencyProofBetween, inclusionProofAt, syncTree, treeHead, TreeError } from "../audit/tree.ts";
import type { GovernanceState } from "../governance/state.ts";
import { needOperation, needRoles, SERVICE_ROLES } from "./auth.ts";
import { HttpRefusal } from "./errors.ts";
import type { Authenticated } from "./tokens.ts";

export interface LedgerDeps {
  audit: AuditLog;
  store: GovernanceState;
  /** Signs the tree head as a checkpoint (serve.checkpoint_key_file); without it the head is unsigned. */
  signer?: Signer;
  origin?: string;
}

/** A tree size or record number from the query string: a whole number, bounded. */
export function whole(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d{1,15}$/.test(v)) throw new HttpRefusal(400, "input_invalid", `${what}: a whole number, not ${JSON.stringify(v)}`);
  return Number(v);
}

export function registerLedger(app: FastifyInstance, deps: LedgerDeps): void {
  const { audit, store, signer } = deps;
  const db = audit.db;
  const who = (req: FastifyRequest): Authenticated => req.principal!;
  const reader = (req: FastifyRequest) => needRoles(who(req), SERVICE_ROLES.audit, "read the audit trail");
  /** The tree caught up with the records, then read in one transaction. */
  const read = async <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => {
    await syncTree(db);
    try {
      return await db.transaction(fn, "read");
    } catch (e) {
      if (e instanceof TreeError && e.code === "size_beyond_tree") throw new HttpRefusal(404, "beyond_tree", e.message);
      throw e;
    }
  };

  app.get("/v1/audit/checkpoint", async (req) => {
    reader(req);
    const head = await read((q) => treeHead(q));
    const root = toHex(head.root);
    if (!signer) return { size: head.size, root, signed: false };
    const origin = deps.origin ?? signer.name;
    return { origin, size: head.size, root, signed: true, checkpoint: signCheckpoint({ origin, size: head.size, root: head.root, extensions: [] }, signer) };
  });

  app.get("/v1/audit/proofs/inclusion/:seq", async (req) => {
    reader(req);
    const seq = whole((req.params as { seq: string }).seq, "seq")!;
    const size = whole((req.query as { tree_size?: unknown }).tree_size, "tree_size");
    return read(async (q) => {
      const head = await treeHead(q, size);
      if (seq < 1 || seq > head.size) throw new HttpRefusal(404, "beyond_tree", `record ${seq} is not in the tree of ${head.size} records`);
      const [row] = await q.query<{ hash: string; body: string }>("SELECT hash, body FROM audit_records WHERE seq = $1", [seq]);
      const proof = await inclusionProofAt(q, seq, head.size);
      const leaf = leafHash(row!.body);
      verifyInclusion(seq - 1, head.size, leaf, proof, head.root);
      return { seq, leaf_index: seq - 1, tree_size: head.size, root: toHex(head.root), leaf_hash: toHex(leaf), record_hash: row!.hash, body: row!.body, proof: proof.map(toHex) };
    });
  });

  app.get("/v1/audit/proofs/consistency", async (req) => {
    reader(req);
    const q0 = req.query as { old?: unknown; new?: unknown };
    const m = whole(q0.old, "old");
    const n = whole(q0.new, "new");
    if (m === undefined || n === undefined) throw new HttpRefusal(400, "input_invalid", "give old and new tree sizes: ?old=M&new=N");
    if (m > n) throw new HttpRefusal(400, "input_invalid", `old (${m}) is larger than new (${n})`);
    return read(async (q) => {
      const [h1, h2] = [await treeHead(q, m), await treeHead(q, n)];
      const proof = await consistencyProofBetween(q, m, n);
      verifyConsistency(m, n, h1.root, h2.root, proof);
      return { old_size: m, new_size: n, old_root: toHex(h1.root), new_root: toHex(h2.root), proof: proof.map(toHex) };
    });
  });

  /** The receipt of an action; with a checkpoint key, against a checkpoint signed now, so it carries its inclusion proofs. */
  app.get("/v1/audit/receipts/:action_id", async (req) => {
    reader(req);
    const { action_id } = req.params as { action_id: string };
    try {
      return await read(async (q) => {
        if (!signer) return buildReceipt(q, action_id);
        const head = await treeHead(q);
        const c = { origin: deps.origin ?? signer.name, size: head.size, root: head.root, extensions: [] };
        return buildReceipt(q, action_id, { checkpoint: c, note: signCheckpoint(c, signer) });
      });
    } catch (e) {
      if (e instanceof ReceiptError && e.code === "not_found") throw new HttpRefusal(404, "not_found", e.message);
      throw e;
    }
  });

  // --- the directory ----------------------------------------------------------------------

  app.get("/v1/principals", async (req) => {
    needOperation(who(req), "principals");
    return { principals: (await store.principals()).sort((a, b) => a.id.localeCompare(b.id)) };
  });
  app.get("/v1/principals/:id", async (req) => {
    needOperation(who(req), "principals");
    const { id } = req.params as { id: string };
    const p = await store.principal(id);
    if (!p) throw new HttpRefusal(404, "not_found", `no principal ${id} in the directory`);
    return { principal: p };
  });
}
