// Receipts: what an embedding service hands back for one governed decision, checkable offline
// against a checkpoint with no access to the store. A receipt holds the decision's record as
// stored (seq, hash, body), what it was decided on (bundle revision, request digest), the
// approval it relied on (the intent record that consumed it), and, once a checkpoint covers the
// records, their inclusion proofs against that checkpoint.
//
// Verification (verifyReceipt): each body hashes to its hash (SHA-256) and says the seq and
// action the receipt says; the summary fields are the bodies' own; each inclusion proof leads
// from SHA-256(0x00 || body) at leaf seq - 1 to the checkpoint's root at the checkpoint's size.
import { createHash } from "node:crypto";
import type { Queryable } from "./db.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { ProofError, equalHash, fromHex, leafHash, toHex, verifyInclusion } from "./merkle.ts";
import { inclusionProofAt, treeHead, treeSize } from "./tree.ts";

export const RECEIPT_FORMAT = "warden-receipt/v1";

export interface ReceiptInclusion {
  /** The checkpoint's tree size and root (hex) the proof is against. */
  tree_size: number;
  root: string;
  /** Leaf index = seq - 1; the RFC 9162 inclusion path, leaf to root, hex. */
  proof: string[];
}

export interface ReceiptRecord {
  seq: number;
  /** SHA-256 (hex) of body. */
  hash: string;
  /** The record exactly as stored: canonical JSON without its hash. */
  body: string;
  inclusion?: ReceiptInclusion;
}

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  action_id: string;
  /** The decision record (or, for an action without one, its first record). */
  record: ReceiptRecord;
  /** The policy bundle revision that decided. */
  revision?: string;
  /** SHA-256 of the canonical request the decision was made on. */
  request_digest?: string;
  /** The approval the action relied on, and the intent record that consumed it. */
  approval_id?: string;
  approval_record?: ReceiptRecord;
  /** The signed checkpoint (note text) the proofs are against, when one covers the records. */
  checkpoint?: string;
}

export type ReceiptErrorCode =
  | "not_found" // no record of that action
  | "malformed" // not a receipt
  | "hash_mismatch" // a body does not hash to its hash
  | "field_mismatch" // a summary field or seq differs from the record's body
  | "not_covered" // no inclusion proof (no checkpoint covered the record when the receipt was made)
  | "checkpoint_mismatch" // the proof is against another tree size or root than the checkpoint
  | "proof_failed" // the inclusion proof does not lead to the checkpoint's root
  | "store_disagrees"; // the store's tree is not the one the checkpoint signed

