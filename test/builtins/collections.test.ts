// Comparison, aggregates, arrays, sets, objects, type checks, graphs and membership.
import { describe, expect, it } from "vitest";
import { call, failure, n, obj, set, text } from "./call.ts";

describe("comparison", () => {
  it("orders values of different types", () => {
    expect(text("lt", 1, "a")).toBe("true");
    expect(text("gt", set(), [])).toBe("true");
    expect(text("equal", 1, 1.0)).toBe("true");
    expect(text("neq", n("28857836529306024611913"), n("28857836529306024611912"))).toBe("true");
    expect(text("lte", [1, 2], [1, 2])).toBe("true");
  });
});

describe("aggregates", () => {
  it("counts runes, elements, keys and members", () => {
    expect(text("count", "åäö")).toBe("3");
    expect(text("count", [1, 2, 3, 4])).toBe("4");
    expect(text("count", { v1: "hello", v2: "goodbye" })).toBe("2");
    expect(text("count", set(1, 2))).toBe("2");
    expect(failure("count", null)).toBe("eval_type_error: operand 1 must be one of {array, object, set, string} but got null");
  });

  it("sums and multiplies arrays and sets", () => {
    expect(text("sum", [1, 2, 3, 4])).toBe("10");
    expect(text("sum", set(1, 2, 3, 4))).toBe("10");
    expect(text("sum", [49649733057, 1])).toBe("49649733058");
    expect(text("sum", [])).toBe("0");
    expect(text("product", [1, 2, 3, 4])).toBe("24");
    expect(failure("sum", [1, "a"])).toBe("eval_type_error: operand 1 must be array of numbers but got array containing string");
  });

  it("finds extremes in Rego order; none in an empty collection", () => {
    expect(text("max", [1, 2, 3, 4])).toBe("4");
    expect(text("min", [3, 2, 1, 4, 6, -7, 10])).toBe("-7");
    expect(text("max", [1, "a", null])).toBe('"a"');
    expect(text("max", [])).toBe("undefined");
  });

  it("sorts", () => {
    expect(text("sort", [4, 3, 2, 1])).toBe("[1, 2, 3, 4]");
    expect(text("sort", set("b", 1, null))).toBe('[null, 1, "b"]');
    expect(failure("sort", "abc")).toBe("eval_type_error: operand 1 must be one of {set, array} but got string");
  });

  it("tests all and any element being true", () => {
    expect(text("all", [])).toBe("true");
    expect(text("all", [{}, "", true, true, 123])).toBe("false");
    expect(text("any", set(false, true))).toBe("true");
    expect(text("any", [])).toBe("false");
  });
});

describe("arrays", () => {
  it("concatenates, slices with clamping, and reverses", () => {
    expect(text("array.concat", [1, 2], [3, 4])).toBe("[1, 2, 3, 4]");
    expect(text("array.slice", [1, 2, 3, 4, 5], 1, 3)).toBe("[2, 3]");
    expect(text("array.slice", [1, 2, 3, 4, 5], -4, -1)).toBe("[]");
    expect(text("array.slice", [1, 2, 3, 4, 5], -1, 2)).toBe("[1, 2]");
    expect(text("array.slice", [1, 2, 3, 4, 5], 4, 1)).toBe("[]");
    expect(text("array.reverse", [1, 2, 3])).toBe("[3, 2, 1]");
  });

  it("reports non-arrays", () => {
    expect(failure("array.concat", [1], { a: 1 })).toBe("eval_type_error: operand 2 must be array but got object");
    expect(failure("array.reverse", { bar: "baz" })).toBe("eval_type_error: operand 1 must be array but got object");
  });
});

describe("sets", () => {
  it("intersects and unites", () => {
    expect(text("and", set(1, 2, 3), set(2, 3, 4))).toBe("{2, 3}");
    expect(text("or", set(1), set(2))).toBe("{1, 2}");
    expect(text("intersection", set(set(1, 2, 3), set(2)))).toBe("{2}");
    expect(text("intersection", set())).toBe("set()");
    expect(text("union", set(set(1, 2, 3), set(2, 3, 4), set(4, 5, 6)))).toBe("{1, 2, 3, 4, 5, 6}");
    expect(failure("and", set(1), [1])).toBe("eval_type_error: operand 2 must be set but got array");
  });
});

