// `warden fmt`: canonical output, comments kept, idempotence, and formatting never changes what a
// policy means (the same plan IR before and after) for every module in test/rego-cases and policy/.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { formatExpr, formatSource } from "../../src/syntax/format.ts";
import { parseModule, parseQuery } from "../../src/syntax/parser.ts";
import { compileModules } from "../../src/compiler/compile.ts";
import { planEntrypoints } from "../../src/planner/planner.ts";
import { printPolicy } from "../../src/ir/printer.ts";

const fmt = (text: string) => formatSource(text, "t.rego");

describe("formatSource", () => {
  it("writes Rego v1 with tabs, one blank line between rules and sorted imports", () => {
    const src = `package   a.b
import data.z
import data.a as q
p[x] {   x := input.xs[_] }
q = 1 { true }
default r := false
f(x) = y { y := x + 1 }
`;
    expect(formatSource(src, "t.rego", { regoVersion: 0 })).toBe(`package a.b

import data.a as q
import data.z

p contains x if x := input.xs[_]

q = 1 if true

default r := false

f(x) = y if y := x + 1
`);
  });

  it("keeps one-line bodies on one line, and braces for bodies written over several lines", () => {
    expect(fmt("package a\nallow if input.x > 1\ndeny if {\n  not allow\n}\n")).toBe(
      "package a\n\nallow if input.x > 1\n\ndeny if {\n\tnot allow\n}\n",
    );
  });

  it("keeps comments where they were: own-line, trailing, and inside bodies", () => {
    const src = `# header
package a

# about p
p := 1 # one

q if {
  # first
  input.a   # trailing
  input.b

  # before c (after a blank line)
  input.c
  # last in body
}
# end of file
`;
    expect(fmt(src)).toBe(`# header
package a

# about p
p := 1 # one

q if {
\t# first
\tinput.a # trailing
\tinput.b

\t# before c (after a blank line)
\tinput.c
\t# last in body
}
# end of file
`);
  });

  it("keeps multi-line collections multi-line, one element per line with trailing commas", () => {
    const src = `package a\nm := {"a": 1,\n  "b": [1, 2]}\nn := [1,\n2]\n`;
    expect(fmt(src)).toBe(`package a\n\nm := {\n\t"a": 1,\n\t"b": [1, 2],\n}\n\nn := [\n\t1,\n\t2,\n]\n`);
  });

  it("writes template strings back as template strings, in the form they were written", () => {
    const src = 'package t\n\np := $"x={input.a} \\{lit\\} \\"q\\" {1 + 2 with input as 1}"\n\nq := $`raw {input.a}\nline \\{b}`\n';
    expect(fmt(src)).toBe('package t\n\np := $"x={input.a} \\{lit\\} \\"q\\" {1 + 2 with input as 1}"\n\nq := $`raw {input.a}\nline \\{b\\}`\n');
    expect(fmt(fmt(src))).toBe(fmt(src));
  });

  it("keeps a `with` written on its own line there, indented", () => {
    const src = "package a\ntest_x if {\n  allow with input as {}\n    with data.x as 1\n}\n";
    expect(fmt(src)).toBe("package a\n\ntest_x if {\n\tallow with input as {}\n\t\twith data.x as 1\n}\n");
  });

  it("puts parentheses exactly where precedence needs them", () => {
    const cases: [string, string][] = [
      ["x := (1 + 2) * 3", "x := (1 + 2) * 3"],
      ["x := 1 + (2 * 3)", "x := 1 + 2 * 3"],
      ["x := 1 - (2 - 3)", "x := 1 - (2 - 3)"],
      ["x := [(a | b)]", "x := [(a | b)]"],
      ["x := [(y + 1) | some y in z]", "x := [(y + 1) | some y in z]"],
      ["x := {k: v | some k, v in o}", "x := {k: v | some k, v in o}"],
      ['x := input["a-b"].c[0]', 'x := input["a-b"].c[0]'],
      ["not f(x) with input as {}", "not f(x) with input as {}"],
      ["every k, v in xs { k > v }", "every k, v in xs { k > v }"],
      ["x := `raw\\n`", "x := `raw\\n`"],
      ['x := "q\\"\\n"', 'x := "q\\"\\n"'],
      ["x := set()", "x := set()"],
      ["(1 in xs) in ys", "1 in xs in ys"],
      ["1 in (xs in ys)", "1 in (xs in ys)"],
    ];
    for (const [src, want] of cases) expect(formatExpr(parseQuery(src)[0]!), src).toBe(want);
  });

  it("formats else chains, with and without values", () => {
    const src = "package a\np := 1 if { input.a } else := 2 if { input.b } else := 3\nq if { input.a } else if { input.b }\n";
    expect(fmt(src)).toBe(
      "package a\n\np := 1 if {\n\tinput.a\n} else := 2 if {\n\tinput.b\n} else := 3\n\nq if {\n\tinput.a\n} else if {\n\tinput.b\n}\n",
    );
  });
});

// ---- every module in test/rego-cases and policy/ ----

interface Sample {
  name: string;
  text: string;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  for (const f of walk("test/rego-cases").filter((f) => f.endsWith(".yaml"))) {
    const doc = parse(readFileSync(f, "utf8")) as { cases: { note: string; modules?: string[] }[] };
    for (const c of doc.cases) (c.modules ?? []).forEach((text, i) => out.push({ name: `${c.note}#${i}`, text }));
  }
  for (const f of walk("policy").filter((f) => f.endsWith(".rego"))) out.push({ name: f, text: readFileSync(f, "utf8") });
  return out;
}

function parses(text: string): boolean {
  try {
    parseModule(text, "m.rego");
    return true;
  } catch {
    return false;
  }
}

/** The plan of every package's document, or undefined when the module does not compile. */
function planOf(text: string): string | undefined {
  try {
    const m = parseModule(text, "m.rego");
    return printPolicy(planEntrypoints(compileModules([m]), [`data.${m.package.path.join(".")}`]));
  } catch {
    return undefined;
  }
}

describe("formatting every sample", () => {
  const all = samples().filter((s) => parses(s.text));

  it("has samples", () => {
    expect(all.length).toBeGreaterThan(200);
  });

  it("is idempotent: fmt(fmt(x)) == fmt(x)", () => {
    const bad: string[] = [];
    for (const s of all) {
      const once = fmt(s.text);
      if (fmt(once) !== once) bad.push(s.name);
    }
    expect(bad).toEqual([]);
  });

  it("keeps every comment", () => {
    for (const s of all) {
      const before = parseModule(s.text, "m.rego").comments.map((c) => c.text.trim());
      const after = parseModule(fmt(s.text), "m.rego").comments.map((c) => c.text.trim());
      expect(after.sort(), s.name).toEqual(before.sort());
    }
  });

  it("preserves meaning: the formatted module plans to the same IR", () => {
    let compared = 0;
    const bad: string[] = [];
    for (const s of all) {
      const before = planOf(s.text);
      if (before === undefined) continue;
      compared++;
      if (planOf(fmt(s.text)) !== before) bad.push(s.name);
    }
    expect(bad).toEqual([]);
    expect(compared).toBeGreaterThan(150);
  });
});
