// Loads OPA-format conformance cases (YAML files with a `cases:` list) into typed, runnable cases.
//
// Two families of files exist, with different conventions (see OPA's test runners):
//   opa-wasm/   OPA's WebAssembly compiler cases (test/wasm/assets): pre-1.0 Rego, modules named
//               `module0.rego`, ..., expectations as `return_code`, `want_defined`, `want_result`
//               or `want_error`.
//   opa/v1/...  OPA's language and built-in cases (test/cases/testdata/v1): Rego v1, modules named
//               `test-0.rego`, ..., expectations as `want_result`, `want_error`, `want_error_code`.
import { parseModule } from "../syntax/parser.ts";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { SourceFile } from "../engine.ts";

/**
 * Where the cases live: `../shared/conformance` beside the repository (they are never copied into
 * it), found from this file rather than the working directory, which may be anywhere.
 */
export const DEFAULT_ROOT = fileURLToPath(new URL("../../../shared/conformance", import.meta.url));

/** What a case expects; "skip" when the harness cannot run the case faithfully (and why). */
export type Expectation =
  | { kind: "result"; bindings: Record<string, unknown>[]; sortBindings: boolean }
  | { kind: "defined"; defined: boolean }
  | { kind: "error"; code?: string; message?: string }
  | { kind: "skip"; reason: string };

export interface ConformanceCase {
  /** `<folder>/<file>#<note>`, unique: a repeated note in one file gets ` (2)`, ` (3)`, ... */
  id: string;
  /** Directory of the YAML file relative to the conformance root, e.g. `opa/v1/aggregates`. */
  folder: string;
  file: string;
  note: string;
  query: string;
  modules: SourceFile[];
  data?: unknown;
  input?: unknown;
  inputTerm?: string;
  regoVersion: 0 | 1;
  strictBuiltinErrors: boolean;
  expect: Expectation;
}

/**
 * The keys the harness understands: all those found in the cases. A case with any other key is
 * skipped, naming the key, since an unknown key may change what the case means.
 */
const KNOWN_KEYS = new Set([
  "note",
  "query",
  "modules",
  "data",
  "input",
  "input_term",
  "want_result",
  "sort_bindings",
  "want_defined",
  "return_code",
  "want_error",
  "want_error_code",
  "strict_error",
  // OPA's WebAssembly test generator compiled these cases without partial evaluation. Warden does
  // not partially evaluate, and the option never changes the expected outcome: ignored.
  "disable_partial",
  // OPA's runner then drops the bindings of variables its compiler generated. Warden's query
  // results bind only the query's own variables, so this changes nothing either: ignored.
  "ignore_generated_vars",
]);

/**
 * Misspelt keys in OPA's files, read as what they meant. `opa-wasm/003_comparison.yaml` has one
 * `retutrn_code: 0`; OPA's runner of that time defaulted a missing return_code to 0, so reading the
 * typo as return_code gives the outcome OPA itself checked.
 */
const KEY_ALIASES: Record<string, string> = { retutrn_code: "return_code" };

/** Loads every case in the YAML files under `paths` (files or directories, searched recursively). */
export function loadCases(paths: string[], root: string): ConformanceCase[] {
  return paths.flatMap((p) => yamlFiles(p).flatMap((f) => loadFile(f, folderOf(f, p, root))));
}

/** YAML files under a path, in a stable (sorted) order. */
function yamlFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .map((e) => e.name)
    .sort()
    .flatMap((name) => {
      const full = join(path, name);
      if (statSync(full).isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(name) ? [full] : [];
    });
}

/**
 * The folder a file reports under: relative to the conformance root when inside it, so that ids
 * stay the same whichever sub-path was asked for; otherwise relative to the parent of the path given.
 */
function folderOf(file: string, given: string, root: string): string {
  const fromRoot = relative(root, dirname(file));
  const inside = fromRoot !== ".." && !fromRoot.startsWith(".." + sep) && !isAbsolute(fromRoot);
  const folder = inside ? fromRoot : relative(dirname(given), dirname(file));
  return folder.split(sep).join("/") || basename(dirname(file));
}

function loadFile(file: string, folder: string): ConformanceCase[] {
  // intAsBigInt: integers beyond 2^53 must reach the comparison exactly.
  const doc = parse(readFileSync(file, "utf8"), { intAsBigInt: true }) as { cases?: unknown[] } | null;
  const seen = new Map<string, number>();
  return (doc?.cases ?? []).map((raw) => {
    const c = toCase(normaliseKeys(raw as Record<string, unknown>), folder, basename(file));
    const n = (seen.get(c.note) ?? 0) + 1;
    seen.set(c.note, n);
    if (n > 1) c.id += ` (${n})`;
    return c;
  });
}

function normaliseKeys(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [KEY_ALIASES[k] ?? k, v]));
}

