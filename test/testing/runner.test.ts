// `warden test`: a directory of passing tests and one of failing tests (test/fixtures/policy-tests),
// run through the WebAssembly engine; what is reported, how, and with which exit code.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli as cli } from "../cli-run.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPaths } from "../../src/cli/files.ts";
import { runTests, type TestRun } from "../../src/testing/run.ts";
import { jsonReport, prettyReport } from "../../src/testing/report.ts";

const PASSING = "test/fixtures/policy-tests/passing";
const FAILING = "test/fixtures/policy-tests/failing";

async function runDir(dir: string, opts: Parameters<typeof runTests>[2] = {}): Promise<TestRun> {
  const { sources, data } = loadPaths([dir], { tests: true });
  return runTests(sources, data, opts);
}

/** Runs the CLI, capturing what it writes. */

afterEach(() => vi.restoreAllMocks());

describe("passing tests", () => {
  let run: TestRun;
  beforeAll(async () => {
    run = await runDir(PASSING, { coverage: true });
  }, 300_000);

  it("runs every test_ rule, mocks of input, data, functions and built-ins included", () => {
    const outcomes = Object.fromEntries(run.results.map((r) => [r.test.name, r.outcome]));
    expect(outcomes).toEqual({
      test_admin_allowed: "pass",
      test_viewer_can_get: "pass",
      test_viewer_cannot_post: "pass",
      test_guest_reads_with_mocked_data: "pass",
      test_limit_of_editor: "pass",
      test_vip_discount: "pass",
      test_discount_mocked: "pass",
      test_sprintf_mocked: "pass",
      todo_test_editor_limits: "skip",
    });
    expect(run.results.every((r) => r.test.pkg === "data.authz_test")).toBe(true);
  });

  it("prints only the summary when nothing fails, every test with -v", () => {
    expect(prettyReport(run).split("\n").slice(-3)).toEqual(["PASS: 8/9", "SKIPPED: 1/9", ""]);
    const verbose = prettyReport(run, { verbose: true });
    expect(verbose).toMatch(/^test\/fixtures\/policy-tests\/passing\/authz_test\.rego:\n/);
    expect(verbose).toMatch(/\ndata\.authz_test\.test_admin_allowed: PASS \(\d+(\.\d+)?(ns|µs|ms|s)\)\n/);
    expect(verbose).toContain("\ndata.authz_test.todo_test_editor_limits: SKIPPED\n");
  });

  it("measures line coverage of the policy: the rule no test calls is not covered", () => {
    const cov = run.coverage!;
    expect(cov.files.map((f) => f.file)).toEqual([join(PASSING, "authz.rego")]);
    const [file] = cov.files;
    // `unused` (lines 22-25) never runs; everything the tests reach is covered.
    expect(file!.notCovered).toEqual([22, 23, 24]);
    expect(file!.covered).toEqual(expect.arrayContaining([6, 9, 10, 13, 15, 17, 19]));
    expect(cov.percent).toBeGreaterThan(50);
    expect(cov.percent).toBeLessThan(100);
  });

  it("prints coverage in JSON as opa test --coverage does: OPA's report, row ranges and totals", () => {
    const report = JSON.parse(jsonReport(run));
    const file = report.files[join(PASSING, "authz.rego")];
    expect(file.not_covered).toEqual([{ start: { row: 22 }, end: { row: 24 } }]);
    expect(file.not_covered_lines).toBe(3);
    expect(report.not_covered_lines).toBe(3);
    expect(report.coverage).toBeCloseTo((100 * report.covered_lines) / (report.covered_lines + 3), 10);
    expect(Object.keys(report)).toEqual(["files", "covered_lines", "not_covered_lines", "coverage"]);
  });
});

