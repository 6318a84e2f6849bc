// Policies that hold large literal tables (test fixtures, allow-lists, OPA's own JSON-patch
// cases) plan on both engines: a constant array, set or object is built without a planner
// continuation per element, which used to overflow the stack at a few thousand terms; so is a
// long array of refs, whose elements each have one value.
import { describe, expect, it } from "vitest";
import { irEngine } from "../../src/engines/ir.ts";
import { wasmEngine } from "../../src/engines/wasm.ts";
import { toJSON } from "../../src/values/value.ts";

const rows = 20_000;
const table = Array.from({ length: rows }, (_, i) => `{"id": ${i}, "tags": ["t${i % 7}", "x"], "limits": {"max": ${i * 2}, "on": ${i % 2 === 0}}}`).join(",\n  ");
const module = `package big

rows := [
  ${table}
]

ids := {r.id | some r in rows; r.limits.on}

ok if {
  count(rows) == ${rows}
  rows[${rows - 1}].limits.max == ${(rows - 1) * 2}
  {"t0", "x"} == {t | some t in rows[7].tags}
}
`;

const refs = 5_000;
const fields = `package wide

xs := [${Array.from({ length: refs }, (_, i) => `input.a${i}`).join(", ")}]
`;
const wideInput = Object.fromEntries(Array.from({ length: refs }, (_, i) => [`a${i}`, i]));

describe("large literal tables", () => {
  for (const engine of [irEngine, wasmEngine]) {
    it(`an array of ${refs} refs on ${engine.name}`, { timeout: 120_000 }, async () => {
      const [b] = await engine.run({ modules: [{ file: "wide.rego", text: fields }], query: "n := count(data.wide.xs); last := data.wide.xs[4999]", input: wideInput });
      expect(toJSON(b!.get("n")!)).toBe(refs);
      expect(toJSON(b!.get("last")!)).toBe(refs - 1);
      expect(await engine.run({ modules: [{ file: "wide.rego", text: fields }], query: "x := data.wide.xs", input: { a0: 0 } })).toEqual([]);
    });
    it(`${rows} nested rows on ${engine.name}`, { timeout: 120_000 }, async () => {
      const [b] = await engine.run({ modules: [{ file: "big.rego", text: module }], query: "data.big.ok = ok; n := count(data.big.ids)" });
      expect(toJSON(b!.get("ok")!)).toBe(true);
      expect(toJSON(b!.get("n")!)).toBe(rows / 2);
    });
  }
});
