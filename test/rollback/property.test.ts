// For any JSON documents before and after: forward turns before into after, inverse turns after back
// into before, and planRollback over the exact after-state restores before.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJSON } from "../../src/canonical-json.ts";
import { captureChange, planRollback } from "../../src/rollback/index.ts";
import { applyToCopy } from "../../src/rollback/patch.ts";

// Keys fast-json-patch refuses to patch are refused by captureChange (tested elsewhere).
const banned = (v: unknown): boolean =>
  v !== null && typeof v === "object" && Object.entries(v).some(([k, x]) => k === "__proto__" || k === "prototype" || banned(x));
const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !banned(v));
// Pairs that share structure, so that patches go deep rather than replace the root.
const related = json.chain((a) => fc.tuple(fc.constant(a), fc.oneof(json, mutate(a))));

function mutate(v: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(v)) {
    return fc.oneof(
      fc.constant(v.slice(1)),
      fc.constant([...v, 7]),
      v.length > 0 ? fc.nat(v.length - 1).chain((i) => mutate(v[i]).map((x) => v.map((y, j) => (j === i ? x : y)))) : fc.constant([{ k: 1 }]),
    );
  }
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    return fc.oneof(
      fc.constant({ ...v, added: [1, { deep: true }] }),
      keys.length > 0 ? fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(v).filter(([x]) => x !== k))) : fc.constant({ a: null }),
      keys.length > 0 ? fc.constantFrom(...keys).chain((k) => mutate((v as Record<string, unknown>)[k]).map((x) => ({ ...v, [k]: x }))) : fc.constant([]),
    );
  }
  return json;
}

const same = (a: unknown, b: unknown) => canonicalJSON(a) === canonicalJSON(b);

describe("rollback records round-trip (property)", () => {
  it("forward(before) = after and inverse(after) = before", () => {
    fc.assert(
      fc.property(related, ([before, after]) => {
        const r = captureChange("act-1", "doc", before, after);
        expect(same(applyToCopy(before, r.forward!), after)).toBe(true);
        expect(same(applyToCopy(after, r.inverse!), before)).toBe(true);
        const p = planRollback(r, after);
        expect(p.ok && same(p.restored, before)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
