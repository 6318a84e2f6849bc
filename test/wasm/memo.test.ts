// Per-evaluation memoisation in generated modules (codegen.ts, memoGlobals): the same answers as
// the IR interpreter and as a module built without it, under `with` too, evaluation after
// evaluation (the memo table goes with the heap); through the stock SDK and the thin driver.
import { describe, expect, it } from "vitest";
import { planSources } from "../../src/pipeline.ts";
import { compileWasm } from "../../src/wasm/compile.ts";
import { instantiateModule, sdkError, type WardenInstance } from "../../src/wasm/sdk.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { fromJSON, toJSON } from "../../src/values/value.ts";
import { isBudgetExceeded } from "../../src/errors.ts";

const policy = `package m

import rego.v1

q := input.v * 2

s := q + 1

d := data.k

total := count([x | some x in data.xs])

big if {
	total > 0
	total > 1
	total > 2
	total > 3
	total > 4
	total > 5
	total > 6
	total > 7
	total > 8
	total > 9
}

# the document under with and around it: outer values must not leak into the replaced context
# and replaced values must not leak out
results := [a, b, c, e, f, g, h, i, j] if {
	a := q
	b := q with input.v as 10
	c := q
	e := s
	f := s with input.v as 5
	g := s
	h := d
	i := d with data.k as "x"
	j := d
}

inner := [x, y] if {
	x := s
	y := s with input.v as 7
}

nested := [a, b, c] if {
	a := s
	b := inner with input.v as 3
	c := s
}

f(x) := x + q

calls := [a, b, c] if {
	a := f(1)
	b := f(1) with input.v as 100
	c := f(1)
}

mocked := [a, b, c] if {
	a := total
	b := total with count as 42
	c := total
}
`;

const entrypoints = ["m/results", "m/nested", "m/calls", "m/mocked", "m/big"];
const data = { k: "k", xs: Array.from({ length: 100 }, (_, i) => i) };

async function load(memoize: boolean): Promise<WardenInstance> {
  const mod = await compileWasm(planSources([{ file: "m.rego", text: policy }], entrypoints), { memoize });
  const instance = await instantiateModule(mod.wasm, { builtins: Object.keys(mod.builtins) });
  instance.policy.setData(data);
  return instance;
}

function viaDriver(instance: WardenInstance, entrypoint: string, input: unknown): unknown {
  const id = (instance.policy as unknown as { entrypoints: Record<string, number> }).entrypoints[entrypoint]!;
  return instance.evaluateJSON!(id, input === undefined ? undefined : JSON.stringify(input));
}

describe("memoised documents in generated modules", () => {
  it("give the interpreter's answers, under with too, evaluation after evaluation", async () => {
    const ir = new Interpreter(planSources([{ file: "m.rego", text: policy }], entrypoints));
    const memo = await load(true);
    const plain = await load(false);
    expect(memo.evaluateJSON).toBeDefined();
    for (const v of [1, 2, 3, 1]) {
      const input = { v };
      for (const e of entrypoints) {
        const want = ir.eval(e, { input: fromJSON(input), data: fromJSON(data) }).map((r) => toJSON(r));
        expect(memo.policy.evaluate(input, e)).toEqual(want);
        expect(viaDriver(memo, e, input)).toEqual(want);
        expect(plain.policy.evaluate(input, e)).toEqual(want);
      }
    }
    expect(memo.policy.evaluate({ v: 1 }, "m/results")).toEqual([{ result: [2, 20, 2, 3, 11, 3, "k", "x", "k"] }]);
    expect(memo.policy.evaluate({ v: 1 }, "m/nested")).toEqual([{ result: [3, [7, 15], 3] }]);
    expect(memo.policy.evaluate({ v: 1 }, "m/calls")).toEqual([{ result: [3, 201, 3] }]);
    expect(memo.policy.evaluate({ v: 1 }, "m/mocked")).toEqual([{ result: [100, 42, 100] }]);
  }, 600_000);

  it("run a document once per evaluation (ten uses of a 100-step rule fit a 300-step budget)", async () => {
    const memo = await load(true);
    const plain = await load(false);
    memo.setStepLimit(300);
    plain.setStepLimit(300);
    for (let i = 0; i < 3; i++) expect(memo.policy.evaluate({}, "m/big")).toEqual([{ result: true }]);
    let error: unknown;
    try {
      plain.policy.evaluate({}, "m/big");
    } catch (e) {
      error = sdkError(e, plain);
    }
    expect(error !== undefined && isBudgetExceeded(error as never)).toBe(true);
  }, 600_000);

  it("keep memory flat through the driver (memo tables go with the heap)", async () => {
    const memo = await load(true);
    const memory = (memo.policy as unknown as { mem: WebAssembly.Memory }).mem;
    for (let i = 0; i < 500; i++) viaDriver(memo, entrypoints[i % entrypoints.length]!, { v: i });
    const warm = memory.buffer.byteLength;
    for (let i = 0; i < 20_000; i++) viaDriver(memo, entrypoints[i % entrypoints.length]!, { v: i });
    expect(memory.buffer.byteLength).toBe(warm);
    expect(viaDriver(memo, "m/results", { v: 4 })).toEqual([{ result: [8, 20, 8, 9, 11, 9, "k", "x", "k"] }]);
  }, 600_000);
});

describe("the thin driver when memory grows", () => {
  it("reads results after the module grows its memory, and takes inputs larger than the memory", async () => {
    const text = `package g\n\nimport rego.v1\n\nwide := concat("", [x | some i in numbers.range(1, input.n); x := "abcdefghij"])\n\necho := input\n`;
    const mod = await compileWasm(planSources([{ file: "g.rego", text }], ["g/wide", "g/echo"]), {});
    const instance = await instantiateModule(mod.wasm, { builtins: Object.keys(mod.builtins) });
    const memory = (instance.policy as unknown as { mem: WebAssembly.Memory }).mem;
    const start = memory.buffer.byteLength;
    // The module's heap outgrows the memory during the evaluation (the driver's view is detached).
    expect(viaDriver(instance, "g/wide", { n: 3 })).toEqual([{ result: "abcdefghij".repeat(3) }]);
    const long = viaDriver(instance, "g/wide", { n: 200_000 }) as { result: string }[];
    expect(long[0]!.result.length).toBe(2_000_000);
    expect(memory.buffer.byteLength).toBeGreaterThan(start);
    // An input larger than the memory now is written after growing it first; multi-byte UTF-8 too.
    const big = { s: "é€𝄞".repeat(300_000) };
    expect(viaDriver(instance, "g/echo", big)).toEqual([{ result: big }]);
    expect(viaDriver(instance, "g/wide", { n: 2 })).toEqual([{ result: "abcdefghij".repeat(2) }]);
  }, 600_000);
});