describe("failing tests", () => {
  let run: TestRun;
  beforeAll(async () => {
    run = await runDir(FAILING);
  }, 300_000);

  it("reports pass, fail, error and skip", () => {
    const outcomes = Object.fromEntries(run.results.map((r) => [r.test.name, r.outcome]));
    expect(outcomes).toEqual({
      test_admin_allowed: "pass",
      test_viewer_can_post: "fail",
      test_viewer_limit: "fail",
      test_value_not_true: "fail",
      test_conflict: "error",
      todo_test_later: "skip",
    });
    const conflict = run.results.find((r) => r.test.name === "test_conflict")!;
    expect(conflict.error).toMatch(/eval_conflict_error: functions must not produce multiple outputs/);
  });

  it("names the expression that failed, with its file and line", () => {
    const failures = Object.fromEntries(run.results.filter((r) => r.failures).map((r) => [r.test.name, r.failures]));
    const file = join(FAILING, "authz_test.rego");
    expect(failures).toEqual({
      test_viewer_can_post: [{ file, row: 9, text: "authz.allow with input as input_doc" }],
      test_viewer_limit: [{ file, row: 15, text: "l == 11" }],
      test_value_not_true: [{ file, row: 18, text: "the rule's value is 5, not true" }],
    });
  });

  it("prints OPA's layout: FAILURES, SUMMARY, counts", () => {
    const text = prettyReport(run);
    const file = join(FAILING, "authz_test.rego");
    expect(text).toMatch(
      new RegExp(
        [
          "^FAILURES",
          "-{80}",
          "data\\.authz_test\\.test_viewer_can_post: FAIL \\([^)]+\\)",
          "",
          `  ${file}:9:`,
          "    authz\\.allow with input as input_doc",
          "",
        ].join("\n"),
      ),
    );
    expect(text).toContain(`SUMMARY\n${"-".repeat(80)}\n${file}:\n`);
    expect(text).toMatch(/\ndata\.authz_test\.test_conflict: ERROR \([^)]+\)\n  .*eval_conflict_error/);
    expect(text).not.toContain("test_admin_allowed");
    expect(text.endsWith(`${"-".repeat(80)}\nPASS: 1/6\nFAIL: 3/6\nSKIPPED: 1/6\nERROR: 1/6\n`)).toBe(true);
  });
});

describe("the command", () => {
  it("exits 1 on failures, with -f json OPA's array of test results", async () => {
    const { code, out } = await cli(["test", FAILING, "-f", "json"]);
    expect(code).toBe(1);
    const doc = JSON.parse(out) as Record<string, unknown>[];
    expect(Array.isArray(doc)).toBe(true);
    expect(doc).toHaveLength(6);
    expect(doc.filter((t) => t.fail === true)).toHaveLength(3);
    expect(doc.filter((t) => t.skip === true)).toHaveLength(1);
    const errored = doc.filter((t) => t.error !== undefined);
    expect(errored).toHaveLength(1);
    expect(errored[0]!.error).toMatchObject({ code: "eval_conflict_error", message: expect.any(String) });
    const first = doc[0]!;
    expect(first).toMatchObject({
      package: "data.authz_test",
      name: "test_admin_allowed",
      location: { file: join(FAILING, "authz_test.rego"), row: 5, col: 1 },
    });
    expect(first.fail).toBeUndefined();
    expect(typeof first.duration).toBe("number");
  }, 300_000);

  it("exits 0 when every selected test passes; --run selects by full name; --threshold fails below it", async () => {
    const ok = await cli(["test", PASSING, "--run", "mock", "-v", "--threshold", "10"]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("data.authz_test.test_guest_reads_with_mocked_data: PASS");
    expect(ok.out).toContain("data.authz_test.test_discount_mocked: PASS");
    expect(ok.out).not.toContain("test_admin_allowed");
    expect(ok.out).toMatch(/COVERAGE\n.*authz\.rego: \d+\.\d\d% \(\d+\/\d+ lines\), not covered: /);
    expect(ok.out).toMatch(/PASS: 3\/3\n$/);

    const low = await cli(["test", PASSING, "--threshold", "100"]);
    expect(low.code).toBe(1);
    expect(low.err).toMatch(/coverage threshold not met: got \d+\.\d\d instead of 100\.00/);
  }, 300_000);

  it("reports compile errors of every file located, tests included, and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-test-"));
    writeFileSync(join(dir, "p.rego"), "package p\n\nallow if input.x == y\n");
    writeFileSync(join(dir, "p_test.rego"), "package p_test\n\ntest_a if undefined_fn(1)\n");
    const { code, err } = await cli(["test", dir]);
    expect(code).toBe(1);
    expect(err).toContain(`${join(dir, "p.rego")}:3:21: rego_unsafe_var_error: var y is unsafe`);
    expect(err).toContain(`${join(dir, "p_test.rego")}:3:11: rego_type_error: undefined function undefined_fn`);
    const checked = await cli(["check", dir]);
    expect(checked.code).toBe(1);
    expect(checked.err).toBe(err);
  });
});

