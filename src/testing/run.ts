// The test runner: compiles the policy with its tests, plans every test rule as an entrypoint of
// one WebAssembly module (the engine production uses), loads it once through the stock
// @open-policy-agent/opa-wasm SDK and evaluates each test. A test passes when its rule is
// defined and true.
//
// What the WebAssembly run cannot tell — which expression made a test fail, which lines ran —
// comes from a second run of the same tests on the reference interpreter, over instrumented
// copies of the modules (probes.ts). That run happens only for failing tests, or for all tests
// with coverage on.
import type { SourceFile } from "../engine.ts";
import type { BuiltinContext } from "../builtins/builtin.ts";
import { parseAll } from "../pipeline.ts";
import { compileModules } from "../compiler/compile.ts";
import { planEntrypoints } from "../planner/planner.ts";
import { compileWasm } from "../wasm/compile.ts";
import { runtimeWasm } from "../wasm/runtime-build.ts";
import { instantiateModule, sdkError } from "../wasm/sdk.ts";
import { Interpreter } from "../interpreter/interpreter.ts";
import { ObjectValue, fromJSON, toJSONText, type Value } from "../values/value.ts";
import { RegoError } from "../errors.ts";
import { formatExpr } from "../syntax/format.ts";
import { discoverTests, separateDuplicateTests, type TestCase } from "./discover.ts";
import { VAR_TAG, attachProbes, instrument, ruleKey, splitResults, type Instrumented } from "./probes.ts";
import { coverageReport, type CoverageReport } from "./coverage.ts";
import { candidateCases, producedCases, type CaseResult } from "./cases.ts";
import { formatDuration } from "./report.ts";

export type Outcome = "pass" | "fail" | "skip" | "error";

/** Where and why a failing test stopped: the last expression of its body that was reached. */
export interface Failure {
  file: string;
  row: number;
  /** The expression, formatted; or what went wrong when every expression held. */
  text: string;
  /** With --var-values: its variables' values (Rego text) when it was last reached, by name. */
  vars?: Record<string, string>;
}

export interface TestResult {
  test: TestCase;
  outcome: Outcome;
  /** Evaluation time in the WebAssembly module, in nanoseconds (0 for skipped tests). */
  durationNs: number;
  error?: string;
  failures?: Failure[];
  /** A parametrised test's cases, in name order; the test passes when there are some and all pass. */
  cases?: CaseResult[];
  /** The lines its print() calls wrote (in the WebAssembly run), when any. */
  output?: string[];
  /** With `bench`: how many evaluations were timed and how long they took in all (ns). */
  bench?: { n: number; totalNs: number };
}

export interface TestRun {
  results: TestResult[];
  coverage?: CoverageReport;
}

export interface RunOptions {
  /** Only tests whose full name (`data.pkg.test_x`) matches. */
  run?: RegExp;
  coverage?: boolean;
  /**
   * Wall time one test may take, in nanoseconds (OPA's --timeout). A host built-in called after
   * the deadline cancels the evaluation; a test that ends past it is reported as an error
   * either way (eval_cancel_error). Pure-WebAssembly work between host calls is not interrupted:
   * the module's step budget bounds it.
   */
  timeoutNs?: number;
  /** For failing tests, the values of the variables of the expression that failed (--var-values). */
  varValues?: boolean;
  /** Called when building the WebAssembly module takes a while (the runtime's first build). */
  onSlowBuild?: () => void;
  /**
   * Benchmark every test that passed (opa test --bench): evaluated again and again, as Go's
   * testing.B grows b.N, until the evaluations take at least `timeNs` in all.
   */
  bench?: { timeNs: number };
}

export async function runTests(sources: SourceFile[], data: unknown, opts: RunOptions = {}): Promise<TestRun> {
  const modules = parseAll(sources);
  separateDuplicateTests(modules);
  const compiled = compileModules(modules);
  const tests = discoverTests(compiled).filter((t) => !opts.run || opts.run.test(`${t.pkg}.${t.name}`));
  const runnable = tests.filter((t) => !t.skip);
  const results = new Map<TestCase, TestResult>();
  for (const t of tests) if (t.skip) results.set(t, { test: t, outcome: "skip", durationNs: 0 });

  if (runnable.length > 0) {
    const evaluate = await wasmEvaluator(planEntrypoints(compiled, runnable.map((t) => t.entrypoint)), data, opts.onSlowBuild, opts.timeoutNs);
    for (const t of runnable) results.set(t, evaluate.once(t));
    judgeCases(modules, runnable.filter((t) => t.params && results.get(t)!.outcome !== "error"), results, data);
    if (opts.bench) {
      for (const t of runnable) {
        const r = results.get(t)!;
        if (r.outcome !== "pass") continue;
        try {
          r.bench = evaluate.bench(t, opts.bench.timeNs);
        } catch (e) {
          // Passed once, then stopped on an error (a deadline, time or randomness in the policy).
          Object.assign(r, { outcome: "error", error: `while benchmarking: ${errorText(e)}` });
        }
      }
    }
  }

  const failed = runnable.filter((t) => results.get(t)!.outcome === "fail");
  const traced = opts.coverage ? runnable : failed;
  let coverage: CoverageReport | undefined;
  if (traced.length > 0) {
    let probed = instrument(modules, { varValues: opts.varValues === true });
    let hitsOf: (t: TestCase) => ProbeRun;
    try {
      hitsOf = probeRunner(probed, traced, data);
    } catch (e) {
      // A variable the instrumentation took as bound may not be (bound only in a nested scope):
      // then the values are left out rather than the explanation.
      if (!opts.varValues) throw e;
      probed = instrument(modules);
      hitsOf = probeRunner(probed, traced, data);
    }
    const all = new Set<number>();
    for (const t of traced) {
      const run = hitsOf(t);
      for (const h of run.hits) all.add(h);
      const r = results.get(t)!;
      if (r.outcome === "fail") r.failures = explain(t, probed, run, r.cases);
    }
    if (opts.coverage) coverage = coverageReport(probed.probes, all);
  }
  return { results: tests.map((t) => results.get(t)!), ...(coverage ? { coverage } : {}) };
}

