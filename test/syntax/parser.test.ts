// Unit tests of the lexer and parser: AST shapes, dialects (Rego v1 and pre-1.0), error messages
// and their locations.
import { describe, expect, it } from "vitest";
import { displayError, RegoErrors } from "../../src/errors.ts";
import type { Body, Expr, Module, Rule, Term } from "../../src/syntax/ast.ts";
import { lex } from "../../src/syntax/lexer.ts";
import { parseModule, parseQuery, parseTerm, type ParseOptions } from "../../src/syntax/parser.ts";

/** Drops locations, so shapes can be compared. */
function shape<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === "loc" ? undefined : v))) as T;
}

const v = (name: string) => ({ type: "var", name });
const s = (value: string) => ({ type: "string", value });
const n = (value: string) => ({ type: "number", value });
const ref = (...terms: unknown[]) => ({ type: "ref", terms });
const call = (op: unknown[], args: unknown[], infix?: string) => ({ type: "call", operator: ref(...op), args, ...(infix ? { infix } : {}) });
const bool = (value: boolean) => ({ type: "boolean", value });
const termExpr = (term: unknown, extra: Partial<Expr> = {}) => ({ kind: "term", negated: false, with: [], term, ...extra });

const mod = (rules: string, opts?: ParseOptions): Module => parseModule(`package test\n${rules}`, "m.rego", opts);
const rules = (text: string, opts?: ParseOptions): Rule[] => shape(mod(text, opts).rules);
const rule = (text: string, opts?: ParseOptions): Rule => rules(text, opts)[0]!;
const query = (text: string): Body => shape(parseQuery(text));
const expr = (text: string): Expr => query(text)[0]!;
const term = (text: string): Term => shape(parseTerm(text));

/** The errors `f` throws, as `file:row:col: code: message`; fails if it throws anything else. */
function errors(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof RegoErrors) return e.errors.map(displayError);
    throw e;
  }
  throw new Error("expected a parse error");
}
const moduleErrors = (rulesText: string, opts?: ParseOptions) => errors(() => mod(rulesText, opts));

describe("lexer", () => {
  it("gives tokens 1-based rows and columns, and notes the space and newlines before them", () => {
    const { tokens } = lex('p := 1\n  q["a"]', "f.rego");
    expect(tokens.map((t) => [t.kind, t.loc.row, t.loc.col, t.spaceBefore, t.newlineBefore])).toEqual([
      ["ident", 1, 1, false, false],
      [":=", 1, 3, true, false],
      ["number", 1, 6, true, false],
      ["ident", 2, 3, true, true],
      ["[", 2, 4, false, false],
      ["string", 2, 5, false, false],
      ["]", 2, 8, false, false],
      ["eof", 2, 9, false, false],
    ]);
  });

  it("decodes every JSON escape, surrogate pairs included", () => {
    const { tokens } = lex(String.raw`"\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`, "f");
    expect(tokens[0]!.value).toBe('" \\ / \b \f \n \r \t é 😀');
  });

  it("replaces lone surrogate halves with U+FFFD", () => {
    expect(lex(String.raw`"\ud83d x \ude00"`, "f").tokens[0]!.value).toBe("\ufffd x \ufffd");
  });

  it("reads raw strings verbatim, across lines, and keeps counting rows after them", () => {
    const { tokens } = lex("`a\\n\nb` x", "f");
    expect(tokens[0]).toMatchObject({ kind: "rawstring", value: "a\\n\nb" });
    expect(tokens[1]!.loc).toEqual({ file: "f", row: 2, col: 4 });
  });

  it("keeps numbers' source text", () => {
    const { tokens } = lex("1 1.5 1e10 1.2E-3 123456789012345678901234567890", "f");
    expect(tokens.slice(0, -1).map((t) => t.text)).toEqual(["1", "1.5", "1e10", "1.2E-3", "123456789012345678901234567890"]);
  });

  it("collects comments with their locations", () => {
    const { comments } = lex("# one\r\np := 1 # two", "f");
    expect(comments).toEqual([
      { text: " one", loc: { file: "f", row: 1, col: 1 } },
      { text: " two", loc: { file: "f", row: 2, col: 8 } },
    ]);
  });

  it("ends with an illegal token on a lexing error", () => {
    const { tokens } = lex('x "abc', "f");
    expect(tokens.map((t) => t.kind)).toEqual(["ident", "illegal", "eof"]);
    expect(tokens[1]).toMatchObject({ value: "non-terminated string", loc: { row: 1, col: 3 } });
  });
});

