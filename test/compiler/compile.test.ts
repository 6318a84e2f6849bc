import { describe, expect, it } from "vitest";
import { errorsOf, query } from "../helpers.ts";

const pkg = (body: string) => `package test\n\n${body}`;

describe("compile errors are located and use OPA's codes", () => {
  it("reports an unsafe variable at its position", async () => {
    const errs = await errorsOf([pkg("p if {\n\tx > 1\n}")], "data.test.p");
    expect(errs).toEqual(["rego_unsafe_var_error@4:2: var x is unsafe"]);
  });

  it("reports every unsafe variable of every rule, not only the first", async () => {
    const errs = await errorsOf([pkg("p if { a > 1 }\nq if { b > 1 }")], "data.test.p");
    expect(errs.map((e) => e.split(": ")[1])).toEqual(["var a is unsafe", "var b is unsafe"]);
  });

  it("detects recursion through rules", async () => {
    const errs = await errorsOf([pkg("p if q\nq if p")], "data.test.p");
    expect(errs[0]).toMatch(/^rego_recursion_error@\d+:\d+: rule data\.test\.[pq] is recursive/);
  });

  it("rejects calls to undefined functions and wrong arities", async () => {
    expect(await errorsOf([pkg("p if nope(1)")], "data.test.p")).toEqual(["rego_type_error@3:6: undefined function nope"]);
    const arity = await errorsOf([pkg("p if count(1, 2, 3)")], "data.test.p");
    expect(arity).toEqual(["rego_type_error@3:6: function count has arity 1, got 3 arguments"]);
  });

  it("rejects rules of different kinds at one path", async () => {
    const errs = await errorsOf([pkg("p := 1\np contains 2")], "data.test.p");
    expect(errs[0]).toMatch(/^rego_type_error@.*conflicting rules data\.test\.p found/);
  });

  it("rejects assigning a variable twice", async () => {
    const errs = await errorsOf([pkg("p if {\n\tx := 1\n\tx := 2\n}")], "data.test.p");
    expect(errs).toEqual(["rego_compile_error@5:2: var x assigned above"]);
  });
});

describe("safety reorders bodies so inputs are bound first", () => {
  it("evaluates an expression after the one that binds its variable", async () => {
    const r = await query([pkg("p := y if {\n\ty > 1\n\ty = input.n\n}")], "x := data.test.p", { input: { n: 5 } });
    expect(r).toEqual([{ x: 5 }]);
  });

  it("binds a variable by iteration inside the same expression", async () => {
    const r = await query([pkg("p contains k if { some k; k == input.xs[k] }")], "x := data.test.p", { input: { xs: [0, 5, 2] } });
    expect(r).toEqual([{ x: [0, 2] }]);
  });

  it("reorders the bodies of comprehensions in rule heads too", async () => {
    const src = pkg("id(b) := b.id\nby_id := {k: b | k = id(b); b = input.xs[_]}\nids contains [k | k = count(s); s = input.xs[_].id]");
    const r = await query([src], "x := data.test.by_id; y := data.test.ids", { input: { xs: [{ id: "a" }, { id: "bc" }] } });
    expect(r).toEqual([{ x: { a: { id: "a" }, bc: { id: "bc" } }, y: [[1, 2]] }]);
  });

  it("lets a comprehension's head ref bind the vars its body needs, as OPA's RewriteComprehensionTerms", async () => {
    const src = pkg('o := {"ab": 1, "b": 2, "ac": 3}\nxs := [o[k] | a = k; startswith(a, "a")]\nobj := {k: o[k] | startswith(k, "a")}');
    expect(await query([src], "x := data.test.xs; y := data.test.obj")).toEqual([{ x: [1, 3], y: { ab: 1, ac: 3 } }]);
  });
});

describe("negation evaluates a call's dynamic arguments first, as OPA's RewriteDynamicTerms", () => {
  const run = (rule: string) => query([pkg(`xs := []\n${rule}`)], "x := data.test.p", { input: {} });

  it("fails the body when a built-in's argument is undefined", async () => {
    expect(await run('p if not startswith(input.missing, "a")')).toEqual([]);
    expect(await run('p if not regex.match("a", xs[0][1])')).toEqual([]);
    expect(await run("p if not count([input.missing])")).toEqual([]);
  });

  it("keeps the sides of == and = inside the negation", async () => {
    expect(await run("p if not input.missing == 1")).toEqual([{ x: true }]);
    expect(await run("p if not input.missing = 1")).toEqual([{ x: true }]);
  });
});