describe("objects", () => {
  it("gets by key or path, with a default", () => {
    expect(text("object.get", { a: "b" }, "a", "c")).toBe('"b"');
    expect(text("object.get", { a: "b" }, "c", "c")).toBe('"c"');
    expect(text("object.get", obj([1, 2]), 1, 3)).toBe("2");
    expect(text("object.get", { a: 1 }, [], 2)).toBe('{"a": 1}');
    expect(text("object.get", { a: { b: [{ c: 1 }] } }, ["a", "b", 0, "c"], 2)).toBe("1");
    expect(text("object.get", { a: { b: [1, 2, 3] } }, ["a", "b", "a"], 2)).toBe("2");
    expect(text("object.get", obj([1, obj(["b", obj([[1, 2, 3], 1])])]), [1, "b", [1, 2, 3]], 2)).toBe("1");
    expect(failure("object.get", "object", ["a"], 2)).toBe("eval_type_error: operand 1 must be object but got string");
  });

  it("lists keys, removes and filters", () => {
    expect(text("object.keys", { a: 1, b: 2 })).toBe('{"a", "b"}');
    expect(text("object.remove", { a: 1, b: { c: 3 }, d: 4 }, ["d", "b"])).toBe('{"a": 1}');
    expect(text("object.remove", { a: 1, b: 2 }, { b: 1 })).toBe('{"a": 1}');
    expect(text("object.filter", { a: 1, b: 2, c: 3, e: 9 }, set("a", "e"))).toBe('{"a": 1, "e": 9}');
    expect(failure("object.remove", { a: 1 }, "foo")).toBe(
      "eval_type_error: operand 2 must be one of {object, set, array} but got string",
    );
  });

  it("merges recursively", () => {
    expect(text("object.union", { a: 1, b: { c: 1, d: 1 } }, { b: { d: 2 }, e: 3 })).toBe(
      '{"a": 1, "b": {"c": 1, "d": 2}, "e": 3}',
    );
    expect(text("object.union", { a: { b: 1 } }, { a: 5 })).toBe('{"a": 5}');
    expect(text("object.union_n", [{ a: 1 }, { a: 2, b: 1 }, { c: 3 }])).toBe('{"a": 2, "b": 1, "c": 3}');
    expect(text("object.union_n", [])).toBe("{}");
    expect(failure("object.union_n", [{}, 1])).toBe("eval_type_error: operand 1 must be array of objects but got array containing number");
  });

  it("tests subsets of objects, sets and arrays", () => {
    expect(text("object.subset", { a: 5, b: 7, nested: { x: 10, y: 15 } }, { a: 5, nested: { x: 10 } })).toBe("true");
    expect(text("object.subset", { a: 5, b: 7 }, { a: 5, b: 10 })).toBe("false");
    expect(text("object.subset", set(1, 2, 3), set(3, 2))).toBe("true");
    expect(text("object.subset", [1, 2, 3, 4, 5, 6], [3, 4, 5])).toBe("true");
    expect(text("object.subset", [1, 2, 3, 4, 5, 6], [4, 5, 6, 8])).toBe("false");
    expect(text("object.subset", [1, 2, 3, 4, 5, 6], set(4, 3, 2))).toBe("true");
    expect(failure("object.subset", set(1), [1])).toContain("both arguments to object.subset must be of the same type");
  });

  it("filters and removes JSON paths", () => {
    const doc = { a: { b: { c: 7, d: 8 }, e: 1 }, f: [1, { g: 2, h: 3 }] };
    expect(text("json.filter", doc, ["a/b/c", "f/1/g"])).toBe('{"a": {"b": {"c": 7}}, "f": [{"g": 2}]}');
    expect(text("json.filter", doc, set(["a", "e"]))).toBe('{"a": {"e": 1}}');
    expect(text("json.remove", doc, ["a/b", "f/0"])).toBe('{"a": {"e": 1}, "f": [{"g": 2, "h": 3}]}');
    expect(failure("json.filter", doc, "a")).toBe("eval_type_error: operand 2 must be one of {set, array} but got string");
  });

  it("applies JSON patches, undefined when one fails", () => {
    const ops = (...o: object[]) => o;
    expect(text("json.patch", { a: 1 }, ops({ op: "add", path: "/b", value: [1] }, { op: "add", path: "/b/-", value: 2 }))).toBe(
      '{"a": 1, "b": [1, 2]}',
    );
    expect(text("json.patch", { a: { b: 1 } }, ops({ op: "move", from: "/a/b", path: "/c" }))).toBe('{"a": {}, "c": 1}');
    expect(text("json.patch", [1, 2, 3], ops({ op: "remove", path: "/1" }, { op: "replace", path: "/0", value: 9 }))).toBe("[9, 3]");
    expect(text("json.patch", { a: 1 }, ops({ op: "copy", from: "/a", path: "/x~1y" }))).toBe('{"a": 1, "x/y": 1}');
    expect(text("json.patch", { a: 1 }, ops({ op: "test", path: "/a", value: 2 }))).toBe("undefined");
    expect(text("json.patch", { a: 1 }, ops({ op: "remove", path: "/b" }))).toBe("undefined");
    expect(text("json.patch", set("a"), ops({ op: "add", path: "/b", value: "b" }))).toBe('{"a", "b"}');
  });

  it("reads json.patch paths as OPA does: leading slashes optional, all of them trimmed", () => {
    const ops = (...o: object[]) => o;
    expect(text("json.patch", { a: 1 }, ops({ op: "add", path: "b", value: 2 }))).toBe('{"a": 1, "b": 2}');
    expect(text("json.patch", { a: { b: 1 } }, ops({ op: "replace", path: "//a/b", value: 3 }))).toBe('{"a": {"b": 3}}');
    expect(text("json.patch", { a: 1 }, ops({ op: "move", from: "a", path: "c" }))).toBe('{"c": 1}');
  });
});