describe("package and imports", () => {
  it("reads dotted and bracketed package paths", () => {
    expect(parseModule("package a.b.c", "f").package.path).toEqual(["a", "b", "c"]);
    expect(parseModule('package a["b-c"].d', "f").package.path).toEqual(["a", "b-c", "d"]);
  });

  it("keeps imports, aliases, and the rego.v1 and future imports", () => {
    const m = parseModule(
      "package a\nimport data.x.y\nimport data.x as z\nimport input.foo\nimport rego.v1\nimport future.keywords\nimport future.keywords.in",
      "f",
    );
    expect(shape(m.imports)).toEqual([
      { path: ref(v("data"), s("x"), s("y")) },
      { path: ref(v("data"), s("x")), alias: "z" },
      { path: ref(v("input"), s("foo")) },
      { path: ref(v("rego"), s("v1")) },
      { path: ref(v("future"), s("keywords")) },
      { path: ref(v("future"), s("keywords"), s("in")) },
    ]);
  });

  it("rejects bad import paths", () => {
    expect(errors(() => parseModule("package a\nimport foo.bar", "f"))).toEqual([
      "f:2:8: rego_parse_error: unexpected import path, must begin with one of: {data, future, input, rego}, got: foo",
    ]);
    expect(errors(() => parseModule("package a\nimport rego.v2", "f"))[0]).toContain("must be `rego.v1`");
    expect(errors(() => parseModule("package a\nimport future.keywords.nope", "f"))[0]).toContain("unexpected keyword");
    expect(errors(() => parseModule("package a\nimport future.keywords as k", "f"))[0]).toContain("cannot be aliased");
    expect(errors(() => parseModule("package a\nimport data.x[y]", "f"))[0]).toContain("unexpected var token: expecting string");
  });

  it("requires a package first", () => {
    expect(errors(() => parseModule("p := 1", "f"))).toEqual(["f:1:1: rego_parse_error: package expected"]);
    expect(errors(() => parseModule("  # only a comment\n", "f"))).toEqual(["f:2:1: rego_parse_error: empty module"]);
    expect(errors(() => parseModule("package a\npackage b", "f"))[0]).toContain("unexpected package keyword");
  });
});