describe("--v0-compatible", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-v0-"));
  writeFileSync(
    join(dir, "lib.rego"),
    `package lib

labels_missing = set_diff(cast_set(input.required), cast_set(object.keys(input.labels)))

contains(arr, elem) {
	arr[_] = elem
}

allowed {
	re_match("^nginx:", input.image)
	contains(["a", "b"], "b")
}
`,
  );
  writeFileSync(
    join(dir, "lib_test.rego"),
    `package lib

test_labels {
	labels_missing == {"team"} with input as {"required": ["app", "team"], "labels": {"app": "x"}}
}

test_allowed {
	allowed with input as {"image": "nginx:1"}
}
`,
  );

  it("runs a pre-1.0 library unchanged: v0 syntax, deprecated built-ins, sets from host built-ins", async () => {
    const r = await cli(["test", "--v0-compatible", dir]);
    expect(r.err).toBe("");
    expect(r.out).toContain("PASS: 2/2");
    expect(r.code).toBe(0);
  });

  it("refuses the same files as Rego v1", async () => {
    const r = await cli(["test", dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("`if` keyword is required before rule body");
  });
});

describe("test rules sharing a name", () => {
  it("runs each definition as its own test, reported as test_x, test_x#01, ... (a failing one is not hidden)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-dup-"));
    writeFileSync(join(dir, "t_test.rego"), "package t\n\ntest_a if true\n\ntest_a if false\n\ntest_b if true\n\ntest_a if 1 == 1\n");
    const run = await runDir(dir);
    expect(run.results.map((r) => [r.test.name, r.outcome, r.test.loc.row])).toEqual([
      ["test_a", "pass", 3],
      ["test_a#01", "fail", 5],
      ["test_b", "pass", 7],
      ["test_a#02", "pass", 9],
    ]);
  });
});

describe("parametrised tests (a set or one-key object of case names)", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-cases-"));
  writeFileSync(
    join(dir, "c_test.rego"),
    `package c

cases := {"one": 1, "two": 2, "three": 3}

test_small[note] if {
	some note, n in cases
	n < 3
}

test_named contains name if {
	some name in ["u", "v"]
}

test_none contains name if {
	some name in []
}

test_values[k] := v if {
	some k, n in cases
	v := n == 1
}

# The name is bound by an expression needing a later one: no companion compiles for it, and the
# others still get theirs.
test_late contains name if {
	name = concat("", [y])
	y = "a"
}
`,
  );

  it("reports each case; a case the body did not reach its end for fails the test", async () => {
    const run = await runDir(dir);
    const shown = run.results.map((r) => [r.test.name, r.outcome, r.cases?.map((c) => `${c.name}:${c.outcome}`)]);
    expect(shown).toEqual([
      ["test_small", "fail", ["one:pass", "three:fail", "two:pass"]],
      ["test_named", "pass", ["u:pass", "v:pass"]],
      ["test_none", "fail", []],
      ["test_values", "fail", ["one:pass", "three:fail", "two:fail"]],
      ["test_late", "pass", ["a:pass"]],
    ]);
    expect(run.results[0]!.failures).toEqual([{ file: join(dir, "c_test.rego"), row: 5, text: 'case "three" failed' }]);
    expect(run.results[2]!.failures![0]!.text).toBe("the test produced no cases");
  });

  it("shows failing cases (all with -v) and lists them in -f json", async () => {
    const pretty = await cli(["test", dir]);
    expect(pretty.code).toBe(1);
    expect(pretty.out).toContain("data.c.test_small: FAIL");
    expect(pretty.out).toContain("  three: FAIL\n");
    expect(pretty.out).not.toContain("  one: PASS");
    expect((await cli(["test", "-v", dir])).out).toContain("data.c.test_named: PASS");
    const json = JSON.parse((await cli(["test", "--json", dir])).out) as { name: string; fail?: boolean; cases?: unknown }[];
    expect(json.find((t) => t.name === "test_named")).toMatchObject({ cases: [{ name: "u" }, { name: "v" }] });
    expect(json.find((t) => t.name === "test_small")).toMatchObject({ fail: true, cases: [{ name: "one" }, { name: "three", fail: true }, { name: "two" }] });
  });
});

