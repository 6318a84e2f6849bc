// Native built-ins of the WebAssembly runtime against the TypeScript library: same answers.
import { beforeAll, describe, expect, it } from "vitest";
import type { BuiltinDef } from "../../src/builtins/builtin.ts";
import { CASTS } from "../../src/builtins/casts.ts";
import { ENCODING } from "../../src/builtins/encoding.ts";
import { BUILTINS } from "../../src/builtins/registry.ts";
import { STRINGS } from "../../src/builtins/strings.ts";
import { TYPECHECKS } from "../../src/builtins/typechecks.ts";
import { nativeBuiltinExport } from "../../src/wasm/runtime-api.ts";
import { BigNumber, ObjectValue, SetValue, parseNumber, toJSONText, toText, typeName, type Value } from "../../src/values/value.ts";
import { loadRuntime, type Runtime } from "./runtime-harness.ts";

// Families not (yet) in the registry are looked up in their own modules.
const LIBRARY = new Map<string, BuiltinDef>([...[...STRINGS, ...TYPECHECKS, ...CASTS, ...ENCODING].map((d) => [d.name, d] as const), ...BUILTINS]);

const S = (...xs: Value[]) => SetValue.of(xs);
const O = (...kvs: [Value, Value][]) => ObjectValue.fromEntries(kvs);
const N = (text: string) => parseNumber(text)!;
const big = N("123456789012345678901234567890");

/** What the TypeScript library answers: a value, or undefined (including on errors). */
function reference(name: string, args: Value[]): Value | undefined {
  const def = LIBRARY.get(name);
  if (!def) throw new Error(`no reference for ${name}`);
  try {
    return def.impl(args, { nowNs: 0n, random: () => 0, cache: new Map() });
  } catch {
    return undefined;
  }
}