describe("rules", () => {
  it("reads constants with := and =", () => {
    expect(rule("p := 1")).toEqual({ head: { ref: [v("p")], assign: true, contains: false, value: n("1") }, body: [], default: false });
    expect(rule("p = 1").head).toEqual({ ref: [v("p")], assign: false, contains: false, value: n("1") });
  });

  it("reads `if` with a braced body or a single expression", () => {
    const braced = rule("p if {\n  x := 1\n  x > 0\n}");
    expect(braced.head).toEqual({ ref: [v("p")], assign: false, contains: false });
    expect(braced.body.map((e) => e.kind)).toEqual(["assign", "term"]);
    expect(rule("p if input.x == 1").body).toEqual([termExpr(call([v("equal")], [ref(v("input"), s("x")), n("1")], "=="))]);
    expect(rule("p := x if { x := 1 }").head.value).toEqual(v("x"));
  });

  it("reads `if { x }` as a body, not a set literal, and `if {…}.a` as an expression", () => {
    expect(rule("p if { x }").body).toEqual([termExpr(v("x"))]);
    expect(rule('p if {"a": true}.a').body).toEqual([termExpr(ref({ type: "object", entries: [[s("a"), bool(true)]] }, s("a")))]);
  });

  it("reads default rules, including default functions", () => {
    expect(rule("default p := false")).toEqual({
      head: { ref: [v("p")], assign: true, contains: false, value: bool(false) },
      body: [],
      default: true,
    });
    expect(rule("default f(_) := 1").head).toMatchObject({ args: [v("_")], value: n("1") });
  });

  it("rejects default rules with non-constant values or arguments", () => {
    expect(moduleErrors("default p := x")).toEqual(["m.rego:2:1: rego_parse_error: illegal default rule (value cannot contain var)"]);
    expect(moduleErrors("default f(1) := 1")[0]).toContain("arguments cannot contain number");
    expect(moduleErrors("default f(x, x) := 1")[0]).toContain("arguments cannot be repeated x");
    expect(moduleErrors("default p")[0]).toContain("must have a value");
  });

  it("chains else clauses: without a value it is true; `if` is optional when there is no body", () => {
    const r = rule("p := 1 if { a } else = 2 if { b } else if { c } else := 4");
    expect(r.else).toMatchObject({ head: { value: n("2"), assign: false }, body: [termExpr(v("b"))] });
    expect(r.else!.else).toMatchObject({ head: { value: bool(true), assign: false }, body: [termExpr(v("c"))] });
    expect(r.else!.else!.else).toMatchObject({ head: { value: n("4"), assign: true }, body: [] });
    expect(r.else!.else!.else!.else).toBeUndefined();
  });

  it("gives else clauses of functions the function's arguments", () => {
    expect(rule("f(x) := 1 if { x } else := 2").else!.head).toEqual({
      ref: [v("f")],
      args: [v("x")],
      value: n("2"),
      assign: true,
      contains: false,
    });
  });

  it("refuses else on multi-value rules and on rules with variables in the head", () => {
    expect(moduleErrors("p contains 1 if { a } else := 2")[0]).toContain("else keyword cannot be used on multi-value rules");
    expect(moduleErrors("p[x] := 1 if { x := 1 } else := 2")[0]).toContain("cannot be used on rules with variables in head");
  });

  it("reads partial sets written with contains", () => {
    expect(rule("p contains x if { x := 1 }").head).toEqual({ ref: [v("p")], key: v("x"), assign: false, contains: true });
    expect(rule("p contains 1")).toMatchObject({ head: { key: n("1"), contains: true }, body: [] });
    expect(rule("a.b contains x if x := 1").head).toMatchObject({ ref: [v("a"), s("b")], key: v("x"), contains: true });
  });

  it("reads partial objects and general ref heads", () => {
    expect(rule("p[k] := v if { k := 1; v := 2 }").head).toEqual({ ref: [v("p"), v("k")], value: v("v"), assign: true, contains: false });
    expect(rule("a.b[x].c := 1 if { x := 1 }").head.ref).toEqual([v("a"), s("b"), v("x"), s("c")]);
    expect(rule("a.b.c if true").head).toEqual({ ref: [v("a"), s("b"), s("c")], assign: false, contains: false });
  });

  it("reads `p[x] if …` without a value as a single-value rule at p[x] (Rego v1)", () => {
    expect(rule("p[x] if { x := 1 }").head).toEqual({ ref: [v("p"), v("x")], assign: false, contains: false });
  });

  it("reads functions, with and without a value, and several definitions", () => {
    expect(rules("f(x, y) := z if { z := x }\nf(x) if { x }\ng(x) = y if y := x\nh() := 1").map((r) => r.head)).toEqual([
      { ref: [v("f")], args: [v("x"), v("y")], value: v("z"), assign: true, contains: false },
      { ref: [v("f")], args: [v("x")], assign: false, contains: false },
      { ref: [v("g")], args: [v("x")], value: v("y"), assign: false, contains: false },
      { ref: [v("h")], args: [], value: n("1"), assign: true, contains: false },
    ]);
  });

  it("reads a function named by a dotted ref", () => {
    expect(rule("a.b.f(x) := 1").head).toMatchObject({ ref: [v("a"), s("b"), s("f")], args: [v("x")] });
  });

  it("rejects a rule body without `if` in Rego v1, pointing at the rule", () => {
    expect(moduleErrors("p { true }")).toEqual(["m.rego:2:1: rego_parse_error: `if` keyword is required before rule body"]);
    expect(moduleErrors("p := 1 if { a } else := 2 { b }")).toEqual([
      "m.rego:2:17: rego_parse_error: `if` keyword is required before rule body",
    ]);
    expect(moduleErrors("p[x] { x := 1 }")).toEqual([
      "m.rego:2:1: rego_parse_error: `if` keyword is required before rule body",
      "m.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules",
    ]);
  });

  it("rejects a rule that is only a name", () => {
    expect(moduleErrors("p")).toEqual(["m.rego:2:1: rego_parse_error: var cannot be used for rule name"]);
  });

  it("rejects keywords as rule names and variables", () => {
    expect(moduleErrors("if := 1")).toEqual(["m.rego:2:1: rego_parse_error: unexpected if keyword: keywords cannot be used as rule names"]);
    expect(moduleErrors("p if { some in }")).toEqual(["m.rego:2:13: rego_parse_error: unexpected in keyword: expected var"]);
    expect(moduleErrors("p if { x := every }")[0]).toContain("unexpected every keyword");
    expect(moduleErrors("p if { some x, null }")[0]).toBe("m.rego:2:16: rego_parse_error: unexpected null keyword: expected var");
  });

  it("allows keywords as keys after a dot", () => {
    expect(rule("p if input.if.contains").body).toEqual([termExpr(ref(v("input"), s("if"), s("contains")))]);
  });

  it("reads `contains` outside rule heads as the built-in", () => {
    expect(rule('p contains x if contains(x, "a")').body).toEqual([termExpr(call([v("contains")], [v("x"), s("a")]))]);
  });
});