describe("a v0 policy library with its own tests (test/fixtures/policy-tests/v0-library)", () => {
  it("passes unchanged with --v0-compatible: deny[msg] { … }, default x = v, contains and in as names, v0 parametrised test", async () => {
    const r = await cli(["test", "--v0-compatible", "-v", "test/fixtures/policy-tests/v0-library"]);
    expect(r.err).toBe("");
    expect(r.out).toContain("PASS: 8/8"); // the parametrised test counts once per case, as OPA counts sub-results
    expect(r.out).toContain("  untrusted: PASS");
    expect(r.code).toBe(0);
  });
});

describe("--timeout", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-timeout-"));
  writeFileSync(
    join(dir, "s_test.rego"),
    `package s

test_slow if {
	count([x | some i in numbers.range(1, 100000); x := crypto.sha256(sprintf("%d", [i]))]) > 0
}

test_quick if true
`,
  );

  it("reports a test past its wall time as an error (eval_cancel_error); the others still run", async () => {
    const r = await cli(["test", "-f", "json", "--timeout", "5ms", dir]);
    expect(r.code).toBe(1);
    const tests = JSON.parse(r.out) as { name: string; error?: { code: string; message: string }; fail?: boolean }[];
    expect(tests.map((t) => [t.name, t.error?.code])).toEqual([
      ["test_slow", "eval_cancel_error"],
      ["test_quick", undefined],
    ]);
    expect(tests[0]!.error!.message).toBe("test timed out after 5ms");
    expect((await cli(["test", "--timeout", "0", dir])).code).toBe(0);
  });

  it("refuses a value that is not a duration (exit 2)", async () => {
    const r = await cli(["test", "--timeout", "5", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--timeout takes a duration");
  });
});

describe("--var-values", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-vars-"));
  writeFileSync(
    join(dir, "v_test.rego"),
    `package v

test_sum if {
	x := 3
	y := {"a": "s"}
	some k, _ in y
	x + 1 == count(k) + 4
}

test_last_iteration if {
	some n in [1, 2]
	n > 5
}
`,
  );

  it("shows, under the failing expression, the values its bound variables had there (strings quoted)", async () => {
    const run = await runDir(dir, { varValues: true });
    expect(run.results.map((r) => r.failures?.map((f) => [f.text, f.vars]))).toEqual([
      [["x + 1 == count(k) + 4", { k: '"a"', x: "3" }]],
      [["n > 5", { n: "2" }]],
    ]);
    const r = await cli(["test", "--var-values", dir]);
    expect(r.out).toContain("    x + 1 == count(k) + 4\n      k: \"a\"\n      x: 3\n");
    expect(JSON.parse((await cli(["test", "--var-values", "-f", "json", dir])).out)[1].failures[0].vars).toEqual({ n: "2" });
  });

  it("leaves the values out without the flag", async () => {
    const run = await runDir(dir);
    expect(run.results[0]!.failures).toEqual([{ file: join(dir, "v_test.rego"), row: 7, text: "x + 1 == count(k) + 4" }]);
  });
});