/** [built-in, ...arguments] */
const CASES: [string, ...Value[]][] = [
  // comparison
  ["equal", 1, N("1.0")], ["equal", "a", "a"], ["equal", S(1, 2), S(2, 1)], ["equal", [1], S(1)], ["equal", null, false],
  ["neq", 1, 2], ["neq", O(["a", 1]), O(["a", 1])],
  ["lt", 1, 2], ["lt", "b", "a"], ["lt", null, false], ["lt", [1, 2], [1, 3]], ["lt", O(), S()], ["lt", big, 1],
  ["lte", 2, 2], ["gt", "é", "z"], ["gt", 0.5, 0.25], ["gte", S(1), S()],
  // arithmetic
  ["plus", 1, 2], ["plus", 0.1, 0.2], ["plus", 9007199254740991, 2], ["plus", N("9223372036854775807"), 0], ["plus", 1.5, 2],
  ["plus", "1", 2], ["plus", -0.5, 0.5],
  ["minus", 5, 7], ["minus", 0.3, 0.1], ["minus", S(1, 2, 3), S(2)], ["minus", S(1), 1], ["minus", "a", 1],
  ["mul", 6, 7], ["mul", 0.1, 3], ["mul", 1.5, 1.5], ["mul", -2, 0.25],
  ["div", 7, 2], ["div", 6, 3], ["div", 1, 3], ["div", 0.3, 0.1], ["div", 1, 0], ["div", 10, -4], ["div", 2.5, 0.5],
  ["rem", 7, 3], ["rem", -7, 3], ["rem", 7, 0], ["rem", 7.5, 2], ["rem", 6, N("3.0")],
  ["abs", -3], ["abs", 2.5], ["abs", -0.5], ["abs", "x"],
  ["round", 2.5], ["round", -2.5], ["round", 2.4], ["round", 7], ["ceil", 1.1], ["ceil", -1.1], ["floor", -1.1], ["floor", 3],
  // aggregates
  ["count", "héllo"], ["count", [1, 2]], ["count", O(["a", 1])], ["count", S()], ["count", 5],
  ["sum", [1, 2, 3.5]], ["sum", S(0.1, 0.2)], ["sum", []], ["sum", [1, "a"]],
  ["product", [2, 3, 4]], ["product", []], ["product", S(0.5, 4)],
  ["max", [3, 1, 2]], ["max", S("a", "b")], ["max", []], ["min", [3, 1, 2]], ["min", S(1, "a", null)],
  ["sort", [3, "a", 1, null, [1], 2]], ["sort", S(3, 1)], ["sort", [2, 1, 2]], ["sort", "x"],
  ["all", [true, true]], ["all", [true, 1]], ["all", []], ["any", S(false, true)], ["any", []],
  // sets
  ["and", S(1, 2, 3), S(2, 3, 4)], ["and", S(1), [1]], ["or", S(1, 3), S(2, 3)],
  ["intersection", S(S(1, 2), S(2, 3))], ["intersection", S()], ["union", S(S(1), S(2), S())], ["union", S(1)],
  // types
  ["is_number", 1], ["is_number", "1"], ["is_string", "s"], ["is_boolean", false], ["is_array", []], ["is_set", S()],
  ["is_object", O()], ["is_null", null], ["is_null", 0],
  ["type_name", null], ["type_name", true], ["type_name", 1.5], ["type_name", "s"], ["type_name", []], ["type_name", O()], ["type_name", S()],
  // objects
  ["object.get", O(["a", 1]), "a", 0], ["object.get", O(["a", 1]), "b", "dflt"], ["object.get", O(["a", O(["b", [5, 6]])]), ["a", "b", 1], 0],
  ["object.get", O(["a", [5, 6]]), ["a", "1"], 0], ["object.get", O(["a", 1]), [], 0], ["object.get", [1], 0, 0],
  ["object.keys", O(["b", 1], [1, 2])], ["object.keys", []],
  ["object.remove", O(["a", 1], ["b", 2], ["c", 3]), ["a", "c"]], ["object.remove", O(["a", 1]), S("a")], ["object.remove", O(["a", 1]), O(["a", 0])],
  ["object.remove", O(["a", 1]), "a"],
  ["object.filter", O(["a", 1], ["b", 2]), ["a", "z"]], ["object.filter", O(["a", 1]), S()],
  ["object.union", O(["a", O(["x", 1])], ["b", 1]), O(["a", O(["y", 2])], ["b", 2])], ["object.union", O(), 1],
  ["object.union_n", [O(["a", 1]), O(["a", 2], ["b", 1]), O()]], ["object.union_n", [O(), 1]],
  // arrays
  ["array.concat", [1], [2, 3]], ["array.concat", [], S()],
  ["array.slice", [1, 2, 3, 4], 1, 3], ["array.slice", [1, 2], -5, 10], ["array.slice", [1, 2, 3], 2, 1], ["array.slice", [1], 0.5, 1],
  ["array.reverse", [1, 2, 3]], ["array.reverse", []],
  // membership is not in the library (the compiler emits it); see the dedicated test below
  // strings
  ["concat", ", ", ["a", "b", "c"]], ["concat", "-", S("b", "a")], ["concat", "", []], ["concat", ",", ["a", 1]],
  ["contains", "abcdef", "cde"], ["contains", "abc", ""], ["contains", "abc", "x"],
  ["startswith", "hello", "he"], ["startswith", "he", "hello"], ["endswith", "hello", "llo"], ["endswith", "hello", ""],
  ["lower", "HeLLo ÀÉ ΣΑΣ"], ["upper", "hello àé straße"], ["upper", 1],
  ["indexof", "héllo wörld", "wö"], ["indexof", "abc", "z"], ["indexof", "abc", ""], ["indexof_n", "aaaa", "aa"],
  ["substring", "héllo", 1, 3], ["substring", "héllo", 2, -1], ["substring", "abc", 5, 1], ["substring", "abc", -1, 1], ["substring", "abc", 1, 100],
  ["trim", "  xx  ", " "], ["trim", "abcba", "ab"], ["trim_left", "ééaé", "é"], ["trim_right", "aéé", "é"],
  ["trim_prefix", "prefix-body", "prefix-"], ["trim_prefix", "body", "x"], ["trim_suffix", "body.rego", ".rego"],
  ["trim_space", " \t\n x y \u00a0\u3000"], ["trim_space", ""],
  ["split", "a,b,,c", ","], ["split", "héllo", ""], ["split", "abc", "abc"], ["split", "", ","],
  ["replace", "aXbXc", "X", "--"], ["replace", "abc", "", "-"], ["replace", "aaa", "aa", "b"],
  ["strings.reverse", "héllo😀"], ["strings.count", "cheese", "e"], ["strings.count", "five", ""],
  ["format_int", 255, 16], ["format_int", -255, 2], ["format_int", 3.9, 10], ["format_int", 10, 3], ["format_int", 0, 8],
  // sprintf
  ["sprintf", "%s is %d years", ["Ann", 42]], ["sprintf", "%v|%v|%v|%v", [1.5, "s", [1, "a"], S(2, 1)]], ["sprintf", "%v %v", [null, true]],
  ["sprintf", "%.2f %f %.0f %e %.3e", [2.675, 1.5, 0.5, 123456.789, 0.000123]], ["sprintf", "%g %g %v", [1e-7, 1.5e-5, 123.456]],
  ["sprintf", "%x %X %o %b %#x", [255, 255, 8, 5, 255]], ["sprintf", "%5d|%-5d|%05d|%+d|%.3d", [42, 42, -42, 7, 7]],
  ["sprintf", "%q %x %.2s %6s|%-6s|", ["a\"b\n", "hi", "héllo", "ab", "ab"]], ["sprintf", "%d %s", ["x", 1]],
  ["sprintf", "%d", []], ["sprintf", "%d", [1, 2, "x"]], ["sprintf", "100%% %", []], ["sprintf", "%d %v", [big, big]],
  ["sprintf", "%t", [true]],
  // Go's rune verbs of an integer, and its string quoting (\xNN, \a-style escapes, + for ASCII, # for backquotes)
  ["sprintf", "%q %q %q %c %U %#U %+q %q %q %-4q|", [1, 65, 39, 65, 65, 65, 233, 233, -1, 7]],
  ["sprintf", "%q|%+q|%#q|%#q|%q|%.2q", ["a\u0001b\u007f\t\u0007", "é", "ab", "a`b", "\u00a0\u0085", "héllo"]], ["sprintf", "%8.3f|%-8.2f|%08.3f", [3.14159, -2.5, -3.14159]], ["sprintf", "x", "notarray"],
  // encoding
  ["json.marshal", O(["b", [1, 2.5, null]], ["a", S("<x>", "&")])], ["json.marshal", O([1, "one"], ["a", true])],
  ["json.marshal", "é\n\u2028"], ["json.marshal", big],
  ["json.unmarshal", `{"a": [1, 2.5, "x"]}`], ["json.unmarshal", `[1,`], ["json.unmarshal", ` 12 `],
  ["json.is_valid", `{"a": 1}`], ["json.is_valid", `{a: 1}`], ["json.is_valid", 5],
  // casts
  ["to_number", "42"], ["to_number", "-1.5e3"], ["to_number", "+.5"], ["to_number", "5."], ["to_number", "007"], ["to_number", "0x1"],
  ["to_number", "1e400"], ["to_number", "inf"], ["to_number", ""], ["to_number", true], ["to_number", null], ["to_number", 3.25], ["to_number", []],
];

