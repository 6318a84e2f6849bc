// The WebAssembly runtime on its own: values, JSON and Rego text, documents, the ABI entry points.
import { beforeAll, describe, expect, it } from "vitest";
import { unmarshal } from "../../src/builtins/jsontext.ts";
import { toJSONText } from "../../src/values/value.ts";
import { loadRuntime, type Runtime } from "./runtime-harness.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await loadRuntime();
}, 600_000); // the first run compiles the runtime

describe("JSON", () => {
  const cases = [
    `null`,
    `true`,
    `[false, null, "x"]`,
    `0`,
    `-12`,
    `9223372036854775807`,
    `-9223372036854775808`,
    `123456789012345678901234567890`,
    `-98765432109876543210`,
    `1e3`,
    `2.0`,
    `1.5e30`,
    `1e400`,
    `0.1`,
    `-2.5e-7`,
    `3.141592653589793`,
    `1.7976931348623157e308`,
    `5e-324`,
    `"plain"`,
    `"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0001 \\u00e9 \\ud83d\\ude00"`,
    `"unicode: é ü 日本 😀"`,
    `{"b": 1, "a": [1, 2, {"z": null, "y": true}], "": {}}`,
    `{"k": 1, "k": 2}`,
    `[[], {}, [[]], {"a": {"b": {"c": []}}}]`,
    `  { "spaced" : [ 1 , 2 ] }  `,
  ];
  it.each(cases)("round-trips %s", (text) => {
    const v = rt.json(text);
    expect(v).not.toBe(0);
    expect(rt.dumpJSON(v)).toBe(toJSONText(unmarshal(text)));
  });

  it.each([``, `{`, `[1,]`, `{"a" 1}`, `01`, `1.`, `-`, `"\\x"`, `"a`, `tru`, `[1] x`, `{1: 2}`, `"\u0001"`])(
    "rejects %j",
    (text) => {
      expect(rt.json(text)).toBe(0);
    },
  );

  it("reads a lone surrogate escape as U+FFFD, as Go does", () => {
    expect(rt.dumpJSON(rt.json(`"a\\ud800b\\udc00"`))).toBe(`"a\ufffdb\ufffd"`);
  });

  it("sorts objects and sets of any size in any key order, the last of a duplicate key winning", () => {
    // Sizes either side of the small-collection sort (16 members) and the merge sort beyond it.
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + (trial % 40);
      const members = Array.from({ length: n }, (_, i) => [`k${(i * 7 + trial) % Math.max(1, n - (trial % 3))}`, i] as const);
      const text = `{${members.map(([k, v]) => `"${k}": ${v}`).join(", ")}}`;
      expect(rt.dumpJSON(rt.json(text))).toBe(toJSONText(unmarshal(text)));
      const set = `{${members.map(([k]) => `"${k}"`).join(", ")}}`;
      const want = `{${[...new Set(members.map(([k]) => `"${k}"`))].sort().join(",")}}`;
      expect(rt.dumpValue(rt.value(set))).toBe(want);
    }
  });

  it("reads a 10,000-key object without quadratic work", () => {
    const keys = Array.from({ length: 10000 }, (_, i) => `"k${(i * 7919) % 10000}": ${i}`);
    const start = performance.now();
    const v = rt.json(`{${keys.join(",")}}`);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(rt.exports.warden_length(v)).toBe(10000);
    const dumped = JSON.parse(rt.dumpJSON(v)) as Record<string, number>;
    expect(Object.keys(dumped)).toEqual(Object.keys(dumped).sort());
  });
});

describe("Rego value text", () => {
  it.each([
    [`{1, 2}`, `{1,2}`],
    [`{3, 1, 2, 1}`, `{1,2,3}`],
    [`set()`, `set()`],
    [`{"a": {3, 1}, "b": set()}`, `{"a":{1,3},"b":set()}`],
    [`{{1}, [0], "s", 2, null, true, false, {"o": 1}}`, `{null,false,true,2,"s",[0],{"o":1},{1}}`],
    [`{[1, 2]: "array key", 1: "number key"}`, `{1:"number key",[1,2]:"array key"}`],
  ])("%s dumps as %s", (text, expected) => {
    expect(rt.dumpValue(rt.value(text))).toBe(expected);
  });

  it("writes sets as arrays and non-string keys as their JSON text in JSON", () => {
    expect(rt.dumpJSON(rt.value(`{"s": {2, 1}, 1: {[1, "a"]: true}}`))).toBe(`{"1":{"[1,\\"a\\"]":true},"s":[1,2]}`);
  });
});

