// The conformance harness judged against a fake engine: loading, comparison rules, errors,
// timeouts and isolation, the summary line and the baseline.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Bindings, Engine, QueryRequest } from "../../src/engine.ts";
import { RegoError, RegoErrors } from "../../src/errors.ts";
import { BigNumber, fromJSON, ObjectValue, SetValue, type Value } from "../../src/values/value.ts";
import { loadCases, type ConformanceCase } from "../../src/conformance/cases.ts";
import { grownBaseline, jsonLine, regressions, summarize } from "../../src/conformance/report.ts";
import { runAll, runCase, runIsolated, type CaseReport, type EngineRef } from "../../src/conformance/run.ts";

/** An engine answering every query with `answer` (results, or an error to reject with). */
function fakeEngine(answer: Value[] | Record<string, Value>[] | Error | ((r: QueryRequest) => Bindings[])): Engine & { seen: QueryRequest[] } {
  const seen: QueryRequest[] = [];
  return {
    name: "ir",
    seen,
    async run(request) {
      seen.push(request);
      if (typeof answer === "function") return answer(request);
      if (answer instanceof Error) throw answer;
      return (answer as Record<string, Value>[]).map((b) => new Map(Object.entries(b)));
    },
  };
}

/** Writes YAML files under a fresh conformance root and loads them. */
function load(files: Record<string, string>): ConformanceCase[] {
  const root = mkdtempSync(join(tmpdir(), "conformance-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return loadCases([root], root);
}

/** One opa/v1 case from the YAML text of its fields. */
function oneCase(fields: string): ConformanceCase {
  const body = fields
    .trim()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
  return load({ "opa/v1/x/t.yaml": `cases:\n  - note: n\n    query: data.p = x\n${body}\n` })[0]!;
}

const set = (...xs: Value[]) => SetValue.of(xs);
const obj = (entries: [Value, Value][]) => ObjectValue.fromEntries(entries);

async function status(c: ConformanceCase, engine: Engine) {
  return (await runCase(engine, c)).status;
}

describe("loading cases", () => {
  it("names ids, folders, modules and dialects as OPA's runners do", () => {
    const cases = load({
      "opa/v1/agg/a.yaml": `cases:
  - note: same
    query: data.test.p = x
    modules: ["package test\\np := 1", "package other"]
    data: {"big": 123456789012345678901234567890, "small": 3}
    input_term: '{"a": {1, 2}}'
    strict_error: true
    want_result: [{"x": 1}]
  - note: same
    query: "true"
    want_result: []
`,
      "opa-wasm/w.yaml": `cases:
  - note: w
    query: input.x = 1
    input: {"x": 1}
    disable_partial: true
    return_code: 1
`,
    });
    expect(cases.map((c) => c.id)).toEqual(["opa/v1/agg/a.yaml#same", "opa/v1/agg/a.yaml#same (2)", "opa-wasm/w.yaml#w"]);
    const [v1, v1b, wasm] = [cases.find((c) => c.id.endsWith("#same"))!, cases.find((c) => c.id.endsWith("(2)"))!, cases.find((c) => c.folder === "opa-wasm")!];
    expect(v1.folder).toBe("opa/v1/agg");
    expect(v1.modules.map((m) => m.file)).toEqual(["test-0.rego", "test-1.rego"]);
    expect(v1.regoVersion).toBe(1);
    expect(v1.strictBuiltinErrors).toBe(true);
    expect(v1.inputTerm).toBe('{"a": {1, 2}}');
    expect(v1.data).toEqual({ big: 123456789012345678901234567890n, small: 3 });
    expect(v1b.expect).toEqual({ kind: "result", bindings: [], sortBindings: false });
    expect(wasm.regoVersion).toBe(0);
    expect(wasm.input).toEqual({ x: 1 });
    expect(wasm.expect).toEqual({ kind: "defined", defined: true });
  });

  it("names opa-wasm modules module0.rego, as their expected messages do", () => {
    const [c] = load({ "opa-wasm/w.yaml": `cases:\n  - note: w\n    query: data.x.p\n    modules: ["package x"]\n    want_defined: false\n` });
    expect(c!.modules[0]!.file).toBe("module0.rego");
    expect(c!.expect).toEqual({ kind: "defined", defined: false });
  });

  it("reads the misspelt retutrn_code of opa-wasm/003_comparison.yaml as return_code", () => {
    const [c] = load({ "opa-wasm/w.yaml": `cases:\n  - note: w\n    query: input.x <= 0\n    retutrn_code: 0\n` });
    expect(c!.expect).toEqual({ kind: "defined", defined: false });
  });

  it("skips, with a reason, what it cannot run faithfully", () => {
    expect(oneCase(`want_result: []\nenv: {A: b}`).expect).toEqual({ kind: "skip", reason: "unsupported field(s): env" });
    expect(oneCase(`want_result: []\nwant_error: boom`).expect.kind).toBe("skip");
    expect(oneCase(`sort_bindings: true`).expect.kind).toBe("skip");
    expect(oneCase(`return_code: 2`).expect.kind).toBe("skip");
    const custom = load({ "opa-wasm/w.yaml": `cases:\n  - note: w\n    query: x = custom_builtin_test(100)\n    want_result: [{x: 101}]\n` })[0]!;
    expect(custom.expect).toMatchObject({ kind: "skip", reason: expect.stringContaining("calls custom_builtin_test, a host built-in") });
  });

  it("hands the case to the engine as a QueryRequest", async () => {
    const engine = fakeEngine([]);
    await runCase(engine, oneCase(`modules: ["package p"]\ninput: [1, 2]\nstrict_error: true\nwant_result: []`));
    expect(engine.seen[0]).toEqual({
      modules: [{ file: "test-0.rego", text: "package p" }],
      query: "data.p = x",
      input: [1, 2],
      strictBuiltinErrors: true,
      regoVersion: 1,
    });
  });
});

describe("comparing results", () => {
  const want12 = oneCase(`want_result: [{"x": 1}, {"x": 2}]`);

  it("compares the binding sets as a set: order and repeats do not matter", async () => {
    expect(await status(want12, fakeEngine([{ x: 1 }, { x: 2 }]))).toBe("passed");
    expect(await status(want12, fakeEngine([{ x: 2 }, { x: 1 }]))).toBe("passed");
    expect(await status(want12, fakeEngine([{ x: 2 }, { x: 1 }, { x: 1 }]))).toBe("passed");
    expect(await status(want12, fakeEngine([{ x: 1 }]))).toBe("failed");
    expect(await status(want12, fakeEngine([{ x: 1 }, { x: 2 }, { x: 3 }]))).toBe("failed");
  });

  it("requires every variable of a binding set, and no other", async () => {
    expect(await status(want12, fakeEngine([{ x: 1, y: 0 }, { x: 2, y: 0 }]))).toBe("failed");
  });

  it("compares numbers by value, big integers exactly", async () => {
    expect(await status(oneCase(`want_result: [{"x": 1.0}]`), fakeEngine([{ x: 1 }]))).toBe("passed");
    const big = oneCase(`want_result: [{"x": 18446744073709551616}]`);
    expect(await status(big, fakeEngine([{ x: fromJSON(2n ** 64n) }]))).toBe("passed");
    expect(await status(big, fakeEngine([{ x: fromJSON(2n ** 64n + 1n) }]))).toBe("failed");
    expect(await status(oneCase(`want_result: [{"x": 1e400}]`), fakeEngine([{ x: new BigNumber("1e400", null) }]))).toBe("failed");
  });

  it("ignores object key order, respects array order", async () => {
    const o = oneCase(`want_result: [{"x": {"a": 1, "b": [1, 2]}}]`);
    expect(await status(o, fakeEngine([{ x: obj([["b", [1, 2]], ["a", 1]]) }]))).toBe("passed");
    expect(await status(o, fakeEngine([{ x: obj([["a", 1], ["b", [2, 1]]]) }]))).toBe("failed");
  });

  it("sees sets as sorted arrays and non-string keys as their JSON text", async () => {
    const s = oneCase(`want_result: [{"x": [1, "a", [2]]}]`);
    expect(await status(s, fakeEngine([{ x: set([2], "a", 1) }]))).toBe("passed");
    const k = oneCase(`want_result: [{"x": {"1": true, "[1,2]": {"s": [3]}}}]`);
    expect(await status(k, fakeEngine([{ x: obj([[1, true], [set(2, 1), obj([["s", set(3)]])]]) }]))).toBe("passed");
    // A set is not equal to the same elements unsorted.
    expect(await status(oneCase(`want_result: [{"x": [2, 1]}]`), fakeEngine([{ x: set(1, 2) }]))).toBe("failed");
  });

  it("with sort_bindings, sorts each bound array of the engine's results (not the expected ones)", async () => {
    const sorted = oneCase(`sort_bindings: true\nwant_result: [{"x": [1, 2, 3]}]`);
    expect(await status(sorted, fakeEngine([{ x: [3, 1, 2] }]))).toBe("passed");
    const unsortedWant = oneCase(`sort_bindings: true\nwant_result: [{"x": [3, 1, 2]}]`);
    expect(await status(unsortedWant, fakeEngine([{ x: [3, 1, 2] }]))).toBe("failed");
    expect(await status(oneCase(`want_result: [{"x": [1, 2, 3]}]`), fakeEngine([{ x: [3, 1, 2] }]))).toBe("failed");
  });

  it("reads want_result: [] as no results", async () => {
    const none = oneCase(`want_result: []`);
    expect(await status(none, fakeEngine([]))).toBe("passed");
    expect(await status(none, fakeEngine([{}]))).toBe("failed");
  });

  it("fails on an error when results are expected, saying what it got", async () => {
    const r = await runCase(fakeEngine(new RegoError("eval_type_error", "boom")), want12);
    expect(r).toMatchObject({ status: "failed", reason: "unexpected error: eval_type_error: boom" });
  });

  it("reports what differed in one line, and in full for --verbose", async () => {
    const r = await runCase(fakeEngine([{ x: set(1) }]), want12);
    expect(r).toEqual({
      status: "failed",
      reason: 'results differ: got [{"x":[1]}], want [{"x":1},{"x":2}]',
      got: '[{"x":[1]}]',
      want: '[{"x":1},{"x":2}]',
    });
  });
});

describe("definedness", () => {
  const wasmCase = (expectation: string) =>
    load({ "opa-wasm/w.yaml": `cases:\n  - note: w\n    query: input.x = 1\n    ${expectation}\n` })[0]!;

  it("return_code 1 means defined and 0 undefined", async () => {
    expect(await status(wasmCase("return_code: 1"), fakeEngine([{}]))).toBe("passed");
    expect(await status(wasmCase("return_code: 1"), fakeEngine([]))).toBe("failed");
    expect(await status(wasmCase("return_code: 0"), fakeEngine([]))).toBe("passed");
    expect(await status(wasmCase("return_code: 0"), fakeEngine([{}, {}]))).toBe("failed");
  });

  it("want_defined asks for at least one result, or none", async () => {
    expect(await status(wasmCase("want_defined: true"), fakeEngine([{}, {}]))).toBe("passed");
    expect(await status(wasmCase("want_defined: false"), fakeEngine([]))).toBe("passed");
    expect(await status(wasmCase("want_defined: false"), fakeEngine([{}]))).toBe("failed");
    expect(await status(wasmCase("want_defined: false"), fakeEngine(new RegoError("eval_conflict_error", "x")))).toBe("failed");
  });
});

describe("errors", () => {
  const loc = { file: "test-0.rego", row: 4, col: 3 };
  const conflict = new RegoError("eval_conflict_error", "complete rules must not produce multiple outputs", loc);
  const typeError = new RegoError("eval_type_error", "count: operand 1 must be one of {array, object, set, string}", loc);

  it("matches the code exactly and the message as a substring of OPA's text", async () => {
    const both = oneCase(`want_error_code: eval_conflict_error\nwant_error: "test-0.rego:4: eval_conflict_error: complete rules"`);
    expect(await status(both, fakeEngine(conflict))).toBe("passed");
    expect(await status(both, fakeEngine(typeError))).toBe("failed");
    expect(await status(oneCase(`want_error_code: eval_type_error`), fakeEngine(conflict))).toBe("failed");
    expect(await status(oneCase(`want_error: "test-0.rego:5:"`), fakeEngine(conflict))).toBe("failed");
  });

  it("passes when one of several errors matches both code and text", async () => {
    const c = oneCase(`want_error_code: eval_type_error\nwant_error: "count: operand 1"`);
    expect(await status(c, fakeEngine(new RegoErrors([conflict, typeError])))).toBe("passed");
    const mixed = oneCase(`want_error_code: eval_type_error\nwant_error: "complete rules"`);
    expect(await status(mixed, fakeEngine(new RegoErrors([conflict, typeError])))).toBe("failed");
  });

  it("fails when the engine answers instead of failing", async () => {
    const r = await runCase(fakeEngine([{ x: 1 }]), oneCase(`want_error_code: eval_conflict_error`));
    expect(r).toMatchObject({ status: "failed", reason: "expected error eval_conflict_error, got 1 result" });
  });

  it("lets an error without a code match a text-only expectation (a WebAssembly trap)", async () => {
    const trap = load({ "opa-wasm/w.yaml": `cases:\n  - note: w\n    query: data.x.p = 1\n    want_error: unreachable\n` })[0]!;
    expect(await status(trap, fakeEngine(Object.assign(new Error("unreachable"), { name: "RuntimeError" })))).toBe("passed");
    expect(await status(oneCase(`want_error_code: eval_type_error`), fakeEngine(new TypeError("eval_type_error")))).toBe("failed");
  });

  it("counts a synchronous throw as an error outcome", async () => {
    const engine: Engine = {
      name: "ir",
      run: () => {
        throw new RegoError("rego_parse_error", "unexpected eof");
      },
    };
    expect(await status(oneCase(`want_error_code: rego_parse_error`), engine)).toBe("passed");
  });
});

describe("running", () => {
  it("fails a case that does not finish in time", async () => {
    const never: Engine = { name: "ir", run: () => new Promise(() => {}) };
    expect(await runCase(never, oneCase(`want_result: []`), 50)).toMatchObject({ status: "failed", reason: "timeout (0.05 s)" });
  });

  it("runs all cases in order, reporting progress", async () => {
    const cases = load({ "opa/v1/a/t.yaml": `cases:\n  - {note: one, query: x = 1, want_result: [{x: 1}]}\n  - {note: two, query: x = 2, want_result: [{x: 2}], env: {}}\n` });
    const seen: string[] = [];
    const reports = await runAll(fakeEngine([{ x: 1 }]), cases, (done, total, last) => seen.push(`${done}/${total} ${last.status}`));
    expect(seen).toEqual(["1/2 passed", "2/2 skipped"]);
    expect(reports.map((r) => r.id)).toEqual(["opa/v1/a/t.yaml#one", "opa/v1/a/t.yaml#two"]);
  });

  /** An engine module the child process can import: a data: URL. */
  const moduleRef = (source: string): EngineRef => ({
    url: `data:text/javascript,${encodeURIComponent(source)}`,
    exportName: "fake",
  });

  it("in a child process, survives an engine stuck in a synchronous loop, or dying", async () => {
    const ref = moduleRef(`export const fake = { name: "ir", async run(r) {
      if (r.query === "loop") for (;;) {}
      if (r.query === "die") process.exit(3);
      return [new Map()];
    } };`);
    const cases = load({
      "opa/v1/a/t.yaml": `cases:
  - {note: loop, query: loop, want_defined: true}
  - {note: ok, query: ok, want_result: [{}]}
  - {note: die, query: die, want_result: [{}]}
  - {note: ok again, query: ok, want_result: [{}]}
`,
    });
    const reports = await runIsolated(ref, cases, undefined, 200);
    expect(reports.map((r) => [r.id.split("#")[1], r.status, r.reason])).toEqual([
      ["loop", "failed", "timeout (0.2 s)"],
      ["ok", "passed", undefined],
      ["die", "failed", "engine process died (exit code 3)"],
      ["ok again", "passed", undefined],
    ]);
  }, 30_000);

  it("says why an engine cannot be loaded", async () => {
    const cases = load({ "opa/v1/a/t.yaml": `cases:\n  - {note: one, query: x = 1, want_result: [{x: 1}]}\n` });
    await expect(runIsolated(moduleRef(`export const other = 1;`), cases)).rejects.toThrow(/does not export an Engine named fake/);
    await expect(runIsolated({ url: "file:///nowhere/ir.ts", exportName: "irEngine" }, cases)).rejects.toThrow(/does not exist/);
  }, 30_000);
});

describe("summary and baseline", () => {
  const reports: CaseReport[] = [
    { id: "b/x.yaml#1", folder: "b", status: "passed" },
    { id: "a/x.yaml#1", folder: "a", status: "failed", reason: "results differ" },
    { id: "a/x.yaml#2", folder: "a", status: "skipped", reason: "unsupported field(s): env" },
    { id: "a/x.yaml#3", folder: "a", status: "passed" },
  ];

  it("prints the JSON summary with the promised keys, on one line", () => {
    const line = jsonLine(summarize("ir", reports));
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      engine: "ir",
      total: 4,
      passed: 2,
      failed: 1,
      skipped: 1,
      by_folder: { a: { total: 3, passed: 1, failed: 1, skipped: 1 }, b: { total: 1, passed: 1, failed: 0, skipped: 0 } },
    });
  });

  it("finds baselined cases that no longer pass, ignoring those not run", () => {
    const baseline = new Set(["a/x.yaml#1", "b/x.yaml#1", "gone/x.yaml#1"]);
    expect(regressions(baseline, reports).map((r) => r.id)).toEqual(["a/x.yaml#1"]);
  });

  it("only grows the baseline", () => {
    expect([...grownBaseline(new Set(["old/x.yaml#1"]), reports)].sort()).toEqual(["a/x.yaml#3", "b/x.yaml#1", "old/x.yaml#1"]);
  });
});
