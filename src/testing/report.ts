// Test reports: OPA's layout for people (`opa test`), one JSON document for machines.
import type { TestResult, TestRun } from "./run.ts";
import { rowRanges, type CoverageReport } from "./coverage.ts";
import { parseAbort } from "../wasm/abort.ts";

const RULE = "-".repeat(80);

/** Go's time.Duration text, as OPA prints test times: `0s`, `812ns`, `279.875µs`, `1.2345ms`, `2.5s`. */
export function formatDuration(ns: number): string {
  if (ns <= 0) return "0s";
  const [unit, scale] = ns < 1e3 ? ["ns", 1] : ns < 1e6 ? ["µs", 1e3] : ns < 1e9 ? ["ms", 1e6] : ["s", 1e9];
  const digits = Math.max(0, Math.log10(scale));
  return `${(ns / scale).toFixed(digits).replace(/\.?0+$/, "")}${unit}`;
}

function fullName(r: TestResult): string {
  return `${r.test.pkg}.${r.test.name}`;
}

function line(r: TestResult): string {
  switch (r.outcome) {
    case "pass":
      return `${fullName(r)}: PASS (${formatDuration(r.durationNs)})`;
    case "fail":
      return `${fullName(r)}: FAIL (${formatDuration(r.durationNs)})`;
    case "error":
      return `${fullName(r)}: ERROR (${formatDuration(r.durationNs)})`;
    case "skip":
      return `${fullName(r)}: SKIPPED`;
  }
}

/** A benchmarked test as Go's benchmarks print: name, iterations, ns/op (no allocation counts). */
function benchLine(r: TestResult, b: { n: number; totalNs: number }): string {
  return `${fullName(r)}\t${String(b.n).padStart(8)}\t${String(Math.round(b.totalNs / b.n)).padStart(10)} ns/op`;
}

/** A test's print() lines as OPA's report has them below the test's line: indented, between
 * blank lines (OPA trims the output's surrounding white space). */
function printed(lines: string[]): string[] {
  const text = lines.join("\n").trim();
  return text === "" ? [] : ["", ...text.split("\n").map((l) => `  ${l}`), ""];
}

export interface Counts {
  pass: number;
  fail: number;
  skip: number;
  error: number;
  total: number;
}

/** The counts OPA prints: a parametrised test counts once per case (its sub-results), unless it
 * was skipped or stopped on an error. */
export function counts(run: TestRun): Counts {
  const c: Counts = { pass: 0, fail: 0, skip: 0, error: 0, total: 0 };
  for (const r of run.results) {
    if (r.cases && r.cases.length > 0 && (r.outcome === "pass" || r.outcome === "fail")) {
      for (const k of r.cases) c[k.outcome === "pass" ? "pass" : "fail"]++;
    } else c[r.outcome]++;
  }
  c.total = c.pass + c.fail + c.skip + c.error;
  return c;
}

/**
 * OPA's pretty report: the failing tests with the expression that failed (FAILURES), then per
 * file the tests that did not pass (every test with `verbose`), then the counts.
 */
export function prettyReport(run: TestRun, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const failures = run.results.filter((r) => r.outcome === "fail");
  if (failures.length > 0) {
    out.push("FAILURES", RULE);
    for (const r of failures) {
      out.push(line(r), "");
      for (const f of r.failures ?? []) {
        out.push(`  ${f.file}:${f.row}:`, `    ${f.text}`);
        // --var-values: each variable of the failing expression with the value it had there.
        for (const [name, value] of Object.entries(f.vars ?? {})) out.push(`      ${name}: ${value}`);
        out.push("");
      }
    }
    out.push("SUMMARY", RULE);
  }
  let lastFile: string | undefined;
  let dirty = failures.length > 0;
  for (const r of run.results) {
    if (!opts.verbose && r.outcome === "pass" && !r.bench) continue;
    if (r.test.loc.file !== lastFile) {
      if (lastFile !== undefined) out.push("");
      out.push(`${r.test.loc.file}:`);
      lastFile = r.test.loc.file;
    }
    out.push(r.bench ? benchLine(r, r.bench) : line(r));
    // A parametrised test's cases: all with -v, else the failing ones.
    for (const c of r.cases ?? []) if (opts.verbose || c.outcome === "fail") out.push(`  ${c.name}: ${c.outcome === "pass" ? "PASS" : "FAIL"}`);
    if (r.output) out.push(...printed(r.output));
    if (r.error) out.push(`  ${r.error}`);
    dirty = true;
  }
  if (run.coverage) {
    if (dirty) out.push(RULE);
    out.push("COVERAGE");
    for (const f of run.coverage.files) {
      const missing = f.notCovered.length > 0 ? `, not covered: ${rowRanges(f.notCovered)}` : "";
      out.push(`${f.file}: ${f.percent.toFixed(2)}% (${f.covered.length}/${f.covered.length + f.notCovered.length} lines)${missing}`);
    }
    out.push(`total: ${run.coverage.percent.toFixed(2)}% (${run.coverage.covered}/${run.coverage.total} lines)`);
    dirty = true;
  }
  if (dirty) out.push(RULE);
  const c = counts(run);
  if (c.pass) out.push(`PASS: ${c.pass}/${c.total}`);
  if (c.fail) out.push(`FAIL: ${c.fail}/${c.total}`);
  if (c.skip) out.push(`SKIPPED: ${c.skip}/${c.total}`);
  if (c.error) out.push(`ERROR: ${c.error}/${c.total}`);
  return out.join("\n") + "\n";
}