/** Compiles the tests' plans to one module, loads it once, and returns a function running one test. */
async function wasmEvaluator(policy: ReturnType<typeof planEntrypoints>, data: unknown, onSlowBuild?: () => void, timeoutNs?: number) {
  // The runtime is built once per change of its sources and cached; only a build takes long.
  const slow = onSlowBuild ? setTimeout(onSlowBuild, 1500) : undefined;
  try {
    await runtimeWasm();
  } finally {
    clearTimeout(slow);
  }
  // Through the one SDK adapter (src/wasm/sdk.ts), as the evaluator: the host attached to the
  // instance answers with Rego values (sets stay sets) and locates its errors.
  const module = await compileWasm(policy, { prefixHostNames: true });
  // print() is a host built-in of the module: its lines are collected for the test being run.
  let printed: string[] = [];
  // While benchmarking, print() lines are dropped as they come (a round may run a million times).
  let benchmarking = false;
  let deadline = 0n;
  // One context per evaluation, made at its first host call: as in OPA, time.now_ns() is the
  // same all through one test's query, and the per-query memo (rand.intn …) lasts as long.
  let current: BuiltinContext | undefined;
  const context = (): BuiltinContext => {
    if (deadline > 0n && process.hrtime.bigint() > deadline) throw timedOut(timeoutNs!);
    return (current ??= { nowNs: BigInt(Date.now()) * 1_000_000n, random: Math.random, cache: new Map(), print: (line: string) => void (benchmarking || printed.push(line)) });
  };
  const instance = await instantiateModule(module.wasm, { builtins: Object.keys(module.builtins), callSites: module.callSites, context });
  const loaded = instance.policy;
  // As Rego value text, not the SDK's JSON.stringify: integers beyond a double (YAML data) stay exact.
  loaded.setData(new TextEncoder().encode(toJSONText(fromJSON(data ?? {}))).buffer as ArrayBuffer);
  const once = (t: TestCase): TestResult => {
    printed = [];
    current = undefined;
    const start = process.hrtime.bigint();
    deadline = timeoutNs ? start + BigInt(timeoutNs) : 0n;
    let rs: { result?: unknown }[];
    try {
      rs = loaded.evaluate(undefined, t.entrypoint) as { result?: unknown }[];
    } catch (e) {
      return { test: t, outcome: "error", durationNs: elapsed(start), error: errorText(e), ...output(printed) };
    }
    const durationNs = elapsed(start);
    if (timeoutNs && durationNs > timeoutNs) return { test: t, outcome: "error", durationNs, error: timedOut(timeoutNs).message, ...output(printed) };
    if (t.params) {
      const cases = [...producedCases(rs[0]?.result ?? []).values()];
      return { test: t, outcome: "pass", durationNs, cases, ...output(printed) };
    }
    return { test: t, outcome: rs.length > 0 && rs[0]!.result === true ? "pass" : "fail", durationNs, ...output(printed) };
  };
  // Rounds of n evaluations, n predicted from the last round as Go's testing.B does (20 % over
  // the goal, at most 100 times the last n), until a round takes the goal. print() is silenced.
  const bench = (t: TestCase, goalNs: number): { n: number; totalNs: number } => {
    deadline = 0n;
    benchmarking = true;
    try {
      for (let n = 1; ; ) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < n; i++) {
          current = undefined;
          loaded.evaluate(undefined, t.entrypoint);
        }
        const totalNs = elapsed(start);
        if (totalNs >= goalNs || n >= 1e9) return { n, totalNs };
        const perOp = Math.max(1, totalNs / n);
        n = Math.max(Math.min(Math.round((goalNs * 1.2) / perOp), n * 100, 1e9), n + 1);
      }
    } finally {
      benchmarking = false;
    }
  };
  return { once, bench };
}

/**
 * Adds the cases a parametrised test did not produce (as failed) and sets its outcome: a failing
 * case fails the test, and so does a test without any case (nothing was checked).
 */