describe("pre-1.0 Rego (regoVersion 0)", () => {
  const v0 = { regoVersion: 0 } as const;

  it("allows bodies without `if`", () => {
    expect(rule("p { true }", v0)).toMatchObject({ head: { ref: [v("p")] }, body: [termExpr(bool(true))] });
    expect(rule("f(x) = y { y := x }", v0).head).toMatchObject({ args: [v("x")], value: v("y") });
  });

  it("reads `p[x] { … }` as a partial set and `p[x] = y { … }` as a partial object", () => {
    expect(rule("p[x] { x := 1 }", v0).head).toEqual({ ref: [v("p")], key: v("x"), assign: false, contains: true });
    expect(rule("p[x] = y { x := 1; y := 2 }", v0).head).toEqual({ ref: [v("p"), v("x")], value: v("y"), assign: false, contains: false });
    expect(rule("p.q { true }", v0).head).toEqual({ ref: [v("p")], key: s("q"), assign: false, contains: true });
  });

  it("knows the future keywords when imported, as OPA's v0 does", () => {
    const imported = (imp: string) => parseModule(`package p\n${imp}\np contains x if { some x in [1] }`, "m.rego", v0).rules[0]!;
    expect(imported("import future.keywords").head.contains).toBe(true);
    expect(imported("import rego.v1").head.contains).toBe(true);
    expect(parseModule("package p\nimport future.keywords.in\np[x] { some x in [1] }", "m.rego", v0).rules[0]!.head.contains).toBe(true);
  });

  it("reads the future keywords as names when not imported (a function named contains)", () => {
    expect(rule("contains(arr, x) { arr[_] = x }", v0).head).toMatchObject({ ref: [v("contains")], args: [v("arr"), v("x")] });
    expect(rule("p { every = 1; in = 2 }", v0).body).toHaveLength(2);
    expect(() => rule("p contains x if { x := 1 }", v0)).toThrow(RegoErrors);
  });

  it("makes `in` a keyword when `every` alone is imported, as OPA does", () => {
    const m = parseModule("package p\nimport future.keywords.every\np { every x in [1] { x > 0 }; some y in [2] }", "m.rego", v0);
    expect(m.rules[0]!.body.map((e) => e.kind)).toEqual(["every", "somein"]);
  });

  it("requires the v1 rule syntax in a module that imports rego.v1", () => {
    const problems = (text: string) => {
      try {
        parseModule(`package p\nimport rego.v1\n${text}`, "m.rego", v0);
        return [];
      } catch (e) {
        return (e as RegoErrors).errors.map((x) => x.detail);
      }
    };
    expect(problems("p { true }")).toEqual(["`if` keyword is required before rule body"]);
    expect(problems("q[x] if { x := 1 }")).toEqual([]);
    expect(problems("s[x] { x := 1 }")).toContain("`contains` keyword is required for partial set rules");
    expect(parseModule("package p\nimport rego.v1\np if { true }", "m.rego", v0).regoVersion).toBe(0);
  });

  it("reads several bodies as several rules with one head", () => {
    const rs = rules("p { a } { b }", v0);
    expect(rs.map((r) => r.body)).toEqual([[termExpr(v("a"))], [termExpr(v("b"))]]);
    expect(rs[1]!.head).toEqual(rs[0]!.head);
  });

  it("records the dialect", () => {
    expect(mod("p := 1", v0).regoVersion).toBe(0);
    expect(mod("p := 1").regoVersion).toBe(1);
  });
});

