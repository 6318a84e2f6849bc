// Merkle tree hashing as RFC 6962 / RFC 9162 (section 2.1) define it, over the audit records:
// pure functions, no store. tree.ts keeps the tree's nodes in the store; this file says what a
// tree head is, which subtree hashes a proof holds, and how a proof is checked.
//
//   leaf hash  = SHA-256(0x00 || leaf data)        leaf data of an audit record = the UTF-8
//   node hash  = SHA-256(0x01 || left || right)    bytes of its stored body (column `body`)
//   MTH({})    = SHA-256("")
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))    k = the largest power of two below n
//
// Proofs are lists of subtree hashes. Generation names the subtrees (`inclusionRanges`,
// `consistencyRanges`: leaf ranges [start, end) in the order the RFC's PATH and SUBPROOF list
// them), so any source of subtree hashes can fill them in: an array of leaf hashes here, stored
// nodes in tree.ts. Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.
import { createHash, hash } from "node:crypto";

/** A SHA-256 digest (32 bytes). */
export type Hash = Uint8Array;

export const HASH_SIZE = 32;

/** MTH of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT: Hash = createHash("sha256").digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

// One-shot hashing (node:crypto's hash) over the joined bytes: half the cost of a Hash object
// fed piece by piece, and every audit append hashes a leaf and the nodes it completes.

/** SHA-256(0x00 || data); a string is hashed as its UTF-8 bytes. */
export function leafHash(data: Uint8Array | string): Hash {
  return hash("sha256", typeof data === "string" ? `\0${data}` : Buffer.concat([LEAF_PREFIX, data]), "buffer");
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  return hash("sha256", Buffer.concat([NODE_PREFIX, left, right]), "buffer");
}

export function toHex(h: Hash): string {
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString("hex");
}

export function fromHex(s: string): Hash {
  if (!/^[0-9a-f]{64}$/.test(s)) throw new RangeError(`not a 64-digit lowercase hex SHA-256: ${JSON.stringify(s)}`);
  return Buffer.from(s, "hex");
}

