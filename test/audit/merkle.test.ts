// RFC 6962 / 9162 hashing and proofs (src/audit/merkle.ts): the published test vectors of the
// 8-leaf tree (roots, inclusion and consistency proofs, as in certificate-transparency's and
// Trillian's tests), then every tree size from 1 to 1000 and random pairs of sizes: each proof
// verifies, and each altered proof (bit flipped, wrong size, wrong index, a hash removed, added
// or inserted) is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EMPTY_ROOT,
  ProofError,
  consistencyProof,
  foldSubtrees,
  fromHex,
  inclusionProof,
  leafHash,
  nodeHash,
  rangeSubtrees,
  rootFromInclusionProof,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from "../../src/audit/merkle.ts";

const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => leafHash(Buffer.from(h, "hex")));
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const h = fromHex;
const INCLUSION: Array<[index: number, size: number, path: string[]]> = [
  [0, 1, []],
  [0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
];
const CONSISTENCY: Array<[m: number, n: number, proof: string[]]> = [
  [1, 1, []],
  [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
];
const SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456");

/** Every perfect subtree hash of a list of leaves, by level: MTH of any proof range from them. */
function perfectLevels(leaves: readonly Hash[]): Hash[][] {
  const levels: Hash[][] = [leaves.slice()];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const up: Hash[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) up.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(up);
  }
  return levels;
}
const hashOfFrom = (levels: Hash[][]) => (s: number, e: number) => foldSubtrees(rangeSubtrees(s, e).map(([l, i]) => levels[l]![i]!));

const fails = (f: () => void) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ProofError) return true;
    throw e;
  }
  return false;
};

function flip(proof: readonly Hash[], i: number, bit: number): Hash[] {
  const out = proof.map((x) => Buffer.from(x));
  out[i]![0]! ^= 1 << bit;
  return out;
}

/** Inclusion proofs that must not verify, derived from a valid one (Trillian's corruptions and more). */
function badInclusions(index: number, size: number, leaf: Hash, path: readonly Hash[], root: Hash) {
  const out: Array<[string, number, number, Hash, readonly Hash[], Hash]> = [
    ["index - 1", index - 1, size, leaf, path, root],
    ["index + 1", index + 1, size, leaf, path, root],
    ["index ^ 2", index ^ 2, size, leaf, path, root],
    ["size * 2", index, size * 2, leaf, path, root],
    ["size / 2", index, Math.floor(size / 2), leaf, path, root],
    ["wrong leaf", index, size, leafHash("WrongLeaf"), path, root],
    ["empty root", index, size, leaf, path, EMPTY_ROOT],
    ["random root", index, size, leaf, path, SOME_HASH],
    ["trailing root", index, size, leaf, [...path, root], root],
    ["trailing leaf", index, size, leaf, [...path, leaf], root],
    ["preceding root", index, size, leaf, [root, ...path], root],
  ];
  for (let i = 0; i < path.length; i++) for (const bit of [0, 3, 7]) out.push([`proof[${i}] bit ${bit}`, index, size, leaf, flip(path, i, bit), root]);
  if (path.length > 0) out.push(["truncated", index, size, leaf, path.slice(0, -1), root]);
  if (path.length > 1) out.push(["inserted component", index, size, leaf, [path[0]!, SOME_HASH, ...path.slice(1)], root]);
  // A wrong index that is out of range, or happens to be the same index, is no test.
  return out.filter(([d, i]) => d.startsWith("index") ? i !== index : true);
}

function badConsistencies(m: number, n: number, root1: Hash, root2: Hash, proof: readonly Hash[]) {
  const out: Array<[string, number, number, Hash, Hash, readonly Hash[]]> = [
    ["m - 1", m - 1, n, root1, root2, proof],
    ["m + 1", m + 1, n, root1, root2, proof],
    ["m ^ 2", m ^ 2, n, root1, root2, proof],
    ["n * 2", m, n * 2, root1, root2, proof],
    ["n / 2", m, Math.floor(n / 2), root1, root2, proof],
    ["wrong root1", m, n, SOME_HASH, root2, proof],
    ["wrong root2", m, n, root1, SOME_HASH, proof],
    ["swapped roots", m, n, root2, root1, proof],
    ["empty proof", m, n, root1, root2, []],
    ["trailing root1", m, n, root1, root2, [...proof, root1]],
    ["trailing root2", m, n, root1, root2, [...proof, root2]],
    ["preceding root1", m, n, root1, root2, [root1, ...proof]],
    ["preceding root2", m, n, root1, root2, [root2, ...proof]],
    ["preceding proof[0]", m, n, root1, root2, [proof[0]!, ...proof]],
    ["truncated", m, n, root1, root2, proof.slice(0, -1)],
  ];
  for (let i = 0; i < proof.length; i++) for (const bit of [0, 4, 7]) out.push([`proof[${i}] bit ${bit}`, m, n, root1, root2, flip(proof, i, bit)]);
  return out.filter(([d, a]) => !(d.startsWith("m ") && a === m));
}

function expectInclusion(index: number, size: number, leaf: Hash, path: readonly Hash[], root: Hash) {
  verifyInclusion(index, size, leaf, path, root);
  expect(toHex(rootFromInclusionProof(index, size, leaf, path))).toBe(toHex(root));
  for (const [desc, i, s, l, p, r] of badInclusions(index, size, leaf, path, root)) {
    expect(fails(() => verifyInclusion(i, s, l, p, r)), `inclusion of ${index} in ${size}: ${desc} verified`).toBe(true);
  }
}

