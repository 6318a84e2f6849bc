// String and integer constants are static values in the module's data: using one allocates
// nothing, and they survive the heap reset between evaluations.
import { describe, expect, it } from "vitest";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { instantiateModule, type WardenInstance } from "../../src/wasm/sdk.ts";

const policy = `package c

import rego.v1

# Each iteration compares two string constants and an integer constant.
loop := count([i | some i in numbers.range(1, input.n); "abc" != "abd"; i > 0])

words := {"a": "alpha", "b": ["beta", 7, -9007199254740991], "c": {"gamma": 9007199254740991}}

same if "alpha" == words.a
`;

async function load(): Promise<WardenInstance> {
  const mod = await compileWasm(planSources([{ file: "c.rego", text: policy }], ["c/loop", "c/words", "c/same"]), {});
  return instantiateModule(mod.wasm, { builtins: Object.keys(mod.builtins) });
}

function heapAfter(instance: WardenInstance, entrypoint: string, input: unknown): { result: unknown; heap: number } {
  const result = instance.policy.evaluate(input, entrypoint);
  const exports = (instance.policy as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance.exports;
  return { result, heap: (exports.opa_heap_ptr_get as () => number)() };
}

describe("constants in generated modules", () => {
  it("are static: a loop over them allocates nothing per use", async () => {
    const instance = await load();
    const small = heapAfter(instance, "c/loop", { n: 10 });
    const large = heapAfter(instance, "c/loop", { n: 10_010 });
    expect(small.result).toEqual([{ result: 10 }]);
    expect(large.result).toEqual([{ result: 10_010 }]);
    // 10,000 more iterations: the range's numbers, the iteration's locals and the array grow
    // the heap by 64 bytes an iteration; three constants made on each use would add 48 more.
    expect((large.heap - small.heap) / 10_000).toBeLessThan(80);
  });

  it("keep their values across evaluations (below the heap that each evaluation resets)", async () => {
    const instance = await load();
    const want = [{ result: { a: "alpha", b: ["beta", 7, -9007199254740991], c: { gamma: 9007199254740991 } } }];
    for (let i = 0; i < 50; i++) {
      expect(instance.policy.evaluate({}, "c/words")).toEqual(want);
      expect(instance.policy.evaluate({}, "c/same")).toEqual([{ result: true }]);
      expect(instance.policy.evaluate({ n: 3 }, "c/loop")).toEqual([{ result: 3 }]);
    }
  });
});