describe("expressions", () => {
  it("reads unification, assignment and destructuring", () => {
    expect(expr("x = y")).toEqual({ kind: "unify", negated: false, with: [], left: v("x"), right: v("y") });
    expect(expr("[a, b] := arr")).toEqual({
      kind: "assign",
      negated: false,
      with: [],
      left: { type: "array", items: [v("a"), v("b")] },
      right: v("arr"),
    });
  });

  it("reads calls; a dotted name is the operator ref", () => {
    expect(expr("count(x)")).toEqual(termExpr(call([v("count")], [v("x")])));
    expect(expr("a.b.c(x, 1)")).toEqual(termExpr(call([v("a"), s("b"), s("c")], [v("x"), n("1")])));
    expect(expr("f()")).toEqual(termExpr(call([v("f")], [])));
  });

  it("reads negation and with modifiers", () => {
    expect(expr("not f(x) with input.x as 1 with data.y as 2 with count as mock")).toEqual(
      termExpr(call([v("f")], [v("x")]), {
        negated: true,
        with: [
          { target: ref(v("input"), s("x")), value: n("1") },
          { target: ref(v("data"), s("y")), value: n("2") },
          { target: ref(v("count")), value: v("mock") },
        ],
      } as Partial<Expr>),
    );
  });

  it("reads some declarations", () => {
    expect(expr("some x, y")).toEqual({ kind: "some", negated: false, with: [], vars: [v("x"), v("y")] });
    expect(expr("some x in xs")).toEqual({ kind: "somein", negated: false, with: [], value: v("x"), collection: v("xs") });
    expect(expr("some k, [a, b] in xs")).toEqual({
      kind: "somein",
      negated: false,
      with: [],
      key: v("k"),
      value: { type: "array", items: [v("a"), v("b")] },
      collection: v("xs"),
    });
  });

  it("reads every", () => {
    expect(expr("every x in xs { x > 0 }")).toEqual({
      kind: "every",
      negated: false,
      with: [],
      value: v("x"),
      domain: v("xs"),
      body: [termExpr(call([v("gt")], [v("x"), n("0")], ">"))],
    });
    expect(expr("every k, v in numbers.range(1, 2) { true }")).toMatchObject({ key: v("k"), value: v("v") });
    expect(errors(() => parseQuery("every [x] in xs { true }"))[0]).toContain("expected value to be a variable");
    expect(errors(() => parseQuery("not every x in xs { true }"))[0]).toContain("illegal negation of 'every'");
    expect(errors(() => parseQuery("every x in xs"))[0]).toContain("missing body");
  });

  it("reads membership, with a key only at the top of an expression", () => {
    expect(expr("x in xs")).toEqual(termExpr(call([v("internal"), s("member_2")], [v("x"), v("xs")], "in")));
    expect(expr("k, v in xs")).toEqual(termExpr(call([v("internal"), s("member_3")], [v("k"), v("v"), v("xs")], "in")));
    expect(expr("f(k, v in xs)")).toEqual(
      termExpr(call([v("f")], [v("k"), call([v("internal"), s("member_2")], [v("v"), v("xs")], "in")])),
    );
  });

  it("separates expressions by newlines and semicolons", () => {
    expect(query("a\nb; c").map((e) => (e as { term: Term }).term)).toEqual([v("a"), v("b"), v("c")]);
    expect(errors(() => parseQuery("a b"))).toEqual(["query:1:3: rego_parse_error: unexpected ident token: expected \\n or ; or eof"]);
  });

  it("continues an expression over a newline before an operator", () => {
    expect(query("x ==\n  1").length).toBe(1);
    expect(query("x\n== 1").length).toBe(1);
  });
});