describe("order and equality", () => {
  const ordered = [
    `null`, `false`, `true`, `-1e400`, `-5`, `0.5`, `1`, `1.5`, `9223372036854775807`, `123456789012345678901234567890`, `1e30`,
    `""`, `"A"`, `"a"`, `"aa"`, `"é"`, `[]`, `[1]`, `[1, 2]`, `[2]`, `{}`, `{"a": 1}`, `{"a": 2}`, `{"b": 0}`, `set()`, `{1}`, `{1, 2}`, `{2}`,
  ];
  it("orders values as OPA does", () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const c = Math.sign(rt.exports.opa_value_compare(rt.value(ordered[i]!), rt.value(ordered[j]!)));
        expect([ordered[i], ordered[j], c]).toEqual([ordered[i], ordered[j], Math.sign(i - j)]);
      }
    }
  });

  it("ignores how a number is written", () => {
    expect(rt.exports.warden_equal(rt.json(`1`), rt.json(`1.0`))).toBe(1);
    expect(rt.exports.warden_equal(rt.json(`100`), rt.json(`1e2`))).toBe(1);
    expect(rt.exports.warden_equal(rt.json(`{"a": [1]}`), rt.json(`{"a": [1.0]}`))).toBe(1);
    expect(rt.exports.warden_equal(rt.json(`0.1`), rt.json(`0.10`))).toBe(1);
    expect(rt.exports.warden_equal(rt.json(`[1]`), rt.value(`{1}`))).toBe(0);
  });
});

describe("access", () => {
  it("gets object keys, array indexes and set members", () => {
    const x = rt.exports;
    const obj = rt.json(`{"a": 1, "b": [10, 20]}`);
    expect(rt.dumpJSON(x.opa_value_get(obj, rt.json(`"b"`)))).toBe(`[10,20]`);
    expect(x.opa_value_get(obj, rt.json(`"c"`))).toBe(0);
    const arr = x.opa_value_get(obj, rt.json(`"b"`));
    expect(rt.dumpJSON(x.opa_value_get(arr, rt.json(`1`)))).toBe(`20`);
    expect(rt.dumpJSON(x.opa_value_get(arr, rt.json(`1.0`)))).toBe(`20`);
    expect(x.opa_value_get(arr, rt.json(`2`))).toBe(0);
    expect(x.opa_value_get(arr, rt.json(`-1`))).toBe(0);
    expect(x.opa_value_get(arr, rt.json(`0.5`))).toBe(0);
    const set = rt.value(`{"x", 2}`);
    expect(rt.dumpJSON(x.opa_value_get(set, rt.json(`2.0`)))).toBe(`2`);
    expect(x.opa_value_get(set, rt.json(`3`))).toBe(0);
  });

  it("measures and iterates collections in Rego order", () => {
    const x = rt.exports;
    const items = (v: number) =>
      Array.from({ length: x.warden_length(v) }, (_, i) => `${rt.dumpValue(x.warden_iter_key(v, i))}=${rt.dumpValue(x.warden_iter_value(v, i))}`);
    expect(items(rt.json(`["a", "b"]`))).toEqual([`0="a"`, `1="b"`]);
    expect(items(rt.json(`{"z": 1, "a": 2}`))).toEqual([`"a"=2`, `"z"=1`]);
    expect(items(rt.value(`{3, 1}`))).toEqual([`1=1`, `3=3`]);
    expect(x.warden_length(rt.json(`"str"`))).toBe(-1);
    expect(x.opa_value_type(rt.value(`set()`))).toBe(7);
  });
});