function expectConsistency(m: number, n: number, root1: Hash, root2: Hash, proof: readonly Hash[]) {
  verifyConsistency(m, n, root1, root2, proof);
  if (proof.length === 0) return;
  for (const [desc, a, b, r1, r2, p] of badConsistencies(m, n, root1, root2, proof)) {
    expect(fails(() => verifyConsistency(a, b, r1, r2, p)), `consistency ${m} -> ${n}: ${desc} verified`).toBe(true);
  }
}

describe("RFC 6962 test vectors", () => {
  const levels = perfectLevels(LEAVES);
  const hashOf = hashOfFrom(levels);

  it("tree heads of the empty tree and of the 8 prefixes of the test data", () => {
    expect(toHex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(toHex(rootOf([]))).toBe(toHex(EMPTY_ROOT));
    for (let n = 1; n <= 8; n++) {
      expect(toHex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n - 1]);
      expect(toHex(hashOf(0, n)), `size ${n} from stored subtrees`).toBe(ROOTS[n - 1]);
    }
  });

  it("inclusion proofs: generated as published, verified, corruptions refused", () => {
    for (const [index, size, want] of INCLUSION) {
      const path = inclusionProof(index, size, hashOfFrom(perfectLevels(LEAVES.slice(0, size))));
      expect(path.map(toHex), `PATH(${index}, D[${size}])`).toEqual(want);
      expectInclusion(index, size, LEAVES[index]!, want.map(h), h(ROOTS[size - 1]!));
    }
  });

  it("consistency proofs: generated as published, verified, corruptions refused", () => {
    for (const [m, n, want] of CONSISTENCY) {
      const proof = consistencyProof(m, n, hashOf);
      expect(proof.map(toHex), `PROOF(${m}, D[${n}])`).toEqual(want);
      expectConsistency(m, n, h(ROOTS[m - 1]!), h(ROOTS[n - 1]!), want.map(h));
    }
  });

  it("edge cases of verification (Trillian's table)", () => {
    const leaf = leafHash("data");
    verifyInclusion(0, 1, leaf, [], leaf);
    for (const [i, s] of [[0, 0], [1, 0], [2, 1], [-1, 4]] as const) expect(fails(() => verifyInclusion(i, s, SOME_HASH, [], EMPTY_ROOT))).toBe(true);
    expect(fails(() => verifyInclusion(0, 1, new Uint8Array(0), [], leaf))).toBe(true);
    const r1 = leafHash("don't care 1");
    const r2 = leafHash("don't care 2");
    verifyConsistency(0, 0, r1, r1, []);
    verifyConsistency(0, 1, r1, r2, []);
    verifyConsistency(1, 1, r2, r2, []);
    for (const [m, n, a, b, p] of [
      [0, 0, r1, r2, []],
      [1, 1, r1, r2, []],
      [1, 0, r1, r2, []],
      [2, 1, r1, r2, []],
      [1, 2, r1, r2, []],
      [0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]],
      [0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]],
      [1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]],
    ] as Array<[number, number, Hash, Hash, Hash[]]>) {
      expect(fails(() => verifyConsistency(m, n, a, b, p)), `${m} -> ${n}`).toBe(true);
    }
  });
});

describe("every tree size from 1 to 1000", () => {
  const N = 1000;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(`{"seq":${i + 1}}`));
  const levels = perfectLevels(leaves);
  const hashOf = hashOfFrom(levels);
  const roots = [EMPTY_ROOT, ...Array.from({ length: N }, (_, i) => hashOf(0, i + 1))];

  it("the head from stored subtrees equals the RFC's recursive MTH", () => {
    for (let n = 1; n <= N; n++) expect(toHex(roots[n]!), `size ${n}`).toBe(toHex(rootOf(leaves.slice(0, n))));
  });

  it("inclusion proofs of the first, last and a middle leaf verify, and altered ones fail", () => {
    for (let n = 1; n <= N; n++) {
      for (const i of new Set([0, n - 1, n >> 1])) expectInclusion(i, n, leaves[i]!, inclusionProof(i, n, hashOf), roots[n]!);
    }
  });

  it("inclusion proofs of every leaf of trees up to 70 leaves, and of random (size, index)", () => {
    for (let n = 1; n <= 70; n++) for (let i = 0; i < n; i++) expectInclusion(i, n, leaves[i]!, inclusionProof(i, n, hashOf), roots[n]!);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))), ([n, i]) => {
        expectInclusion(i, n, leaves[i]!, inclusionProof(i, n, hashOf), roots[n]!);
      }),
      { numRuns: 1000 },
    );
  });

  it("consistency proofs from 1, n-1 and a middle size to every n verify, and altered ones fail", () => {
    for (let n = 1; n <= N; n++) {
      for (const m of new Set([0, 1, n - 1, n >> 1, n])) expectConsistency(m, n, roots[m]!, roots[n]!, consistencyProof(m, n, hashOf));
    }
  });

  it("consistency proofs between random pairs of sizes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.integer({ min: 1, max: N }), (a, b) => {
        const [m, n] = a <= b ? [a, b] : [b, a];
        expectConsistency(m, n, roots[m]!, roots[n]!, consistencyProof(m, n, hashOf));
        // A proof between other trees (the second not an extension of the first) does not verify.
        if (m < n) {
          const forked = [...leaves.slice(0, m - 1), leafHash("forged"), ...leaves.slice(m, n)];
          const forkRoot = rootOf(forked.slice(0, m));
          expect(fails(() => verifyConsistency(m, n, forkRoot, roots[n]!, consistencyProof(m, n, hashOf)))).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
