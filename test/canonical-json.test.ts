// canonicalJSON is written for speed (src/canonical-json.ts); here it is held to the plain
// definition: keys sorted at every depth, undefined members left out, everything else as
// JSON.stringify writes it, and no value JSON cannot hold.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJSON } from "../src/canonical-json.ts";

function reference(v: unknown): string {
  if (v === null || typeof v !== "object") {
    if (v === undefined || typeof v === "function" || typeof v === "symbol" || typeof v === "bigint") throw new TypeError("not JSON");
    if (typeof v === "number" && !Number.isFinite(v)) throw new TypeError("not JSON");
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(reference).join(",")}]`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${reference(x)}`).join(",")}}`;
}

const outcome = (f: () => string) => {
  try {
    return f();
  } catch {
    return "refused";
  }
};

describe("canonicalJSON", () => {
  it("is the plain definition on arbitrary values (JSON documents, and values JSON cannot hold)", () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => canonicalJSON(v) === reference(v)), { numRuns: 3000 });
    const anything = fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true, withDate: true });
    fc.assert(fc.property(anything, (v) => outcome(() => canonicalJSON(v)) === outcome(() => reference(v))), { numRuns: 3000 });
  });

  it("sorts keys by UTF-16 code units, integer-like keys included, and parses back to an equal document", () => {
    const doc = { b: 1, a: { "10": true, "9": null, "": [1.5, -0, "é"] }, "\u{1f600}": 2, "\uffff": 3, z: undefined };
    expect(canonicalJSON(doc)).toBe('{"a":{"":[1.5,0,"é"],"10":true,"9":null},"b":1,"\u{1f600}":2,"\uffff":3}'); // U+1F600 is D83D DE00 in UTF-16, before FFFF
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(JSON.parse(canonicalJSON(v))).toEqual(JSON.parse(JSON.stringify(v)));
    }), { numRuns: 1000 });
  });

  it("refuses what JSON cannot hold, wherever it is", () => {
    for (const bad of [undefined, NaN, Infinity, 1n, () => 1, Symbol("s"), [1, undefined], { a: [NaN] }, { a: { b: 2n } }]) {
      expect(() => canonicalJSON(bad), String(bad)).toThrow(TypeError);
    }
  });
});
