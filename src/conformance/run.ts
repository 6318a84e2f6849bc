// Runs conformance cases against an engine and judges each outcome the way OPA's runners do:
//
// - results: each binding set becomes JSON (sets as sorted arrays, non-string object keys as their
//   JSON text), and the binding sets are compared with want_result AS A SET, as OPA's topdown runner
//   does (test/cases: `exp.Compare(got)` over ast.Set) and its WebAssembly runner too ("result set
//   ordering does not matter"). Numbers compare numerically (1 == 1.0), object key order is
//   irrelevant, array order matters.
// - sort_bindings: each bound value (an array) of the engine's results is sorted before the
//   comparison, the expected side as written; OPA uses it where the order of an array is unspecified.
// - want_defined / return_code: whether the query has at least one result.
// - want_error_code / want_error: the engine must reject with an error whose code equals the one
//   wanted and whose message contains the text wanted; with several errors, one must match both.
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Bindings, Engine, QueryRequest } from "../engine.ts";
import { RegoErrors } from "../errors.ts";
import { compare, equal, fromJSON, ObjectValue, SetValue, toJSONText, type Value } from "../values/value.ts";
import type { ConformanceCase, Expectation } from "./cases.ts";

export type Status = "passed" | "failed" | "skipped";

export interface CaseResult {
  status: Status;
  /** One line: why the case failed or was skipped. */
  reason?: string;
  /** The engine's results (JSON text of the binding sets) or error, when the case failed. */
  got?: string;
  want?: string;
}

export interface CaseReport extends CaseResult {
  id: string;
  folder: string;
}

export type ProgressListener = (done: number, total: number, last: CaseReport) => void;

const DEFAULT_TIMEOUT_MS = 10_000;

type Outcome = { results: Bindings[] } | { error: unknown };
type Runnable = Exclude<Expectation, { kind: "skip" }>;

/** Runs one case in this process. A timeout here only catches engines that stop making progress
 * asynchronously; runIsolated also stops an engine stuck in a synchronous loop. */
