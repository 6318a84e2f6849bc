// OPA's strict mode (`check -S`, `eval -S`), eval's --strict-builtin-errors, --fail and
// --fail-defined, -I (the input from standard input), and errors shown with their source line.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli as cli } from "../cli-run.ts";
import { errorsOf } from "../helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), "warden-strict-"));
const sloppy = join(dir, "sloppy.rego");
writeFileSync(
  sloppy,
  `package s

import data.other.thing
import input.user as u

f(x, y) := x if {
	z := 1
	[a, b] := [1, 2]
	a == 1
}

g(_) := u

h(x) := 1 if x > 0
`,
);

describe("strict mode", () => {
  it("check -S reports unused imports, arguments and := assignments, located; without it the module compiles", async () => {
    const loose = await cli(["check", sloppy]);
    expect(loose.code).toBe(0);
    const strict = await cli(["check", "-S", "--json", sloppy]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out).errors.map((e: { message: string; location: { row: number; col: number } }) => `${e.location.row}:${e.location.col} ${e.message}`)).toEqual([
      "3:1 import data.other.thing unused",
      // OPA locates an unused argument at the function's head, not at the argument.
      "6:1 unused argument y. (hint: use _ (wildcard variable) instead)",
      "7:2 assigned var z unused",
      "8:6 assigned var b unused",
    ]);
  });

  it("a var used in the head, in a closure, as a repeated argument or through an alias counts as used", async () => {
    const file = join(dir, "tidy.rego");
    writeFileSync(
      file,
      `package t

import data.t.limits as l
import input.user

same(x, x) := true

p := ys if {
	k := 2
	ys := [y | some y in input.xs; y > k]
}

q contains v if {
	v := user.name
	v != l.banned
}

limits := {"banned": "mallory"}
`,
    );
    const r = await cli(["check", "--strict", file]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("an argument used in any branch of an else chain is used; an unused one is reported once, at the head", async () => {
    const file = join(dir, "chain.rego");
    writeFileSync(
      file,
      `package c

pick(x, fallback) := x if {
	x != ""
} else := fallback

tag(kind, label) := "a" if {
	kind == 1
} else := "b" if {
	kind == 2
}
`,
    );
    const r = await cli(["check", "-S", "--json", file]);
    expect(JSON.parse(r.out).errors.map((e: { message: string; location: { row: number; col: number } }) => `${e.location.row}:${e.location.col} ${e.message}`)).toEqual([
      "7:1 unused argument label. (hint: use _ (wildcard variable) instead)",
    ]);
  });

  it("an unused `some` var is an error with or without strict mode, as in OPA", async () => {
    expect(await errorsOf(["package x\n\np if {\n\tsome k\n\tinput.a == 1\n}\n"], "data.x.p = v")).toEqual(["rego_compile_error@4:7: declared var k unused"]);
  });

  it("eval -S compiles strictly; --strict-builtin-errors makes a built-in's error fail the query", async () => {
    expect((await cli(["eval", "-d", sloppy, "data.s.h(1)"])).code).toBe(0);
    const strict = await cli(["eval", "-S", "-d", sloppy, "data.s.h(1)"]);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain("import data.other.thing unused");
    const lax = await cli(["eval", "-f", "values", "x := to_number(\"nope\")"]);
    expect(lax.code).toBe(0);
    expect(JSON.parse(lax.out)).toEqual([]);
    const halted = await cli(["eval", "--strict-builtin-errors", "x := to_number(\"nope\")"]);
    expect(halted.code).toBe(1);
    expect(halted.err).toContain("eval_builtin_error");
  });

  it("--fail exits 1 on an undefined query, --fail-defined on a defined one; both at once is a usage error", async () => {
    expect((await cli(["eval", "--fail", "1 == 2"])).code).toBe(1);
    expect((await cli(["eval", "--fail", "1 == 1"])).code).toBe(0);
    expect((await cli(["eval", "--fail-defined", "1 == 1"])).code).toBe(1);
    expect((await cli(["eval", "--fail-defined", "1 == 2"])).code).toBe(0);
    const both = await cli(["eval", "--fail", "--fail-defined", "true"]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("exclude each other");
  });

  it("-I reads the input from standard input; malformed input is a usage error, and so is a second input", () => {
    const run = (args: string[], stdin: string) => spawnSync(process.execPath, [join(ROOT, "bin/warden.mjs"), ...args], { cwd: ROOT, input: stdin, encoding: "utf8" });
    const ok = run(["eval", "-I", "-f", "values", "input.user.name"], '{"user": {"name": "lena"}}');
    expect(ok.stderr).toBe("");
    expect(JSON.parse(ok.stdout)).toEqual([["lena"]]);
    const bad = run(["eval", "-I", "input.x"], "{not json");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("standard input: invalid JSON");
    const twice = run(["eval", "-I", "--input-json", "{}", "input.x"], "{}");
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain("give one of -i, --input-json and -I");
  });

  it("an error is printed with its source line and a caret at its column, leading tabs dropped", async () => {
    const file = join(dir, "broken.rego");
    writeFileSync(file, "package b\n\np if {\n\tx := nosuch.fn(1)\n\tx\n}\n");
    const r = await cli(["check", file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${file}:4:7: rego_type_error: undefined function nosuch.fn\n\tx := nosuch.fn(1)\n\t     ^\n1 error\n`);
  });
});
