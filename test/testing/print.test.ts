// print(): rewritten by the compiler into internal.print (one set per operand), written through
// the evaluation's print hook on the reference interpreter and on the WebAssembly host; shown by
// `warden test` for failing tests (all with -v), sent to stderr by `warden eval`.
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli as cli } from "../cli-run.ts";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAll } from "../../src/pipeline.ts";
import { compileModules } from "../../src/compiler/compile.ts";
import { planEntrypoints } from "../../src/planner/planner.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { fromJSON } from "../../src/values/value.ts";
import { runTests } from "../../src/testing/run.ts";

const POLICY = `package p

r if {
	x := 3
	print("x is", x, input.missing, {2, 1}, {"a": [1]})
	print(["u", "v"][_], [1, 2][_])
}

cross if {
	print(numbers.range(1, 5)[_], numbers.range(1, 5)[_])
}
`;

function interpreterLines(entry: string, budget?: { builtinElements: number }): string[] {
  const policy = compileModules(parseAll([{ file: "p.rego", text: POLICY }]));
  const lines: string[] = [];
  const ip = new Interpreter(planEntrypoints(policy, [entry]));
  ip.eval(entry, { context: { print: (l) => void lines.push(l) }, ...(budget ? { budget } : {}) });
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe("print() on the reference interpreter", () => {
  it("prints strings raw, other values as Rego text, undefined operands as <undefined>, and every combination of iterated ones", () => {
    expect(interpreterLines("p/r")).toEqual(["x is 3 <undefined> {1, 2} {\"a\": [1]}", "u 1", "u 2", "v 1", "v 2"]);
  });

  it("refuses, coded, a cross product over the built-in element budget", () => {
    expect(() => interpreterLines("p/cross", { builtinElements: 10 })).toThrow(/eval_budget_exceeded|25 elements/);
    expect(interpreterLines("p/cross")).toHaveLength(25);
  });
});

describe("print() in warden test (the WebAssembly engine's host built-in)", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-print-"));
  writeFileSync(
    join(dir, "t_test.rego"),
    `package t

test_fails if {
	some n in [1, 2]
	print("n =", n)
	n > 5
}

test_passes if {
	print("fine")
}

test_silent if true
`,
  );

  it("collects each test's lines", async () => {
    const run = await runTests([{ file: join(dir, "t_test.rego"), text: readFileSync(join(dir, "t_test.rego"), "utf8") }], {});
    expect(run.results.map((r) => [r.test.name, r.outcome, r.output])).toEqual([
      ["test_fails", "fail", ["n = 1", "n = 2"]],
      ["test_passes", "pass", ["fine"]],
      ["test_silent", "pass", undefined],
    ]);
  });

  it("shows the output of failing tests, of all with -v, and base64 in -f json (Go's []byte, as opa test -f json)", async () => {
    const plain = await cli(["test", dir]);
    expect(plain.code).toBe(1);
    // As OPA's reporter: below the test's line, indented, between blank lines; not in FAILURES.
    expect(plain.out).toContain("data.t.test_fails: FAIL");
    expect(plain.out).toMatch(/\n\/.*t_test\.rego:\ndata\.t\.test_fails: FAIL \([^)]*\)\n\n  n = 1\n  n = 2\n\n/);
    expect(plain.out.indexOf("n = 1")).toBeGreaterThan(plain.out.indexOf("SUMMARY"));
    expect(plain.out).not.toContain("fine");
    expect((await cli(["test", "-v", dir])).out).toContain("data.t.test_passes: PASS");
    expect((await cli(["test", "-v", dir])).out).toContain("  fine\n");
    const json = JSON.parse((await cli(["test", "-f", "json", dir])).out) as { name: string; output?: string }[];
    expect(Buffer.from(json[0]!.output!, "base64").toString()).toBe("n = 1\nn = 2\n");
    expect(json[2]!.output).toBeUndefined();
  });

  it("warden eval writes print output to stderr, as opa eval does, and the result to stdout", async () => {
    const policy = mkdtempSync(join(tmpdir(), "warden-print-eval-"));
    writeFileSync(join(policy, "e.rego"), 'package e\n\nallow if {\n\tprint("fine")\n}\n');
    const r = await cli(["eval", "-d", policy, "data.e.allow"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("fine\n");
    expect(JSON.parse(r.out)).toMatchObject({ result: [{ expressions: [{ value: true }] }] });
  });
});

// Values keep their Rego text through the host boundary (sets stay sets).
it("the host built-in receives sets, not JSON arrays", async () => {
  const run = await runTests([{ file: "s_test.rego", text: 'package s\n\ntest_set if {\n\tprint({3, 1}, "x")\n\tfalse\n}\n' }], fromJSON({}));
  expect(run.results[0]!.output).toEqual(["{1, 3} x"]);
});
