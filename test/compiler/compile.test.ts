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
});

describe("scoping", () => {
  it("keeps comprehension variables local to the comprehension", async () => {
    const r = await query([pkg('xs := {"a", "b"}\np := x if {\n\ty := {x | xs[x]}\n\tx := count(y)\n}')], "v := data.test.p");
    expect(r).toEqual([{ v: 2 }]);
  });

  it("lets closures read the enclosing body's variables", async () => {
    const r = await query([pkg("p := [y | some y in input.xs; y > m] if m := 1")], "v := data.test.p", { input: { xs: [1, 2, 3] } });
    expect(r).toEqual([{ v: [2, 3] }]);
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