describe("building", () => {
  it("keeps objects and sets sorted as they are built", () => {
    const x = rt.exports;
    const o = x.opa_object();
    for (const k of [`"m"`, `"a"`, `"z"`, `1`, `"a"`]) x.opa_object_insert(o, rt.json(k), rt.json(k));
    expect(rt.dumpValue(o)).toBe(`{1:1,"a":"a","m":"m","z":"z"}`);
    const s = x.opa_set();
    for (const k of [`3`, `1`, `2.0`, `2`, `1`]) x.opa_set_add(s, rt.json(k));
    expect(rt.dumpValue(s)).toBe(`{1,2,3}`);
    const a = x.opa_array_with_cap(0);
    for (let i = 0; i < 10; i++) x.opa_array_append(a, x.opa_number_int(BigInt(i) as never));
    expect(rt.dumpValue(a)).toBe(`[0,1,2,3,4,5,6,7,8,9]`);
  });

  it("reports conflicting insert_once", () => {
    const x = rt.exports;
    const o = x.opa_object();
    expect(x.warden_object_insert_once(o, rt.json(`"k"`), rt.json(`1`))).toBe(1);
    expect(x.warden_object_insert_once(o, rt.json(`"k"`), rt.json(`1.0`))).toBe(1);
    expect(x.warden_object_insert_once(o, rt.json(`"k"`), rt.json(`2`))).toBe(0);
    expect(rt.dumpValue(o)).toBe(`{"k":1}`);
  });

  it("makes numbers from text", () => {
    const x = rt.exports;
    const num = (t: string) => rt.dumpValue(x.opa_number_ref(...rt.put(t)));
    expect(num(`12345678901234567890123`)).toBe(`12345678901234567890123`);
    expect(num(`1.25`)).toBe(`1.25`);
    expect(num(`1e2`)).toBe(`100`);
    expect(x.opa_number_ref(...rt.put(`abc`))).toBe(0);
  });
});

describe("documents", () => {
  it("merges, with the first object winning a clash", () => {
    const m = rt.exports.opa_value_merge(rt.json(`{"a": {"x": 1}, "b": 1}`), rt.json(`{"a": {"y": 2}, "b": 2, "c": 3}`));
    expect(rt.dumpValue(m)).toBe(`{"a":{"x":1,"y":2},"b":1,"c":3}`);
    expect(rt.exports.opa_value_merge(rt.json(`1`), rt.json(`{}`))).toBe(0);
  });

  it("merges strictly: sets unite, objects merge, different values conflict", () => {
    const x = rt.exports;
    const m = x.warden_merge_strict(rt.value(`{"s": {1}, "o": {"a": 1}, "v": 1}`), rt.value(`{"s": {2}, "o": {"b": 2}, "v": 1.0}`));
    expect(rt.dumpValue(m)).toBe(`{"o":{"a":1,"b":2},"s":{1,2},"v":1}`);
    expect(x.warden_merge_strict(rt.json(`{"v": 1}`), rt.json(`{"v": 2}`))).toBe(0);
    expect(x.warden_merge_strict(rt.json(`{"o": {"v": 1}}`), rt.json(`{"o": {"v": 2}}`))).toBe(0);
  });

  it("upserts along a path without touching the original", () => {
    const x = rt.exports;
    const doc = rt.json(`{"a": {"b": 1, "c": 2}, "d": 3}`);
    const up = x.warden_upsert(doc, rt.json(`["a", "b"]`), rt.json(`10`));
    expect(rt.dumpValue(up)).toBe(`{"a":{"b":10,"c":2},"d":3}`);
    expect(rt.dumpValue(doc)).toBe(`{"a":{"b":1,"c":2},"d":3}`);
    expect(rt.dumpValue(x.warden_upsert(0, rt.json(`["x", "y"]`), rt.json(`true`)))).toBe(`{"x":{"y":true}}`);
    expect(rt.dumpValue(x.warden_upsert(doc, rt.json(`["d", "e"]`), rt.json(`1`)))).toBe(`{"a":{"b":1,"c":2},"d":{"e":1}}`);
  });

  it("adds and removes data paths in place", () => {
    const x = rt.exports;
    const data = rt.json(`{"a": {"b": 1}}`);
    expect(x.opa_value_add_path(data, rt.json(`["a", "c", "d"]`), rt.json(`2`))).toBe(0);
    expect(x.opa_value_add_path(data, rt.json(`["a", "b"]`), rt.json(`3`))).toBe(0);
    expect(rt.dumpValue(data)).toBe(`{"a":{"b":3,"c":{"d":2}}}`);
    expect(x.opa_value_add_path(data, rt.json(`["a", "b", "x"]`), rt.json(`1`))).toBe(2);
    expect(x.opa_value_add_path(data, rt.json(`[]`), rt.json(`1`))).toBe(3);
    expect(x.opa_value_remove_path(data, rt.json(`["a", "c"]`))).toBe(0);
    expect(x.opa_value_remove_path(data, rt.json(`["nope", "c"]`))).toBe(0);
    expect(rt.dumpValue(data)).toBe(`{"a":{"b":3}}`);
  });
});