describe("scoping", () => {
  it("keeps comprehension variables local to the comprehension", async () => {
    const r = await query([pkg('xs := {"a", "b"}\np := x if {\n\ty := {x | xs[x]}\n\tx := count(y)\n}')], "v := data.test.p");
    expect(r).toEqual([{ v: 2 }]);
  });

  it("gives a closure its own var for a name the body declares with := only after it", async () => {
    const src = pkg("names contains n if {\n\titems := [item | item = input.items[_]; item.ok]\n\titem := items[_]\n\tn := item.name\n}");
    const r = await query([src], "v := data.test.names", { input: { items: [{ ok: true, name: "a" }, { ok: false, name: "b" }] } });
    expect(r).toEqual([{ v: ["a"] }]);
  });

  it("lets closures read the enclosing body's variables", async () => {
    const r = await query([pkg("p := [y | some y in input.xs; y > m] if m := 1")], "v := data.test.p", { input: { xs: [1, 2, 3] } });
    expect(r).toEqual([{ v: [2, 3] }]);
  });

  it("binds the alias of an imported root document (import input as req)", async () => {
    const r = await query([pkg("import input as req\nimport data as root\np := req.n\nq := root.test.p")], "x := data.test.q", { input: { n: 3 } });
    expect(r).toEqual([{ x: 3 }]);
  });

  it("prefers an import over a rule of the same name", async () => {
    const r = await query([pkg("import data.other.v\np := v\nv := 1"), "package other\nv := 2"], "x := data.test.p");
    expect(r).toEqual([{ x: 2 }]);
  });
});

describe("type and shape checks at compile time", () => {
  it("rejects constant arguments of the wrong type", async () => {
    const errs = await errorsOf([pkg('p := 1 + "a"')], "data.test.p");
    expect(errs[0]).toMatch(/^rego_type_error@3:10: plus: invalid argument\(s\): operand 2 must be number/);
  });

  it("allows an output argument only on a call standing alone", async () => {
    expect(await query([pkg("p if count([1, 2], 2)")], "x := data.test.p")).toEqual([{ x: true }]);
    const errs = await errorsOf([pkg("p := count([1, 2], 2)")], "data.test.p");
    expect(errs).toEqual(["rego_type_error@3:6: function count has arity 1, got 2 arguments"]);
  });

  it("rejects two default rules and two imports of one name", async () => {
    expect((await errorsOf([pkg("default p := 1\ndefault p := 2")], "data.test.p"))[0]).toMatch(/multiple default rules data\.test\.p found/);
    const imports = await errorsOf([pkg("import data.a.x\nimport data.b.x\np := x")], "data.test.p");
    expect(imports[0]).toMatch(/^rego_compile_error@4:1: import must not shadow import data\.a\.x/);
  });

  it("rejects a with target that is neither input, data nor a function", async () => {
    const errs = await errorsOf([pkg("p := 1\nq if p with foo as 2")], "data.test.q");
    expect(errs[0]).toMatch(/^rego_type_error@.*with keyword target must reference existing input, data, or a function/);
  });
});

describe("negation evaluates the calls nested in its operands first, as OPA's RewriteExprTerms", () => {
  const run = (rule: string, input: unknown = {}) => query([pkg(`f(x) := x.labels\n${rule}`)], "x := data.test.p", { input });

  it("fails the body when a nested call is undefined", async () => {
    expect(await run('p if not "a" in object.keys(f(input))')).toEqual([]);
    expect(await run('p if not startswith(lower(input.missing), "a")')).toEqual([]);
    expect(await run("p if not [f(input)] == [1]")).toEqual([]);
    expect(await run("p if not input.m[lower(input.k)]")).toEqual([]);
  });

  it("still negates the expression when the nested calls are defined", async () => {
    expect(await run('p if not "a" in object.keys(f(input))', { labels: { b: 1 } })).toEqual([{ x: true }]);
    expect(await run("p if not 1 = f(input)", { labels: 2 })).toEqual([{ x: true }]);
  });

  it("leaves the calls inside a comprehension to it", async () => {
    expect(await run("p if not count([y | y := f(input)]) == 1")).toEqual([{ x: true }]);
  });
});