let rt: Runtime;
beforeAll(async () => {
  rt = await loadRuntime();
}, 600_000); // the first run compiles the runtime

/** A value handed to the runtime through Rego's value text. */
function toRuntime(v: Value): number {
  const p = rt.value(toText(v));
  if (p === 0) throw new Error(`runtime cannot read ${toText(v)}`);
  return p;
}

function label(name: string, args: Value[]): string {
  return `${name}(${args.map(toText).join(", ")})`;
}

describe("native built-ins agree with the TypeScript library", () => {
  it.each(CASES.map(([name, ...args]) => [label(name, args), name, args] as const))("%s", (_, name, args) => {
    const fn = rt.exports[nativeBuiltinExport(name)];
    expect(fn, `export ${nativeBuiltinExport(name)}`).toBeTypeOf("function");
    const saved = rt.exports.opa_heap_ptr_get();
    const result = fn!(...args.map(toRuntime));
    const expected = reference(name, args);
    if (expected === undefined) expect(result).toBe(0);
    else {
      expect(result).not.toBe(0);
      expect([typeName(expected), rt.dumpJSON(result)]).toEqual([
        ["null", "boolean", "number", "string", "array", "object", "set"][rt.exports.opa_value_type(result) - 1],
        toJSONText(expected),
      ]);
    }
    rt.exports.opa_heap_ptr_set(saved);
  });
});

describe("membership", () => {
  const member = (x: Value, xs: Value) => rt.dumpValue(rt.exports.builtin_internal_member_2!(toRuntime(x), toRuntime(xs)));
  const member3 = (k: Value, v: Value, xs: Value) =>
    rt.dumpValue(rt.exports.builtin_internal_member_3!(toRuntime(k), toRuntime(v), toRuntime(xs)));

  it("finds array elements, set members and object values", () => {
    expect(member(2, [1, 2])).toBe("true");
    expect(member(N("2.0"), S(2))).toBe("true");
    expect(member(1, O(["a", 1]))).toBe("true");
    expect(member("a", O(["a", 1]))).toBe("false");
    expect(member(1, "1")).toBe("false");
  });

  it("matches keys and values", () => {
    expect(member3(1, "b", ["a", "b"])).toBe("true");
    expect(member3(0, "b", ["a", "b"])).toBe("false");
    expect(member3("k", 1, O(["k", 1]))).toBe("true");
    expect(member3("x", "x", S("x"))).toBe("true");
    expect(member3(new BigNumber("1", 1n), "b", ["a", "b"])).toBe("true");
  });
});