function judgeCases(modules: ReturnType<typeof parseAll>, tests: TestCase[], results: Map<TestCase, TestResult>, data: unknown): void {
  const candidates = candidateCases(modules, tests, data);
  for (const t of tests) {
    const r = results.get(t)!;
    const byName = new Map((r.cases ?? []).map((c) => [c.name, c]));
    for (const name of candidates.get(t) ?? []) if (!byName.has(name)) byName.set(name, { name, outcome: "fail" });
    r.cases = [...byName.values()].sort((a, b) => cmpText(a.name, b.name));
    r.outcome = r.cases.length > 0 && r.cases.every((c) => c.outcome === "pass") ? "pass" : "fail";
  }
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timedOut(timeoutNs: number): RegoError {
  return new RegoError("eval_cancel_error", `test timed out after ${formatDuration(timeoutNs)}`);
}

function output(lines: string[]): { output?: string[] } {
  return lines.length > 0 ? { output: lines } : {};
}

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** The SDK throws what the module aborted with (`file:row: code: message`) or a host RegoError. */
function errorText(e: unknown): string {
  const coded = sdkError(e);
  if (coded) return coded.message;
  if (typeof e === "string") return e;
  if (e instanceof RegoError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

interface ProbeRun {
  hits: Set<number>;
  /** Variable values printed by --var-values instrumentation: probe id, then name, then the last value. */
  vars: Map<number, Map<string, string>>;
  /** The test rule's value on the reference interpreter, undefined when it is undefined there. */
  value?: Value;
  error?: string;
}

/** Plans the instrumented modules and returns a function running one test on the interpreter. */
function probeRunner(probed: Instrumented, tests: TestCase[], data: unknown): (t: TestCase) => ProbeRun {
  const policy = attachProbes(planEntrypoints(compileModules(probed.modules), tests.map((t) => t.entrypoint)));
  const interpreter = new Interpreter(policy);
  const base = fromJSON(data ?? {});
  return (t) => {
    try {
      // print() already spoke in the WebAssembly run: the rerun keeps only the variables' values.
      const vars = new Map<number, Map<string, string>>();
      const print = (line: string) => {
        const m = line.startsWith(VAR_TAG) ? /^(\d+):(\S+) (?:\[(.*)\]|(<undefined>))$/s.exec(line.slice(VAR_TAG.length)) : null;
        if (!m) return;
        const id = Number(m[1]);
        if (!vars.has(id)) vars.set(id, new Map());
        vars.get(id)!.set(m[2]!, m[3] ?? "undefined");
      };
      const { hits, results } = splitResults(interpreter.eval(t.entrypoint, { data: base, context: { print } }));
      const first = results[0];
      const value = first instanceof ObjectValue ? first.getString("result") : undefined;
      return { hits, vars, ...(value !== undefined ? { value } : {}) };
    } catch (e) {
      return { hits: new Set(), vars: new Map(), error: errorText(e) };
    }
  };
}

/** For each definition of a failing test: the last expression of its body that was reached. */
function explain(t: TestCase, probed: Instrumented, run: ProbeRun, cases?: CaseResult[]): Failure[] {
  if (t.params) {
    // Which cases failed is the explanation; a test without cases says so.
    const failed = (cases ?? []).filter((c) => c.outcome === "fail");
    if (failed.length === 0) return [{ file: t.loc.file, row: t.loc.row, text: "the test produced no cases" }];
    return failed.map((c) => ({ file: t.loc.file, row: t.loc.row, text: `case ${JSON.stringify(c.name)} failed` }));
  }
  if (run.error) return [{ file: t.loc.file, row: t.loc.row, text: `reference interpreter: ${run.error}` }];
  if (run.value === true) {
    return [{ file: t.loc.file, row: t.loc.row, text: "fails in WebAssembly but passes on the reference interpreter (a backend bug)" }];
  }
  const out: Failure[] = [];
  for (const d of t.defs) {
    for (let branch: typeof d.source | undefined = d.source; branch; branch = branch.else) {
      const owner = ruleKey(branch.loc);
      const mine = probed.probes.filter((p) => p.owner === owner && run.hits.has(p.id));
      if (mine.length === 0) continue;
      if (mine.some((p) => p.kind === "head")) {
        const v = run.value === undefined ? "undefined" : toJSONText(run.value);
        out.push({ file: branch.loc.file, row: branch.loc.row, text: `the rule's value is ${v}, not true` });
        continue;
      }
      const last = Math.max(...mine.map((p) => p.index));
      const e = branch.body[last]!;
      const probe = mine.find((p) => p.kind === "expr" && p.index === last);
      const vars = probe ? run.vars.get(probe.id) : undefined;
      out.push({ file: e.loc.file, row: e.loc.row, text: formatExpr(e), ...(vars && vars.size > 0 ? { vars: Object.fromEntries([...vars].sort()) } : {}) });
    }
  }
  if (out.length === 0) out.push({ file: t.loc.file, row: t.loc.row, text: "the test rule was not evaluated" });
  return out;
}