describe("operators", () => {
  const bin = (op: string, name: string, a: unknown, b: unknown) => call([v(name)], [a, b], op);

  it("names each infix operator by its built-in", () => {
    const names: [string, string][] = [
      ["==", "equal"], ["!=", "neq"], ["<", "lt"], ["<=", "lte"], [">", "gt"], [">=", "gte"],
      ["+", "plus"], ["-", "minus"], ["*", "mul"], ["/", "div"], ["%", "rem"], ["&", "and"], ["|", "or"],
    ];
    for (const [op, name] of names) expect(term(`a ${op} b`)).toEqual(bin(op, name, v("a"), v("b")));
  });

  it("binds * / % tighter than + -, tighter than &, tighter than |, tighter than comparisons, tighter than in", () => {
    expect(term("a + b * c")).toEqual(bin("+", "plus", v("a"), bin("*", "mul", v("b"), v("c"))));
    expect(term("a | b & c + d")).toEqual(bin("|", "or", v("a"), bin("&", "and", v("b"), bin("+", "plus", v("c"), v("d")))));
    expect(term("a == b | c")).toEqual(bin("==", "equal", v("a"), bin("|", "or", v("b"), v("c"))));
    expect(term("x in a == b")).toEqual(call([v("internal"), s("member_2")], [v("x"), bin("==", "equal", v("a"), v("b"))], "in"));
  });

  it("associates to the left, and groups with parentheses", () => {
    expect(term("a - b - c")).toEqual(bin("-", "minus", bin("-", "minus", v("a"), v("b")), v("c")));
    expect(term("a - (b - c)")).toEqual(bin("-", "minus", v("a"), bin("-", "minus", v("b"), v("c"))));
  });

  it("makes negative number literals; minus on anything else is an error, as in OPA", () => {
    expect(term("-1")).toEqual(n("-1"));
    expect(term("-.5")).toEqual(n("-.5"));
    expect(term("x - -1")).toEqual(bin("-", "minus", v("x"), n("-1")));
    expect(term("x -1")).toEqual(bin("-", "minus", v("x"), n("1")));
    expect(errors(() => parseTerm("-x"))).toEqual(["term:1:2: rego_parse_error: unexpected ident token: expected number"]);
  });
});

