// The compiler's stages (src/compiler/stages.ts): one ordered list, each stage checked on its own,
// and errors collected across stages in one run.
import { describe, expect, it } from "vitest";
import { parseModule } from "../../src/syntax/parser.ts";
import { runStages, STAGES, type Stage } from "../../src/compiler/stages.ts";
import { displayError } from "../../src/errors.ts";

const modules = (...texts: string[]) => texts.map((t, i) => parseModule(t, `m${i}.rego`));
const errorsOf = (texts: string[], stages?: readonly Stage[]) => runStages(modules(...texts), stages).errors.map(displayError);
const upTo = (name: string) => STAGES.slice(0, STAGES.findIndex((s) => s.name === name) + 1);

describe("compiler stages", () => {
  it("are one ordered list of named stages, each saying what it guarantees", () => {
    expect(STAGES.map((s) => s.name)).toEqual(["resolve", "metadata calls", "rule conflicts", "calls and with", "recursion", "safety"]);
    for (const s of STAGES) expect(s.guarantees.length).toBeGreaterThan(10);
  });

  it("resolve: reports a var declared twice, and builds the rule tree", () => {
    const s = runStages(modules("package a\n\np if {\n\tx := 1\n\tx := 2\n}\n\nq := 1\n"), upTo("resolve"));
    expect(s.errors.map(displayError)).toEqual(["m0.rego:5:2: rego_compile_error: var x assigned above"]);
    expect([...s.root.children.get("a")!.children.keys()]).toEqual(["p", "q"]);
  });

  it("rule conflicts: a complete rule and a function at one path", () => {
    expect(errorsOf(["package a\n\np := 1\n\np(x) := x\n"], upTo("rule conflicts"))).toEqual([
      "m0.rego:3:1: rego_type_error: conflicting rules data.a.p found",
    ]);
  });

  it("calls and with: unknown functions, wrong arities, missing with targets", () => {
    expect(errorsOf(["package a\n\np if nope(1)\n\nq if count(1, 2, 3)\n\nr if true with data.a.f as 1\n"], upTo("calls and with"))).toEqual([
      "m0.rego:3:6: rego_type_error: undefined function nope",
      "m0.rego:5:6: rego_type_error: function count has arity 1, got 3 arguments",
    ]);
  });

  it("recursion: through rules, through functions, and through a package's document", () => {
    expect(errorsOf(["package a\n\np if q\n\nq if p\n"])).toEqual(["m0.rego:3:1: rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.p"]);
    expect(errorsOf(["package a\n\nf(x) := g(x)\n\ng(x) := f(x)\n"])).toEqual([
      "m0.rego:3:1: rego_recursion_error: rule data.a.f is recursive: data.a.f -> data.a.g -> data.a.f",
    ]);
    expect(errorsOf(["package a\n\np := count(data.a)\n"])).toEqual(["m0.rego:3:1: rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.p"]);
  });

  it("recursion: a dynamic key from inside a package does not reach the rule itself", () => {
    expect(errorsOf(["package pkg.x\n\ndeny contains 1 if true\n", "package pkg\n\ntest_deny if {\n\tsome name\n\tdata.pkg[name].deny\n}\n"])).toEqual([]);
  });

  it("safety: unsafe vars are reported", () => {
    expect(errorsOf(["package a\n\np if x > 1\n"])).toEqual(["m0.rego:3:6: rego_unsafe_var_error: var x is unsafe"]);
  });

  it("collect errors across stages in one run, the broken rules set aside", () => {
    const errs = errorsOf(["package a\n\np if q\n\nq if p\n\ns if y == 1\n\nt if undefined_fn(1)\n\nu if {\n\tx := 1\n\tx := 2\n}\n"]);
    expect(errs).toEqual([
      "m0.rego:13:2: rego_compile_error: var x assigned above",
      "m0.rego:9:6: rego_type_error: undefined function undefined_fn",
      "m0.rego:3:1: rego_recursion_error: rule data.a.p is recursive: data.a.p -> data.a.q -> data.a.p",
      "m0.rego:7:6: rego_unsafe_var_error: var y is unsafe",
    ]);
  });
});
