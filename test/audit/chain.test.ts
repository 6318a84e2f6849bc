// The chain's pure parts: the canonical-form check verify relies on, head notation, and
// verification of an exported JSONL file.
import { describe, expect, it } from "vitest";
import { ZERO_HASH, formatHead, isCanonical, parseHead, sha256 } from "../../src/audit/chain.ts";
import { verifyJSONL } from "../../src/audit/log.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";

describe("isCanonical", () => {
  it("accepts exactly canonicalJSON's bytes, integer-like keys included", () => {
    for (const v of [{ b: 1, a: [{ d: null, c: "x\u0001" }] }, { "10": 1, "9": 2, a: { "2": [], "1": {} } }, [], "s", 1.5e300, { "": 0, é: 1, e: 2 }]) {
      const text = canonicalJSON(v);
      expect(isCanonical(JSON.parse(text), text), text).toBe(true);
    }
  });
  it("rejects the same content in other bytes", () => {
    for (const text of ['{"b":1,"a":2}', '{"a": 2}', '{"a":"\\u0041"}', '{"a":1.0}', '{"a":1,"a":1}', '{"9":1,"10":2}', '[1, 2]']) {
      expect(isCanonical(JSON.parse(text), text), text).toBe(false);
    }
  });
});

describe("heads", () => {
  it("reads HASH and SEQ:HASH, and refuses anything else", () => {
    const h = "a".repeat(64);
    expect(parseHead(h)).toEqual({ hash: h });
    expect(parseHead(`12:${h}`)).toEqual({ seq: 12, hash: h });
    expect(formatHead({ seq: 12, hash: h })).toBe(`12:${h}`);
    expect(() => parseHead("12:abc")).toThrow(/SEQ:HASH/);
  });
});

describe("verifyJSONL", () => {
  const lines: string[] = [];
  let prev = ZERO_HASH;
  for (let seq = 1; seq <= 5; seq++) {
    const rec = { seq, id: `r${seq}`, time: "2026-01-01T00:00:00.000Z", type: "decision", prev_hash: prev };
    prev = sha256(canonicalJSON(rec));
    lines.push(canonicalJSON({ ...rec, hash: prev }));
  }
  it("verifies an export and names the first bad line's record", async () => {
    expect(await verifyJSONL(lines)).toEqual({ ok: true, records: 5, head: { seq: 5, hash: prev } });
    expect((await verifyJSONL(lines, { expectHead: `5:${prev}` })).ok).toBe(true);
    const edited = lines.map((l, i) => (i === 2 ? l.replace('"r3"', '"r9"') : l));
    expect((await verifyJSONL(edited)).firstBad).toMatchObject({ seq: 3, reason: "hash_mismatch" });
    expect((await verifyJSONL(lines.slice(0, 4), { expectHead: prev })).firstBad).toMatchObject({ reason: "expected_head_missing" });
    expect((await verifyJSONL([lines[0]!, lines[2]!])).firstBad).toMatchObject({ seq: 2, reason: "missing" });
    expect((await verifyJSONL([lines[0]!, "{oops"])).firstBad).toMatchObject({ seq: 2, reason: "unparseable" });
  });
});