describe("terms", () => {
  it("reads scalars; numbers keep their text, raw strings are marked", () => {
    expect(term("null")).toEqual({ type: "null" });
    expect(term("true")).toEqual(bool(true));
    expect(term("1.2E-3")).toEqual(n("1.2E-3"));
    expect(term("123456789012345678901234567890")).toEqual(n("123456789012345678901234567890"));
    expect(term('"a\\tb"')).toEqual(s("a\tb"));
    expect(term("`a\\tb`")).toEqual({ type: "string", value: "a\\tb", raw: true });
  });

  it("rejects malformed numbers", () => {
    expect(errors(() => parseTerm("01"))[0]).toContain("expected number without leading zero");
    expect(errors(() => parseTerm("1e999999"))[0]).toContain("number too big");
    expect(errors(() => parseTerm("1x"))[0]).toContain("illegal number format");
  });

  it("reads collections, with trailing commas; {} is an object and set() a set", () => {
    expect(term("[]")).toEqual({ type: "array", items: [] });
    expect(term("{}")).toEqual({ type: "object", entries: [] });
    expect(term("set()")).toEqual({ type: "set", items: [] });
    expect(term("{1, 2,}")).toEqual({ type: "set", items: [n("1"), n("2")] });
    expect(term('{"a": 1, "b": [2,],}')).toEqual({
      type: "object",
      entries: [
        [s("a"), n("1")],
        [s("b"), { type: "array", items: [n("2")] }],
      ],
    });
    expect(term("{a + 1}")).toEqual({ type: "set", items: [call([v("plus")], [v("a"), n("1")], "+")] });
  });

  it("reads comprehensions", () => {
    expect(term("[x | x := 1]")).toMatchObject({ type: "arraycomp", term: v("x"), body: [{ kind: "assign" }] });
    expect(term("{x | x := 1}")).toMatchObject({ type: "setcomp", term: v("x") });
    expect(term("{k: v | k := 1; v := 2}")).toMatchObject({ type: "objectcomp", key: v("k"), value: v("v") });
    // Not a comprehension after all: an array holding an `or` call.
    expect(term("[x | y, z]")).toEqual({ type: "array", items: [call([v("or")], [v("x"), v("y")], "|"), v("z")] });
  });

  it("reads refs; a dotted key is a string key", () => {
    expect(term("x.y")).toEqual(term('x["y"]'));
    expect(term("x[0][[1, 2]]")).toEqual(ref(v("x"), n("0"), { type: "array", items: [n("1"), n("2")] }));
    expect(term("input.a[_].b")).toEqual(ref(v("input"), s("a"), v("_"), s("b")));
    expect(term("f(x)[0].y")).toEqual(ref(call([v("f")], [v("x")]), n("0"), s("y")));
    expect(term("[1, 2][0]")).toEqual(ref({ type: "array", items: [n("1"), n("2")] }, n("0")));
    expect(term('{"a": 1}.a')).toEqual(ref({ type: "object", entries: [[s("a"), n("1")]] }, s("a")));
  });

  it("reads template strings as OPA rewrites them: a call with one set comprehension per expression", () => {
    const part = (name: string, right: unknown) => ({ type: "setcomp", term: v(name), body: [{ kind: "unify", negated: false, with: [], left: v(name), right }] });
    expect(term('$"a{x}b\\{c\\}"')).toEqual({ ...call([v("internal"), s("template_string")], [{ type: "array", items: [s("a"), part("__template_0", v("x")), s("b{c}")] }]), template: "string" });
    // Expressions nest (strings and braces inside them do not end them); raw ones keep backslashes.
    expect(term('$`{ {"}": $"{1}"} }\\t`')).toMatchObject({ args: [{ items: [{ body: [{ right: { type: "object" } }] }, s("\\t")] }] });
    expect(errors(() => parseTerm('$"abc'))[0]).toContain("non-terminated template string");
    expect(errors(() => parseTerm('$"{1 2}"'))[0]).toContain("unexpected number token: expected }");
    expect(errors(() => parseTerm('$"{x = 1}"'))[0]).toContain("template expression must be a term");
    // A raw template string spanning lines moves the rows of what follows.
    expect(mod("x := $`a\n{1}\nb`\ny := 1").rules[1]!.loc.row).toBe(5);
  });

  it("needs ref parts written together", () => {
    expect(errors(() => parseTerm("x [0]"))[0]).toContain("unexpected [ token");
    expect(errors(() => parseTerm("x. y"))[0]).toContain("expected ident");
    expect(errors(() => parseTerm('"s"[0]'))[0]).toContain("illegal ref (head cannot be string)");
  });
});

