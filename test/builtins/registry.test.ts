import { describe, expect, it } from "vitest";
import { BUILTINS, lookupBuiltin } from "../../src/builtins/registry.ts";

describe("registry", () => {
  it("has the built-ins OPA's conformance cases call", () => {
    const used = [
      "count", "sum", "product", "max", "min", "sort", "all", "any", "plus", "minus", "mul", "div", "rem",
      "abs", "round", "ceil", "floor", "numbers.range", "array.concat", "array.slice", "array.reverse",
      "and", "or", "intersection", "union", "object.get", "object.keys", "object.remove", "object.filter",
      "object.union", "object.union_n", "object.subset", "concat", "contains", "startswith", "endswith",
      "format_int", "indexof", "indexof_n", "lower", "upper", "replace", "strings.replace_n", "split",
      "sprintf", "substring", "trim", "trim_left", "trim_prefix", "trim_right", "trim_suffix", "trim_space",
      "strings.reverse", "strings.any_prefix_match", "strings.any_suffix_match", "strings.count",
      "is_number", "is_string", "is_boolean", "is_array", "is_set", "is_object", "is_null", "type_name",
      "to_number", "walk", "graph.reachable", "graph.reachable_paths", "units.parse_bytes", "base64.decode",
      "time.now_ns", "http.send", "io.jwt.decode_verify", "opa.runtime", "internal.member_2", "internal.member_3",
    ];
    expect(used.filter((name) => lookupBuiltin(name) === undefined)).toEqual([]);
  });

  it("marks relations and non-deterministic built-ins", () => {
    expect(lookupBuiltin("walk")?.relation).toBe(true);
    for (const name of ["time.now_ns", "rand.intn", "uuid.rfc4122", "http.send"]) {
      expect(lookupBuiltin(name)?.nondeterministic).toBe(true);
    }
    expect(lookupBuiltin("count")?.nondeterministic).toBeUndefined();
  });

  it("gives infix spellings and signatures", () => {
    expect(lookupBuiltin("plus")?.infix).toBe("+");
    expect(lookupBuiltin("count")?.signature.args).toHaveLength(1);
    for (const def of BUILTINS.values()) expect(def.signature.result).toBeDefined();
  });
});