describe("type checks", () => {
  it("names types and tests them", () => {
    expect(text("type_name", set(1))).toBe('"set"');
    expect(text("type_name", null)).toBe('"null"');
    expect(text("is_number", 100.1)).toBe("true");
    expect(text("is_string", false)).toBe("false");
    expect(text("is_object", {})).toBe("true");
    expect(text("is_array", set())).toBe("false");
  });
});

describe("graphs", () => {
  it("walks documents parents first, as a relation", () => {
    expect(text("walk", { a: [1] })).toBe('[[[], {"a": [1]}], [["a"], [1]], [["a", 0], 1]]');
    expect(text("walk", set(2))).toBe("[[[], {2}], [[2], 2]]");
  });

  it("finds reachable vertices", () => {
    const g = obj(["a", set("b", "c")], ["b", set("d")], ["c", set("d")], ["d", set()], ["e", set("f")], ["f", set("e")]);
    expect(text("graph.reachable", g, set("b", "e"))).toBe('{"b", "d", "e", "f"}');
    expect(text("graph.reachable", { a: null }, ["a"])).toBe('{"a"}');
    expect(failure("graph.reachable", 1, [1])).toBe("eval_type_error: operand 1 must be object but got number");
    expect(failure("graph.reachable", { a: [] }, "a")).toBe("eval_type_error: operand 2 must be one of {set, array} but got string");
  });

  it("finds reachable paths as OPA does", () => {
    expect(text("graph.reachable_paths", { a: ["b", "c"], b: ["c"], c: [] }, set("a"))).toBe('{["a", "b", "c"], ["a", "c"]}');
    expect(text("graph.reachable_paths", { a: ["b"], b: ["nonexistent"] }, set("a", "b"))).toBe('{["a", "b"], ["b"]}');
    const g = {
      one: ["two", "five"],
      two: ["four"],
      three: [""],
      four: ["three"],
      five: ["seven", "six"],
      six: ["nine", "seven"],
      seven: ["eight"],
      eight: ["three"],
      nine: [""],
    };
    expect(text("graph.reachable_paths", g, set("one"))).toBe(
      '{["one", "five", "seven", "eight", "three"], ["one", "five", "six"], ["one", "five", "six", "nine"], ["one", "two", "four", "three"]}',
    );
  });
});

describe("membership", () => {
  it("looks in sets, arrays and object values", () => {
    expect(text("internal.member_2", 1, set(1))).toBe("true");
    expect(text("internal.member_2", 1, { foo: 1 })).toBe("true");
    expect(text("internal.member_2", 1, "foo")).toBe("false");
    expect(text("internal.member_3", 1, "two", ["one", "two"])).toBe("true");
    expect(text("internal.member_3", "foo", 1, { foo: 1 })).toBe("true");
    expect(text("internal.member_3", 1, "foo", 1)).toBe("false");
  });

  it("trace succeeds and opa.runtime is an object", () => {
    expect(text("trace", "note")).toBe("true");
    expect(text("opa.runtime")).toBe("{}");
    expect(call("trace", ["x"])).toBe(true);
  });
});