describe("annotations", () => {
  const text = [
    "# METADATA",
    "# title: The package",
    "package a",
    "",
    "# METADATA",
    "# title: Allow",
    "# custom:",
    "#   severity: high",
    "allow if true",
    "",
    "# METADATA",
    "# scope: document",
    "# description: all of p",
    "p := 1",
  ].join("\n");

  it("attaches each block to the package or rule after it, with a default scope", () => {
    const m = parseModule(text, "a.rego");
    expect(m.package.annotations).toEqual({ loc: { file: "a.rego", row: 1, col: 1 }, scope: "package", data: { title: "The package" } });
    expect(shape(m.rules[0]!.annotations)).toEqual({ scope: "rule", data: { title: "Allow", custom: { severity: "high" } } });
    expect(shape(m.rules[1]!.annotations)).toEqual({ scope: "document", data: { scope: "document", description: "all of p" } });
    expect(m.annotations.map((a) => a.scope)).toEqual(["package", "rule", "document"]);
  });

  it("reports malformed YAML at its line", () => {
    expect(errors(() => parseModule("package a\n# METADATA\n# title: ok\n# bad: [1\np := 1", "a.rego"))[0]).toMatch(
      /^a\.rego:4:1: rego_parse_error: invalid METADATA block/,
    );
  });

  it("checks scopes against what follows", () => {
    expect(errors(() => parseModule("package a\n# METADATA\n# scope: package\np := 1", "a.rego"))).toEqual([
      "a.rego:2:1: rego_parse_error: annotation scope 'package' must be applied to package (have rule)",
    ]);
    expect(errors(() => parseModule("# METADATA\n# scope: nope\npackage a", "a.rego"))[0]).toContain("invalid annotation scope 'nope'");
  });
});

describe("errors", () => {
  it("names the unexpected token and where it is", () => {
    expect(moduleErrors("p if { x }\n}")).toEqual(["m.rego:3:1: rego_parse_error: unexpected } token: expected rule"]);
    expect(moduleErrors("p if { x")).toEqual(["m.rego:2:9: rego_parse_error: unexpected eof token: expected \\n or ; or }"]);
    expect(moduleErrors("p := [1, 2")).toEqual(['m.rego:2:11: rego_parse_error: unexpected eof token: expected "," or "]"']);
    expect(moduleErrors('p := "abc')).toEqual(["m.rego:2:6: rego_parse_error: non-terminated string"]);
    expect(moduleErrors("p := 1 @")).toEqual(["m.rego:2:8: rego_parse_error: illegal token"]);
  });

  it("limits nesting depth with a located error", () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const [message] = errors(() => parseTerm(deep, "deep.rego"));
    expect(message).toMatch(/^deep\.rego:1:\d+: rego_parse_error: max parsing recursion depth exceeded$/);
    expect(term("[".repeat(500) + "]".repeat(500))).toMatchObject({ type: "array" });
  });

  it("reports an empty query", () => {
    expect(errors(() => parseQuery("  "))).toEqual(["query:1:3: rego_parse_error: empty query"]);
  });
});

describe("a large policy", () => {
  // Speed is measured by `npm run bench` (compile time of a 10,000-line policy), not here.
  it("parses a 10,000-line policy completely", () => {
    const lines = ["package big", "import rego.v1", ""];
    for (let i = 0; lines.length < 10000; i++) {
      lines.push(
        `# rule ${i}`,
        `allow_${i} if {`,
        `\tsome item in input.items`,
        `\titem.roles[_] == "admin${i}"`,
        `\tcount(input.list) > ${i} * 2 + 1`,
        `}`,
        `deny_${i} contains msg if { msg := sprintf("%v", [{"a": [1, 2.5e3, \`raw\`]}]) }`,
        `obj_${i}[k] := v if { some k, v in {x: y | x := input.m[y]} }`,
        `f_${i}(x) := y if { y := x } else := 0`,
        "",
      );
    }
    expect(parseModule(lines.join("\n"), "big.rego").rules.length).toBe(4000);
  });
});