function toCase(raw: Record<string, unknown>, folder: string, file: string): ConformanceCase {
  const note = String(raw.note ?? "");
  const wasmSuite = folder.split("/").includes("opa-wasm");
  const c: ConformanceCase = {
    id: `${folder}/${file}#${note}`,
    folder,
    file,
    note,
    query: String(raw.query ?? ""),
    // OPA names the modules this way, and expected error messages mention these names.
    modules: ((raw.modules as string[] | undefined) ?? []).map((text, i) => ({
      file: wasmSuite ? `module${i}.rego` : `test-${i}.rego`,
      text,
    })),
    regoVersion:
      wasmSuite || folder.split("/").includes("v0") ? 0 : expectsParseError(raw) ? 1 : dialectOf((raw.modules as string[] | undefined) ?? []),
    strictBuiltinErrors: raw.strict_error === true,
    expect: expectationOf(raw),
  };
  if ("data" in raw) c.data = plainJSON(raw.data);
  if ("input" in raw) c.input = plainJSON(raw.input);
  if ("input_term" in raw) c.inputTerm = String(raw.input_term);
  return c;
}

/**
 * Some files under `v1/` were stored from before Rego v1 (bodies without `if`, as in
 * `opa/v1/all`). Such modules are run as Rego v0, as `opa --v0-compatible` would: a module
 * that is not v1 but parses as v0 makes the case v0. A case that expects a parse error is
 * about the v1 syntax itself and always stays v1.
 */
function expectsParseError(raw: Record<string, unknown>): boolean {
  return raw.want_error_code === "rego_parse_error";
}

function dialectOf(modules: string[]): 0 | 1 {
  for (const [i, text] of modules.entries()) {
    try {
      parseModule(text, `test-${i}.rego`, { regoVersion: 1 });
    } catch {
      try {
        parseModule(text, `test-${i}.rego`, { regoVersion: 0 });
        return 0;
      } catch {
        // not v0 either: a case about a parse error; keep v1
      }
    }
  }
  return 1;
}

/** Why the harness cannot run a case faithfully, if it cannot. */
function unsupported(raw: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) return `unsupported field(s): ${unknown.join(", ")}`;
  if (("want_error" in raw || "want_error_code" in raw) && "want_result" in raw) {
    // OPA's topdown returns the results found before the error along with it; Engine.run
    // resolves with results or rejects with an error, never both.
    return "expects both an error and results; the Engine interface reports one or the other";
  }
  const texts = [raw.query, ...((raw.modules as unknown[] | undefined) ?? [])].map(String);
  const custom = texts.join("\n").match(/\bcustom_builtin_test\w*/);
  if (custom) {
    return `calls ${custom[0]}, a host built-in that OPA's WebAssembly test runner provides; a QueryRequest cannot supply one`;
  }
  return undefined;
}

/** Reads the expectation keys, in the precedence OPA's runners give them. */
function expectationOf(raw: Record<string, unknown>): Expectation {
  const reason = unsupported(raw);
  if (reason !== undefined) return skip(reason);
  if ("want_error" in raw || "want_error_code" in raw) return errorExpectation(raw);
  if ("want_result" in raw) {
    return { kind: "result", bindings: raw.want_result as Record<string, unknown>[], sortBindings: raw.sort_bindings === true };
  }
  if ("want_defined" in raw) return { kind: "defined", defined: raw.want_defined === true };
  if ("return_code" in raw) return returnCodeExpectation(raw.return_code);
  return skip("no expectation (want_result, want_defined, return_code, want_error or want_error_code)");
}

function errorExpectation(raw: Record<string, unknown>): Expectation {
  const e: Expectation = { kind: "error" };
  if (raw.want_error_code !== undefined) e.code = String(raw.want_error_code);
  if (raw.want_error !== undefined) e.message = String(raw.want_error);
  return e;
}

/** The old WebAssembly ABI's eval() returned 1 (ir.Defined) or 0 (ir.Undefined). */
function returnCodeExpectation(code: unknown): Expectation {
  const n = Number(code);
  if (n === 0 || n === 1) return { kind: "defined", defined: n === 1 };
  return skip(`unsupported return_code ${String(code)} (only 0 = undefined and 1 = defined exist)`);
}

function skip(reason: string): Expectation {
  return { kind: "skip", reason };
}

/**
 * data and input are handed to engines as plain JSON: integers become numbers where that is
 * exact; larger ones stay bigint, which fromJSON accepts (a JS number would round them).
 */
function plainJSON(x: unknown): unknown {
  if (typeof x === "bigint") return Number.isSafeInteger(Number(x)) ? Number(x) : x;
  if (Array.isArray(x)) return x.map(plainJSON);
  if (x !== null && typeof x === "object") {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plainJSON(v)]));
  }
  return x;
}