export async function runCase(engine: Engine, c: ConformanceCase, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CaseResult> {
  if (c.expect.kind === "skip") return { status: "skipped", reason: c.expect.reason };
  const outcome = await execute(engine, c, timeoutMs);
  return outcome === "timeout" ? timedOut(timeoutMs) : judge(c.expect, outcome);
}

/** Runs the cases one after another in this process. */
export async function runAll(
  engine: Engine,
  cases: ConformanceCase[],
  onProgress?: ProgressListener,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<CaseReport[]> {
  const reports: CaseReport[] = [];
  for (const c of cases) {
    reports.push({ id: c.id, folder: c.folder, ...(await runCase(engine, c, timeoutMs)) });
    onProgress?.(reports.length, cases.length, reports[reports.length - 1]!);
  }
  return reports;
}

function requestOf(c: ConformanceCase): QueryRequest {
  const request: QueryRequest = {
    modules: c.modules,
    query: c.query,
    strictBuiltinErrors: c.strictBuiltinErrors,
    regoVersion: c.regoVersion,
  };
  if (c.data !== undefined) request.data = c.data;
  if (c.input !== undefined) request.input = c.input;
  if (c.inputTerm !== undefined) request.inputTerm = c.inputTerm;
  return request;
}

async function execute(engine: Engine, c: ConformanceCase, timeoutMs: number): Promise<Outcome | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  // Through a promise, so that an engine throwing synchronously is an error outcome, not a crash.
  const run = Promise.resolve()
    .then(() => engine.run(requestOf(c)))
    .then(
      (results): Outcome => ({ results }),
      (error: unknown): Outcome => ({ error }),
    );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(timeoutMs: number): CaseResult {
  return { status: "failed", reason: `timeout (${timeoutMs / 1000} s)` };
}

// ---------------------------------------------------------------------------------------------
// Judging

function judge(expect: Runnable, outcome: Outcome): CaseResult {
  switch (expect.kind) {
    case "result":
      return judgeResults(expect.bindings, expect.sortBindings, outcome);
    case "defined":
      return judgeDefined(expect.defined, outcome);
    case "error":
      return judgeError(expect, outcome);
  }
}

function judgeResults(wantBindings: Record<string, unknown>[], sortBindings: boolean, outcome: Outcome): CaseResult {
  const want = wantBindings.map(fromJSON);
  const wantText = listText(want);
  if ("error" in outcome) return unexpectedError(outcome.error, wantText);
  const got = outcome.results.map((b) => bindingsAsJSON(b, sortBindings));
  if (equal(SetValue.of(got), SetValue.of(want))) return { status: "passed" };
  const gotText = listText(got);
  return { status: "failed", reason: `results differ: got ${clip(gotText)}, want ${clip(wantText)}`, got: gotText, want: wantText };
}

function judgeDefined(defined: boolean, outcome: Outcome): CaseResult {
  const wantText = defined ? "defined" : "undefined";
  if ("error" in outcome) return unexpectedError(outcome.error, wantText);
  if (outcome.results.length > 0 === defined) return { status: "passed" };
  const gotText = listText(outcome.results.map((b) => bindingsAsJSON(b, false)));
  return { status: "failed", reason: `expected ${wantText}, got ${count(outcome.results)}`, got: gotText, want: wantText };
}

function judgeError(expect: { code?: string; message?: string }, outcome: Outcome): CaseResult {
  const wantText = [expect.code, expect.message && JSON.stringify(expect.message)].filter(Boolean).join(" ");
  if ("results" in outcome) {
    const gotText = listText(outcome.results.map((b) => bindingsAsJSON(b, false)));
    return { status: "failed", reason: `expected error ${wantText}, got ${count(outcome.results)}`, got: gotText, want: wantText };
  }
  const errors = errorsOf(outcome.error);
  const matches = errors.some(
    (e) => (expect.code === undefined || e.code === expect.code) && (expect.message === undefined || e.text.includes(expect.message)),
  );
  if (matches) return { status: "passed" };
  const gotText = errors.map((e) => e.text).join("\n");
  return { status: "failed", reason: `expected error ${wantText}, got ${clip(gotText)}`, got: gotText, want: wantText };
}

function unexpectedError(error: unknown, wantText: string): CaseResult {
  const gotText = errorsOf(error)
    .map((e) => e.text)
    .join("\n");
  return { status: "failed", reason: `unexpected error: ${clip(gotText)}`, got: gotText, want: wantText };
}

/** The errors a rejection carries: a RegoErrors holds several; anything else is one (maybe without code). */
function errorsOf(error: unknown): { code?: string; text: string }[] {
  const list = error instanceof RegoErrors ? error.errors : [error];
  return list.map((e) => {
    if (!(e instanceof Error)) return { text: String(e) };
    const code = (e as { code?: unknown }).code;
    // A RegoError's message is OPA's `file:row: code: message`; other errors get their type named.
    const text = e.name === "RegoError" ? e.message : `${e.name}: ${e.message}`;
    return typeof code === "string" ? { code, text } : { text };
  });
}

/** One binding set as OPA's runner sees it: an object of JSON values. */
function bindingsAsJSON(bindings: Bindings, sortBindings: boolean): ObjectValue {
  const out = new ObjectValue();
  for (const [name, value] of bindings) {
    const json = asJSON(value);
    out.set(name, sortBindings && Array.isArray(json) ? [...json].sort(compare) : json);
  }
  return out;
}

/**
 * A value as it is after OPA's ast.JSON: sets become arrays in Rego order, and a non-string object
 * key becomes the JSON text of the key. (Kept as a Value so big numbers stay exact.)
 */
function asJSON(v: Value): Value {
  if (v instanceof SetValue) return v.values().map(asJSON);
  if (Array.isArray(v)) return v.map(asJSON);
  if (v instanceof ObjectValue) {
    const out = new ObjectValue();
    for (const [k, val] of v.entries()) out.set(typeof k === "string" ? k : toJSONText(asJSON(k)), asJSON(val));
    return out;
  }
  return v;
}

function listText(bindings: Value[]): string {
  return `[${bindings.map(toJSONText).join(",")}]`;
}

function count(results: unknown[]): string {
  return results.length === 1 ? "1 result" : `${results.length} results`;
}

/** Keeps a reason on one line and readable; --verbose shows the whole text. */
function clip(text: string, max = 160): string {
  const line = text.replace(/\s*\n\s*/g, " | ");
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

// ---------------------------------------------------------------------------------------------
// Engines

/** Where an engine lives: a module URL and the name of the Engine it exports. */
export interface EngineRef {
  url: string;
  exportName: string;
}

export const ENGINE_NAMES: readonly Engine["name"][] = ["ir", "wasm"];

/** The project's engines: `src/engines/<name>.ts`, exporting `<name>Engine`. */
export function engineRef(name: Engine["name"]): EngineRef {
  return { url: new URL(`../engines/${name}.ts`, import.meta.url).href, exportName: `${name}Engine` };
}

/** Why an engine cannot be used, in words for the person running the harness. */
export function engineUnavailable(ref: EngineRef): string | undefined {
  if (ref.url.startsWith("file:") && !existsSync(fileURLToPath(ref.url))) {
    return `engine module ${fileURLToPath(ref.url)} does not exist (yet)`;
  }
  return undefined;
}

async function loadEngine(ref: EngineRef): Promise<Engine> {
  const missing = engineUnavailable(ref);
  if (missing) throw new Error(missing);
  const mod = (await import(ref.url)) as Record<string, unknown>;
  const engine = mod[ref.exportName] as Partial<Engine> | undefined;
  if (typeof engine?.run !== "function") throw new Error(`${ref.url} does not export an Engine named ${ref.exportName}`);
  return engine as Engine;
}

// ---------------------------------------------------------------------------------------------
// Isolation: the engine runs in a child process, so that a case stuck in a synchronous loop (which
// no timer in the same thread can interrupt) or crashing the process costs only that case.

const CHILD_ENV = "WARDEN_CONFORMANCE_ENGINE";
/** Time the child gets beyond its own timeout to report it, before it is killed. */
const KILL_GRACE_MS = 2_000;

type ToChild = { case: ConformanceCase; timeoutMs: number };
type FromChild = { ready: true } | { loadError: string } | { result: CaseResult };

export async function runIsolated(
  ref: EngineRef,
  cases: ConformanceCase[],
  onProgress?: ProgressListener,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<CaseReport[]> {
  const reports: CaseReport[] = [];
  let child: ChildProcess | undefined;
  try {
    for (const c of cases) {
      let result: CaseResult;
      if (c.expect.kind === "skip") {
        result = { status: "skipped", reason: c.expect.reason };
      } else {
        // A child that died between cases (say, from a stray timer of the engine) is replaced.
        if (child !== undefined && !child.connected) child = undefined;
        child ??= await startChild(ref);
        const answer = await ask(child, c, timeoutMs);
        result = answer.result;
        if (!answer.healthy) {
          child.kill("SIGKILL");
          child = undefined;
        }
      }
      reports.push({ id: c.id, folder: c.folder, ...result });
      onProgress?.(reports.length, cases.length, reports[reports.length - 1]!);
    }
  } finally {
    child?.kill();
  }
  return reports;
}

async function startChild(ref: EngineRef): Promise<ChildProcess> {
  const missing = engineUnavailable(ref);
  if (missing) throw new Error(missing);
  // The child runs this TypeScript file, so it needs tsx's loader whether we run under tsx or vitest.
  // Engines that generate WebAssembly need binaryen, loaded before tsx (load-binaryen-natively.mjs).
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const binaryen = new URL("../wasm/load-binaryen-natively.mjs", import.meta.url).href;
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ["--import", binaryen, "--import", tsx],
    serialization: "advanced", // cases carry bigints
    env: { ...process.env, [CHILD_ENV]: JSON.stringify(ref) },
    // The engine's own output goes to stderr: stdout carries the report (and its final JSON line).
    stdio: ["ignore", 2, 2, "ipc"],
  });
  // Failures to talk to a dead child show as its "exit"; without a listener, "error" would throw.
  child.on("error", () => {});
  return new Promise((resolve, reject) => {
    child.once("message", (m: FromChild) => {
      if ("ready" in m) resolve(child);
      else reject(new Error("loadError" in m ? m.loadError : "unexpected message from the engine process"));
    });
    child.once("exit", (code, signal) => reject(new Error(`engine process exited at start (${signal ?? `code ${code}`})`)));
  });
}

/** Sends one case to the child; unhealthy means the child must be replaced (timeout or death). */
function ask(child: ChildProcess, c: ConformanceCase, timeoutMs: number): Promise<{ result: CaseResult; healthy: boolean }> {
  return new Promise((resolve) => {
    const finish = (result: CaseResult, healthy: boolean) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve({ result, healthy });
    };
    const onMessage = (m: FromChild) => {
      if ("result" in m) finish(m.result, true);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish({ status: "failed", reason: `engine process died (${signal ?? `exit code ${code}`})` }, false);
    const timer = setTimeout(() => finish(timedOut(timeoutMs), false), timeoutMs + KILL_GRACE_MS);
    child.on("message", onMessage);
    child.on("exit", onExit);
    child.send({ case: c, timeoutMs } satisfies ToChild);
  });
}

/** The child's side: load the engine once, then run each case the parent sends. */
async function serveCases(ref: EngineRef): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  let engine: Engine;
  try {
    engine = await loadEngine(ref);
  } catch (e) {
    send({ loadError: e instanceof Error ? e.message : String(e) });
    return process.disconnect();
  }
  // One trivial query first, outside any case's time: an engine's first run pays for lazy
  // initialisation (the WebAssembly engine's first module takes seconds on a busy machine).
  await Promise.resolve()
    .then(() => engine.run({ modules: [], query: "x = 1" }))
    .catch(() => undefined);
  process.on("message", async (m: ToChild) => send({ result: await runCase(engine, m.case, m.timeoutMs) }));
  send({ ready: true });
}

if (process.env[CHILD_ENV] !== undefined && process.send !== undefined) {
  void serveCases(JSON.parse(process.env[CHILD_ENV]) as EngineRef);
}