export function equalHash(a: Hash, b: Hash): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number, got ${n}`);
}

/** A leaf range [start, end) whose MTH a proof holds. */
export type Range = readonly [start: number, end: number];

/** PATH(m, D[n]) of RFC 9162 section 2.1.3.1, as leaf ranges, leaf to root. 0 <= m < n. */
export function inclusionRanges(index: number, size: number): Range[] {
  checkSize(index, "leaf index");
  checkSize(size, "tree size");
  if (index >= size) throw new RangeError(`leaf index ${index} is not below tree size ${size}`);
  const out: Range[] = [];
  const path = (m: number, start: number, n: number) => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, k);
      out.push([start + k, start + n]);
    } else {
      path(m - k, start + k, n - k);
      out.push([start, start + k]);
    }
  };
  path(index, 0, size);
  return out;
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 section 2.1.4.1, as leaf ranges. 0 < m < n. */
export function consistencyRanges(m: number, n: number): Range[] {
  checkSize(m, "first tree size");
  checkSize(n, "second tree size");
  if (m > n) throw new RangeError(`first tree size ${m} is beyond second tree size ${n}`);
  // The trivial cases (RFC 9162 defines the proof for 0 < m < n): nothing to prove.
  if (m === 0 || m === n) return [];
  const out: Range[] = [];
  const sub = (m: number, start: number, n: number, b: boolean) => {
    if (m === n) {
      if (!b) out.push([start, start + n]);
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, b);
      out.push([start + k, start + n]);
    } else {
      sub(m - k, start + k, n - k, false);
      out.push([start, start + k]);
    }
  };
  sub(m, 0, n, true);
  return out;
}

/**
 * The perfect subtrees (level, index) that make up the range [start, end) as MTH splits it:
 * the hashes combine right to left (`foldSubtrees`). Level 0 is the leaves; subtree (l, i)
 * covers leaves [i * 2^l, (i + 1) * 2^l). Every range of a tree head or a proof is such a range.
 */
export function rangeSubtrees(start: number, end: number): Array<readonly [level: number, index: number]> {
  if (!(start >= 0 && end > start)) throw new RangeError(`empty leaf range [${start}, ${end})`);
  const out: Array<readonly [number, number]> = [];
  while (start < end) {
    const size = end - start;
    let level = 0;
    while (2 ** (level + 1) <= size) level++;
    if (start % 2 ** level !== 0) throw new RangeError(`leaf range [${start}, ${end}) is not one MTH splits into`);
    out.push([level, start / 2 ** level]);
    start += 2 ** level;
  }
  return out;
}

/** MTH of a range from the hashes of its perfect subtrees, left to right (rangeSubtrees). */
export function foldSubtrees(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let r = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i]!, r);
  return r;
}

/** MTH(D[n]) from all n leaf hashes (the slow, whole-tree path: tests and recomputation). */
export function rootOf(leaves: readonly Hash[]): Hash {
  return rangeHash(leaves, 0, leaves.length);
}

/** MTH(D[start:end]) of leaf hashes, by the RFC's recursion. */
export function rangeHash(leaves: readonly Hash[], start: number, end: number): Hash {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[start]!;
  const k = splitPoint(n);
  return nodeHash(rangeHash(leaves, start, start + k), rangeHash(leaves, start + k, end));
}

/** An inclusion proof filled in from a function giving MTH of a leaf range. */
export function inclusionProof(index: number, size: number, hashOf: (start: number, end: number) => Hash): Hash[] {
  return inclusionRanges(index, size).map(([s, e]) => hashOf(s, e));
}

/** A consistency proof filled in from a function giving MTH of a leaf range. */
export function consistencyProof(m: number, n: number, hashOf: (start: number, end: number) => Hash): Hash[] {
  return consistencyRanges(m, n).map(([s, e]) => hashOf(s, e));
}

/** Why a proof did not verify (the `code` of ProofError). */
export type ProofErrorCode =
  | "index_out_of_range" // the leaf index is not below the tree size
  | "bad_hash" // a hash in the proof or a root is not 32 bytes
  | "path_too_long" // the proof has more hashes than the tree has levels for this leaf
  | "path_too_short" // the proof ends before the root is reached
  | "root_mismatch" // the hashes lead to another root
  | "size_order" // the first tree is larger than the second
  | "proof_not_empty" // a proof given where none is possible (equal or empty first tree)
  | "proof_empty"; // no proof given where one is needed

export class ProofError extends Error {
  constructor(
    readonly code: ProofErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function checkHashes(hashes: readonly Hash[], what: string): void {
  for (const [i, h] of hashes.entries()) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new ProofError("bad_hash", `${what}[${i}] is not a 32-byte hash`);
  }
}

/**
 * The root an inclusion proof leads to (RFC 9162 section 2.1.3.2, steps 1 to 4 and the sn check
 * of 5). Throws ProofError when the proof cannot belong to a leaf at that index and tree size.
 */
export function rootFromInclusionProof(index: number, size: number, leaf: Hash, path: readonly Hash[]): Hash {
  checkHashes([leaf], "leaf hash");
  checkHashes(path, "inclusion path");
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new ProofError("index_out_of_range", `leaf index ${index} is not below tree size ${size}`);
  }
  // Numbers up to 2^53 are exact; shifts are done by halving (JS >> is 32-bit).
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) throw new ProofError("path_too_long", `inclusion path of ${path.length} hashes is too long for leaf ${index} of a tree of ${size}`);
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError("path_too_short", `inclusion path of ${path.length} hashes is too short for leaf ${index} of a tree of ${size}`);
  return r;
}

/** Checks an inclusion proof; throws ProofError saying why it fails. */
export function verifyInclusion(index: number, size: number, leaf: Hash, path: readonly Hash[], root: Hash): void {
  checkHashes([root], "root");
  const r = rootFromInclusionProof(index, size, leaf, path);
  if (!equalHash(r, root)) throw new ProofError("root_mismatch", `inclusion proof of leaf ${index} leads to root ${toHex(r)}, not ${toHex(root)}`);
}

/**
 * Checks a consistency proof between tree heads (m, root1) and (n, root2): the first tree is a
 * prefix of the second. RFC 9162 section 2.1.4.2 for 0 < m < n; for m = n the proof must be empty
 * and the roots equal; for m = 0 the proof must be empty (every tree extends the empty one).
 * Throws ProofError saying why it fails.
 */
export function verifyConsistency(m: number, n: number, root1: Hash, root2: Hash, proof: readonly Hash[]): void {
  checkHashes([root1, root2], "root");
  checkHashes(proof, "consistency proof");
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || n < 0) throw new ProofError("size_order", `tree sizes must be whole numbers, got ${m} and ${n}`);
  if (m > n) throw new ProofError("size_order", `tree size ${m} is beyond tree size ${n}: a log only grows`);
  if (m === n) {
    if (proof.length) throw new ProofError("proof_not_empty", `a consistency proof between equal tree sizes must be empty, got ${proof.length} hashes`);
    if (!equalHash(root1, root2)) throw new ProofError("root_mismatch", `two different roots for tree size ${m}: ${toHex(root1)} and ${toHex(root2)}`);
    return;
  }
  if (m === 0) {
    if (proof.length) throw new ProofError("proof_not_empty", `a consistency proof from the empty tree must be empty, got ${proof.length} hashes`);
    return;
  }
  // 1. An empty proof fails.
  if (proof.length === 0) throw new ProofError("proof_empty", `no consistency proof given from tree size ${m} to ${n}`);
  // 2. If m is an exact power of 2, prepend first_hash.
  const path = isPowerOfTwo(m) ? [root1, ...proof] : [...proof];
  // 3.
  let fn = m - 1;
  let sn = n - 1;
  // 4. While LSB(fn) is set, shift both right.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ProofError("path_too_long", `consistency proof of ${proof.length} hashes is too long for tree sizes ${m} and ${n}`);
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  if (sn !== 0) throw new ProofError("path_too_short", `consistency proof of ${proof.length} hashes is too short for tree sizes ${m} and ${n}`);
  if (!equalHash(fr, root1)) throw new ProofError("root_mismatch", `consistency proof leads to root ${toHex(fr)} for tree size ${m}, not ${toHex(root1)}`);
  if (!equalHash(sr, root2)) throw new ProofError("root_mismatch", `consistency proof leads to root ${toHex(sr)} for tree size ${n}, not ${toHex(root2)}`);
}

function isPowerOfTwo(x: number): boolean {
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}