describe("--bench", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-bench-"));
  writeFileSync(
    join(dir, "b_test.rego"),
    `package b

test_cheap if { 1 + 1 == 2 }

test_dearer if { count([x | some x in numbers.range(1, 2000); x % 7 == 0]) == 285 }

test_fails if { 1 == 2 }
`,
  );

  it("times each passing test over rounds until the bench time, Go's b.N growth; failing tests are not benchmarked", async () => {
    const run = await runDir(dir, { bench: { timeNs: 20e6 } });
    const [cheap, dearer, fails] = run.results;
    for (const r of [cheap!, dearer!]) {
      expect(r.bench!.totalNs).toBeGreaterThanOrEqual(20e6);
      expect(r.bench!.n).toBeGreaterThan(1);
    }
    // The dearer test does more work per evaluation, so fewer of them fit the same time.
    expect(dearer!.bench!.n).toBeLessThan(cheap!.bench!.n);
    expect(fails!.bench).toBeUndefined();
  });

  it("on the command line: a Go benchmark line per passing test; -f json has OPA's benchmark_result {N, T}; --benchtime needs --bench", async () => {
    const r = await cli(["test", "--bench", "--benchtime", "10ms", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^data\.b\.test_cheap\t +\d+\t +\d+ ns\/op$/m);
    const json = JSON.parse((await cli(["test", "--bench", "--benchtime", "10ms", "-f", "json", dir])).out) as { name: string; benchmark_result?: { N: number; T: number } }[];
    expect(json[0]!.benchmark_result).toEqual({ N: expect.any(Number), T: expect.any(Number) });
    expect(json[0]!.benchmark_result!.T).toBeGreaterThanOrEqual(10e6);
    expect(json[2]!.benchmark_result).toBeUndefined();
    const alone = await cli(["test", "--benchtime", "1s", dir]);
    expect(alone.code).toBe(2);
    expect(alone.err).toContain("--benchtime goes with --bench");
    expect((await cli(["test", "--bench", "--benchtime", "soon", dir])).err).toContain("--benchtime takes a duration");
  });
});

describe("one test is one query", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-query-"));
  writeFileSync(
    join(dir, "q_test.rego"),
    `package q

test_clock_is_fixed if {
	before := time.now_ns()
	count([x | some i in numbers.range(1, 20000); x := sprintf("%d", [i])]) > 0
	before == time.now_ns()
}

test_memo_lasts_the_query if rand.intn("k", 1000000000) == rand.intn("k", 1000000000)
`,
  );

  it("keeps time.now_ns() and the built-ins' memo for the whole test, as OPA does per query", async () => {
    const r = await cli(["test", "-f", "json", dir]);
    const tests = JSON.parse(r.out) as { name: string; fail?: boolean }[];
    expect(tests.map((t) => [t.name, t.fail ?? false])).toEqual([
      ["test_clock_is_fixed", false],
      ["test_memo_lasts_the_query", false],
    ]);
  });
});

describe("a policy larger than the SDK's default memory", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-large-"));
  // 400 kB of string constants: the module's data segments need more than 5 pages of 64 KiB.
  writeFileSync(join(dir, "big_test.rego"), `package big\n\ntext := "${"a".repeat(400_000)}"\n\ntest_big if count(text) == 400000\n`);

  it("gets the memory its data segments need", async () => {
    const r = await cli(["test", dir]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("--ignore", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-ignore-"));
  writeFileSync(join(dir, "a_test.rego"), "package a\n\ntest_a if data.v == 1\n");
  writeFileSync(join(dir, "one.yaml"), "v: 1\n");
  writeFileSync(join(dir, "two.yaml"), "v: 2\n");
  writeFileSync(join(dir, "skip_test.rego"), "package a\n\ntest_b if false\n");

  it("leaves out the files of the names given, repeated or comma-separated, as opa test does", async () => {
    expect((await cli(["test", dir])).code).toBe(2); // one.yaml and two.yaml conflict
    expect((await cli(["test", "--ignore", "two.yaml", "--ignore", "skip_*", dir])).code).toBe(0);
    expect((await cli(["test", "--ignore", "two.yaml,skip_*", dir])).code).toBe(0);
  });
});