export class ReceiptError extends Error {
  constructor(
    readonly code: ReceiptErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Row {
  seq: number;
  type: string;
  hash: string;
  body: string;
}

/**
 * The receipt of an action from the store. With a checkpoint (already verified by the caller)
 * whose size covers the records, the receipt carries their inclusion proofs against it and the
 * checkpoint's note text; the store's tree at that size must have the checkpoint's root.
 */
export async function buildReceipt(q: Queryable, action_id: string, against?: { checkpoint: Checkpoint; note: string }): Promise<Receipt> {
  const checkpoint = against?.checkpoint;
  const rows = (await q.query<Row>("SELECT seq, type, hash, body FROM audit_records WHERE action_id = $1 ORDER BY seq", [action_id])).map((r) => ({ ...r, seq: Number(r.seq) }));
  if (rows.length === 0) throw new ReceiptError("not_found", `no audit record of action ${JSON.stringify(action_id)}`);
  const main = rows.find((r) => r.type === "decision") ?? rows[0]!;
  const body = JSON.parse(main.body) as { decision?: { revision?: string }; request_hash?: string };
  const approvalRow = rows.find((r) => r.type === "intent" && (JSON.parse(r.body) as { approval?: unknown }).approval !== undefined);
  const approval = approvalRow ? (JSON.parse(approvalRow.body) as { approval: { approval_id: string } }).approval : undefined;
  const covered = checkpoint && checkpoint.size > 0 && (await treeSize(q)) >= checkpoint.size;
  if (checkpoint && covered) {
    const head = await treeHead(q, checkpoint.size);
    if (!equalHash(head.root, checkpoint.root)) {
      throw new ReceiptError("store_disagrees", `the store's tree of ${checkpoint.size} records has root ${toHex(head.root)}, not the checkpoint's ${toHex(checkpoint.root)}: run \`warden audit verify --checkpoint\``);
    }
  }
  const rec = async (r: Row): Promise<ReceiptRecord> => {
    const out: ReceiptRecord = { seq: r.seq, hash: r.hash, body: r.body };
    if (checkpoint && covered && r.seq <= checkpoint.size) {
      const proof = await inclusionProofAt(q, r.seq, checkpoint.size);
      out.inclusion = { tree_size: checkpoint.size, root: toHex(checkpoint.root), proof: proof.map(toHex) };
    }
    return out;
  };
  const request_digest = body.request_hash ?? (JSON.parse(approvalRow?.body ?? "{}") as { request_hash?: string }).request_hash;
  return {
    format: RECEIPT_FORMAT,
    action_id,
    record: await rec(main),
    ...(body.decision?.revision ? { revision: body.decision.revision } : {}),
    ...(request_digest ? { request_digest } : {}),
    ...(approval ? { approval_id: approval.approval_id, approval_record: await rec(approvalRow!) } : {}),
    ...(against && covered && main.seq <= against.checkpoint.size ? { checkpoint: against.note } : {}),
  };
}

export interface ReceiptCheck {
  action_id: string;
  seq: number;
  tree_size: number;
  /** Records whose inclusion was proven (the decision, and the approval's intent if any). */
  proven: number[];
}

function checkRecord(r: ReceiptRecord, action_id: string, what: string, cp: Checkpoint): number {
  if (!r || typeof r.body !== "string" || typeof r.hash !== "string" || !Number.isSafeInteger(r.seq)) throw new ReceiptError("malformed", `the ${what} is not seq, hash and body`);
  const hash = createHash("sha256").update(r.body, "utf8").digest("hex");
  if (hash !== r.hash) throw new ReceiptError("hash_mismatch", `the ${what} (seq ${r.seq}) does not hash to ${r.hash}: its body was altered`);
  let body: { seq?: unknown; action_id?: unknown };
  try {
    body = JSON.parse(r.body);
  } catch {
    throw new ReceiptError("malformed", `the ${what}'s body is not JSON`);
  }
  if (body.seq !== r.seq) throw new ReceiptError("field_mismatch", `the ${what}'s body says seq ${String(body.seq)}, the receipt ${r.seq}`);
  if (body.action_id !== action_id) throw new ReceiptError("field_mismatch", `the ${what}'s body is of action ${String(body.action_id)}, not ${action_id}`);
  const inc = r.inclusion;
  if (!inc) throw new ReceiptError("not_covered", `the ${what} (seq ${r.seq}) has no inclusion proof: make the receipt again once a checkpoint covers it`);
  if (inc.tree_size !== cp.size || inc.root !== toHex(cp.root)) {
    throw new ReceiptError("checkpoint_mismatch", `the ${what}'s proof is against a tree of ${inc.tree_size} records (root ${inc.root}), the checkpoint is of ${cp.size} (root ${toHex(cp.root)})`);
  }
  let proof;
  try {
    proof = inc.proof.map(fromHex);
  } catch (e) {
    throw new ReceiptError("malformed", `the ${what}'s proof: ${(e as Error).message}`);
  }
  try {
    verifyInclusion(r.seq - 1, cp.size, leafHash(r.body), proof, cp.root);
  } catch (e) {
    if (e instanceof ProofError) throw new ReceiptError("proof_failed", `the ${what} (seq ${r.seq}) is not in the checkpoint's tree: ${e.message}`);
    throw e;
  }
  return r.seq;
}

/**
 * Checks a receipt offline against a checkpoint whose signature the caller verified. Throws
 * ReceiptError naming what does not hold.
 */
export function verifyReceipt(receipt: Receipt, checkpoint: Checkpoint): ReceiptCheck {
  if (!receipt || receipt.format !== RECEIPT_FORMAT || typeof receipt.action_id !== "string") throw new ReceiptError("malformed", `not a ${RECEIPT_FORMAT} receipt`);
  const proven = [checkRecord(receipt.record, receipt.action_id, "record", checkpoint)];
  const body = JSON.parse(receipt.record.body) as { decision?: { revision?: string }; request_hash?: string };
  if ((receipt.revision ?? undefined) !== (body.decision?.revision ?? undefined)) throw new ReceiptError("field_mismatch", `the receipt's revision ${String(receipt.revision)} is not the record's ${String(body.decision?.revision)}`);
  let approvalBody: { approval?: { approval_id?: string }; request_hash?: string } | undefined;
  if (receipt.approval_record) {
    proven.push(checkRecord(receipt.approval_record, receipt.action_id, "approval record", checkpoint));
    approvalBody = JSON.parse(receipt.approval_record.body);
  }
  if ((receipt.approval_id ?? undefined) !== (approvalBody?.approval?.approval_id ?? undefined)) {
    throw new ReceiptError("field_mismatch", `the receipt's approval ${String(receipt.approval_id)} is not the one its approval record consumed (${String(approvalBody?.approval?.approval_id)})`);
  }
  const digest = body.request_hash ?? approvalBody?.request_hash;
  if ((receipt.request_digest ?? undefined) !== (digest ?? undefined)) throw new ReceiptError("field_mismatch", `the receipt's request digest ${String(receipt.request_digest)} is not the record's ${String(digest)}`);
  return { action_id: receipt.action_id, seq: receipt.record.seq, tree_size: checkpoint.size, proven };
}
