// The thin driver reads a Warden module's result set from memory (src/wasm/result-reader.ts).
// What it gives must be exactly what the stock SDK gives for the same evaluation (the module's
// JSON dump, parsed): checked on generated JSON documents, on values only evaluation makes (sets,
// floats, big and negative numbers, bytes that are not UTF-8, keys JSON.parse treats apart), and
// across data set again at the same addresses.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { instantiateModule, type WardenInstance } from "../../src/wasm/sdk.ts";

const policy = `package r

echo := input

made := {
	"set": {x | some x in input.xs},
	"third": input.n / 3,
	"neg": 0 - 9007199254740993,
	"float_zero": input.n * -0.0,
	"tiny": 0.000001 * input.n,
	"keys": {"__proto__": 1, "10": "ten", "2": "two", "b": [true, null]},
	"nested": [[{"k": {1, 2}}]],
}

# Read by the dump: a number kept as decimal text, bytes that are not UTF-8, a U+FFFD that might
# stand for them.
odd := {"big": 123456789012345678901234567890, "bytes": base64.decode("/w=="), "fffd": "\\ufffd"}

from_data := data.words
`;

let instance: WardenInstance;
const ids: Record<string, number> = {};

beforeAll(async () => {
  const mod = await compileWasm(planSources([{ file: "r.rego", text: policy }], ["r/echo", "r/made", "r/odd", "r/from_data"]), {});
  instance = await instantiateModule(mod.wasm, { builtins: Object.keys(mod.builtins) });
  Object.assign(ids, (instance.policy as unknown as { entrypoints: Record<string, number> }).entrypoints);
});

/** The driver's answer and the SDK's, for one input. */
function both(entrypoint: string, input: unknown): [unknown, unknown] {
  const text = JSON.stringify(input);
  return [instance.evaluateJSON!(ids[entrypoint]!, text), instance.policy.evaluate(input, entrypoint)];
}

/** Equal as JSON.parse's values are: same keys in the same order, -0 told from 0. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

describe("the driver's result, read from memory", () => {
  it("is the SDK's for any JSON document echoed back", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (doc) => {
        const [driver, sdk] = both("r/echo", { doc });
        expect(same(driver, sdk)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it("is the SDK's for strings of any code points, keys included", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "binary" }), fc.string({ unit: "binary" })), (doc) => {
        const [driver, sdk] = both("r/echo", doc);
        expect(same(driver, sdk)).toBe(true);
      }),
      { numRuns: 800 },
    );
  });

  it("is the SDK's for values only evaluation makes", () => {
    for (const n of [1, 7, -3, 0, 1e300, 2.5]) {
      const [driver, sdk] = both("r/made", { xs: [3, "a", [1], { b: 2 }, null, 3], n });
      expect(same(driver, sdk)).toBe(true);
    }
    const [driver] = both("r/made", { xs: [], n: 1 });
    const made = (driver as Array<{ result: Record<string, unknown> }>)[0]!.result;
    // The cases are what they claim: a prototype key kept as data, a zero that is not negative.
    expect(Object.getPrototypeOf(made.keys)).toBe(Object.prototype);
    expect(Object.hasOwn(made.keys as object, "__proto__")).toBe(true);
    expect(Object.is(made.float_zero, -0)).toBe(false);
    const [odd, oddSdk] = both("r/odd", {});
    expect(same(odd, oddSdk)).toBe(true);
    expect(odd).toEqual([{ result: { big: 1.2345678901234568e29, bytes: "\ufffd", fffd: "\ufffd" } }]);
  });

  it("is the SDK's for number texts JSON.stringify never writes (negative zero, underflow, exponents)", () => {
    for (const n of ["-0.0", "-0", "0.0", "-1e-400", "1e-400", "1E2", "-2.50", "9007199254740993", "1e400"]) {
      const text = `{"n":${n},"m":[${n}]}`;
      let sdk: unknown;
      try {
        sdk = instance.policy.evaluate(new TextEncoder().encode(text).buffer, "r/echo");
      } catch (e) {
        expect(() => instance.evaluateJSON!(ids["r/echo"]!, text)).toThrow();
        continue;
      }
      expect(same(instance.evaluateJSON!(ids["r/echo"]!, text), sdk)).toBe(true);
    }
  });

  it("follows data set again at the same addresses", () => {
    for (const words of ["aaaa", "bbbb", "cccc"]) {
      instance.policy.setData({ words: { w: words } });
      const [driver, sdk] = both("r/from_data", {});
      expect(driver).toEqual([{ result: { w: words } }]);
      expect(same(driver, sdk)).toBe(true);
    }
  });
});