/**
 * `-f json` as `opa test -f json` writes it, so the same parsers read it: an array with one
 * object per test, OPA's tester.Result fields:
 *   location   {"file", "row", "col"} of the test rule
 *   package    "data.pkg"; name: the rule name ("test_x")
 *   fail       true when the test failed (absent otherwise)
 *   error      {"code", "message", "location"?} when it stopped on an error (absent otherwise)
 *   skip       true for todo_test_ rules (absent otherwise)
 *   duration   nanoseconds (Go's time.Duration)
 *   output     what print() wrote, base64 (Go's []byte), one "\n"-ended line per call (absent when none)
 * Warden adds `failures` (the expressions where a failing test stopped: {"file", "row", "text",
 * and with --var-values "vars": {name: value as Rego text}})
 * and, for a parametrised test, `cases` ([{"name", "fail"?}], name order), which OPA's parsers
 * ignore. With --bench, a passing test has `benchmark_result` as OPA's (Go's
 * testing.BenchmarkResult): {"N": evaluations, "T": their nanoseconds in all}; Warden does not
 * count allocations, so Bytes, MemAllocs, MemBytes and Extra are left out (Go reads them as 0).
 * With coverage on, the document is instead
 * {"tests": [...as above], "coverage": {"percent", "covered", "total", "files": {...}}}.
 */
export function jsonReport(run: TestRun): string {
  const tests = run.results.map((r) => ({
    location: r.test.loc,
    package: r.test.pkg,
    name: r.test.name,
    ...(r.outcome === "fail" ? { fail: true } : {}),
    ...(r.error !== undefined ? { error: errorJSON(r.error) } : {}),
    ...(r.outcome === "skip" ? { skip: true } : {}),
    duration: r.durationNs,
    ...(r.bench ? { benchmark_result: { N: r.bench.n, T: r.bench.totalNs } } : {}),
    ...(r.output ? { output: Buffer.from(r.output.map((l) => l + "\n").join("")).toString("base64") } : {}),
    ...(r.failures ? { failures: r.failures } : {}),
    ...(r.cases ? { cases: r.cases.map((c) => ({ name: c.name, ...(c.outcome === "fail" ? { fail: true } : {}) })) } : {}),
  }));
  if (!run.coverage) return JSON.stringify(tests, null, 2) + "\n";
  // With coverage on, `opa test` prints its coverage report instead of the tests (JSONCoverageReporter).
  return JSON.stringify(coverageJSON(run.coverage), null, 2) + "\n";
}

/** Rows as OPA's ranges of consecutive rows: [3, 4, 5, 9] is [{start: {row: 3}, end: {row: 5}}, {start: {row: 9}, end: {row: 9}}]. */
function rangesJSON(rows: number[]): { start: { row: number }; end: { row: number } }[] {
  const out: { start: { row: number }; end: { row: number } }[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && row === last.end.row + 1) last.end = { row };
    else out.push({ start: { row }, end: { row } });
  }
  return out;
}

/**
 * A coverage report as OPA's cover.Report marshals it: per file the covered and not covered row
 * ranges, line counts and percentage (Go's omitempty drops the empty and zero ones); then the totals.
 */
function coverageJSON(report: CoverageReport): object {
  const pct = (covered: number, total: number) => (total === 0 ? 0 : (100 * covered) / total);
  const files = report.files.map((f) => {
    const total = f.covered.length + f.notCovered.length;
    const entry = {
      ...(f.covered.length ? { covered: rangesJSON(f.covered) } : {}),
      ...(f.notCovered.length ? { not_covered: rangesJSON(f.notCovered) } : {}),
      ...(f.covered.length ? { covered_lines: f.covered.length } : {}),
      ...(f.notCovered.length ? { not_covered_lines: f.notCovered.length } : {}),
      ...(pct(f.covered.length, total) ? { coverage: pct(f.covered.length, total) } : {}),
    };
    return [f.file, entry] as const;
  });
  return {
    files: Object.fromEntries(files),
    covered_lines: report.covered,
    not_covered_lines: report.total - report.covered,
    coverage: pct(report.covered, report.total),
  };
}

/** A test's error as OPA's JSON has it: code, message and, when known, the location. */
function errorJSON(text: string): { code: string; message: string; location?: { file: string; row: number; col: number } } {
  const e = parseAbort(text);
  if (!e) return { code: "eval_internal_error", message: text };
  return { code: e.code, message: e.detail, ...(e.loc ? { location: { file: e.loc.file, row: e.loc.row, col: e.loc.col } } : {}) };
}
