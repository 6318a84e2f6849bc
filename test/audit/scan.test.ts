// The verifier's fast path (src/audit/scan.ts) may only say "certainly canonical" when the body
// is exactly canonicalJSON of what JSON.parse reads, and the fields it takes out must be the
// ones JSON.parse reads. Checked on generated documents and on every small edit of them.
import { describe, expect, it } from "vitest";
import { BodyFields, scanCanonical, specialsIn } from "../../src/audit/scan.ts";
import { isCanonical } from "../../src/audit/chain.ts";
import { canonicalJSON } from "../../src/canonical-json.ts";

/** A deterministic pseudo-random source (tests must be repeatable). */
function rng(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 4 : 7));
  if (k === 0) return Math.floor(r() * 2000) - 1000;
  if (k === 1) return [0.5, 1e21, 1.5e-7, 123456789012345680000, -0.25, 0][Math.floor(r() * 6)];
  if (k === 2) return ["", "a", "é", "x y", "10", "/path", "日本"][Math.floor(r() * 7)];
  if (k === 3) return [true, false, null][Math.floor(r() * 3)];
  if (k === 4) return Array.from({ length: Math.floor(r() * 3) }, () => value(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (const key of ["a", "b", "ab", "B", "10", "9", "seq", "id"]) if (r() < 0.4) o[key] = value(r, depth + 1);
  return o;
}

function record(r: () => number): Record<string, unknown> {
  const rec: Record<string, unknown> = { seq: 1 + Math.floor(r() * 99), id: `r-${Math.floor(r() * 1e6)}`, type: "decision", time: "2026-01-01T00:00:00.000Z", prev_hash: "0".repeat(64) };
  if (r() < 0.5) rec.action_id = r() < 0.2 ? null : `act-${Math.floor(r() * 100)}`;
  if (r() < 0.3) rec.state = { key: `k${Math.floor(r() * 9)}`, table: "approvals", value: value(r, 1) };
  rec.details = value(r, 0);
  return rec;
}

const scan = (text: string, allowHash = false) => {
  const f = new BodyFields();
  const ok = specialsIn(text).length === 0 && scanCanonical(text, 0, text.length, f, allowHash);
  return { ok, f };
};
const at = (text: string, a: number, b: number) => (a < 0 ? undefined : text.slice(a, b));

/** Every accepted text is canonical, an object, and yields the fields JSON.parse gives. */
function sound(text: string, allowHash = false): boolean {
  const { ok, f } = scan(text, allowHash);
  if (!ok) return false;
  const parsed = JSON.parse(text) as Record<string, unknown>;
  expect(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), text).toBe(true);
  expect(isCanonical(parsed, text), text).toBe(true);
  if (!allowHash) expect("hash" in parsed, text).toBe(false);
  expect(f.seq === parsed.seq || (Number.isNaN(f.seq) && parsed.seq === undefined), text).toBe(true);
  expect(at(text, f.idA, f.idB)).toBe(parsed.id);
  expect(at(text, f.typeA, f.typeB)).toBe(parsed.type);
  expect(at(text, f.timeA, f.timeB)).toBe(parsed.time);
  expect(at(text, f.prevA, f.prevB)).toBe(parsed.prev_hash);
  expect(at(text, f.actionA, f.actionB)).toBe(parsed.action_id ?? undefined);
  const state = parsed.state as { table?: unknown; key?: unknown } | undefined;
  expect(at(text, f.tableA, f.tableB)).toBe(state?.table);
  expect(at(text, f.keyA, f.keyB)).toBe(state?.key);
  return true;
}

describe("scanCanonical", () => {
  it("accepts canonical records (with non-ASCII values, integer-like keys, every number form)", () => {
    const r = rng(1);
    let accepted = 0;
    for (let n = 0; n < 2000; n++) if (sound(canonicalJSON(record(r)))) accepted++;
    // Records whose details hold an integer-like key after a letter key ("9" < "a") are canonical
    // too; all must be accepted except those the fast path leaves alone on purpose (none here).
    expect(accepted).toBe(2000);
  });

  it("never accepts an edited record that is not canonical (every one-character edit)", () => {
    const r = rng(2);
    const alphabet = ['"', "{", "}", "[", "]", ",", ":", " ", "0", "1", "-", ".", "e", "a", "n", "t", "é"];
    let rejected = 0;
    for (let n = 0; n < 25; n++) {
      const text = canonicalJSON(record(r));
      for (let i = 0; i < text.length; i++) {
        for (const edit of [text.slice(0, i) + text.slice(i + 1), text.slice(0, i) + alphabet[n % alphabet.length] + text.slice(i), text.slice(0, i) + alphabet[(n + i) % alphabet.length] + text.slice(i + 1)]) {
          let parses = true;
          try {
            JSON.parse(edit);
          } catch {
            parses = false;
          }
          if (!parses) {
            expect(scan(edit).ok, edit).toBe(false);
            rejected++;
          } else if (!sound(edit)) rejected++;
        }
      }
    }
    expect(rejected).toBeGreaterThan(500);
  });

  it("leaves these to the general path", () => {
    const base = { id: "r1", prev_hash: "0".repeat(64), seq: 1, time: "t", type: "decision" };
    for (const text of [
      '{"b":1,"a":2}', // keys out of order
      '{"a":1,"a":1}', // duplicate key
      '{"a": 1}', // whitespace
      '{"a":1.0}', // a number not as JSON.stringify writes it
      '{"a":-0}',
      '{"a":01}',
      '{"a":1e5}',
      '{"a":12345678901234567891}', // more digits than the double holds
      '{"a":"\\u0041"}', // an escape (a backslash)
      '{"a":"x\ny"}', // a raw control character
      '{"é":1}', // a non-ASCII key
      '[1]',
      '{}',
      '{"a":1}x',
      canonicalJSON({ ...base, hash: "x" }), // a stored body never holds its hash
      canonicalJSON({ ...base, id: 5 }), // an id that is not a string
      canonicalJSON({ ...base, seq: "1" }),
      canonicalJSON({ ...base, state: "approvals/k" }), // a state that is not an object
      canonicalJSON({ ...base, state: { table: "t" } }),
      canonicalJSON({ ...base, state: { key: 1, table: "t" } }),
      canonicalJSON({ ...base, action_id: 3 }),
    ]) {
      expect(scan(text).ok, text).toBe(false);
    }
    expect(scan(canonicalJSON(base)).ok).toBe(true);
    expect(scan(canonicalJSON({ ...base, hash: "x" }), true).ok).toBe(true);
  });
});