describe("ABI", () => {
  /** A stand-in for generated code: the result set {{"result": [entrypoint, input, data.k]}}. */
  function echoDispatch(entrypoint: number, input: number, data: number): number {
    const x = rt.exports;
    const arr = x.opa_array_with_cap(3);
    x.opa_array_append(arr, x.opa_number_int(BigInt(entrypoint) as never));
    x.opa_array_append(arr, input || x.opa_null());
    x.opa_array_append(arr, x.opa_value_get(data, rt.json(`"k"`)) || x.opa_null());
    const row = x.opa_object();
    x.opa_object_insert(row, rt.json(`"result"`), arr);
    const rs = x.opa_set();
    x.opa_set_add(rs, row);
    return rs;
  }

  it("exports its ABI version", () => {
    const g = (name: string) => (rt.exports[name] as unknown as WebAssembly.Global).value;
    expect([g("opa_wasm_abi_version"), g("opa_wasm_abi_minor_version")]).toEqual([1, 3]);
  });

  it("evaluates through a context", () => {
    const x = rt.exports;
    rt.dispatch = echoDispatch;
    const ctx = x.opa_eval_ctx_new();
    x.opa_eval_ctx_set_input(ctx, rt.json(`{"in": 1}`));
    x.opa_eval_ctx_set_data(ctx, rt.json(`{"k": "v"}`));
    x.opa_eval_ctx_set_entrypoint(ctx, 2);
    expect(x.eval(ctx)).toBe(0);
    expect(rt.dumpJSON(x.opa_eval_ctx_get_result(ctx))).toBe(`[{"result":[2,{"in":1},"v"]}]`);
  });

  it("evaluates in one call from a heap pointer (ABI 1.2)", () => {
    const x = rt.exports;
    rt.dispatch = echoDispatch;
    const data = rt.json(`{"k": 7}`);
    const base = x.opa_heap_ptr_get();
    const input = new TextEncoder().encode(`{"n": [1, 2]}`);
    new Uint8Array(rt.memory.buffer).set(input, base);
    const out = x.opa_eval(0, 1, data, base, input.length, base + input.length, 0);
    expect(rt.cstring(out)).toBe(`[{"result":[1,{"n":[1,2]},7]}]`);
    const noInput = x.opa_eval(0, 0, data, 0, 0, base, 1);
    expect(rt.cstring(noInput)).toBe(`{{"result":[0,null,7]}}`);
  });

  it("resets the heap to a saved pointer", () => {
    const x = rt.exports;
    const saved = x.opa_heap_ptr_get();
    rt.json(`{"some": ["garbage", 1, 2, 3]}`);
    expect(x.opa_heap_ptr_get()).toBeGreaterThan(saved);
    x.opa_heap_ptr_set(saved);
    expect(x.opa_heap_ptr_get()).toBe(saved);
    const again = x.opa_malloc(8);
    expect(again).toBeGreaterThanOrEqual(saved);
    expect(again).toBeLessThan(saved + 16);
  });

  it("grows memory as the heap needs it", () => {
    const before = rt.memory.buffer.byteLength;
    const big = `[${Array.from({ length: 60000 }, (_, i) => `"item-${i}"`).join(",")}]`;
    const v = rt.json(big);
    expect(rt.exports.warden_length(v)).toBe(60000);
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(before);
  });

  it("aborts through opa_abort", () => {
    const [msg] = rt.put("boom\0");
    expect(() => rt.exports.warden_abort(msg!)).toThrow("opa_abort: boom");
  });
});
