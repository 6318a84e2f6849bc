// Finding policy sources and data files on disk, as OPA's `-d` and bundle directories do: used
// by `warden build` (buildBundle), test, eval, check and fmt alike.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep, basename, dirname } from "node:path";
import type { SourceFile } from "./engine.ts";
import { firstYamlDocument, YamlSyntaxError } from "./yaml.ts";

/** A path that does not exist, a malformed data file, two data files that disagree. The CLI exits 2. */
export class LoadError extends Error {
  override name = "LoadError";
}

export interface Loaded {
  sources: SourceFile[];
  /** Data documents merged at their directory's path (`a/b/data.json` is `data.a.b`). */
  data: Record<string, unknown>;
}

const DATA_FILES = new Set(["data.json", "data.yaml", "data.yml"]);
const DATA_EXTENSIONS = /\.(json|ya?ml)$/;

/** What `loadPaths` reads besides the `.rego` files. */
export interface LoadOptions {
  /** Keep `_test.rego` files. */
  tests?: boolean;
  /** The dialect of the sources (`--v0-compatible`). */
  regoVersion?: 0 | 1;
  /**
   * Every `.json`, `.yaml` and `.yml` file is data, as `opa test` and `opa eval -d` load them
   * (default: only `data.json`/`data.yaml`/`data.yml`, the bundle format's names, for `build`).
   */
  allData?: boolean;
  /**
   * Names to leave out below the given paths (`opa test --ignore`): shell patterns (Go's
   * filepath.Match) matched against each file's or directory's own name.
   */
  ignore?: string[];
}

/**
 * Loads every `.rego` file and data file under the given files or directories, sorted by path.
 * A data file found under a directory is merged at its directory's path (`a/b/x.json` is
 * `data.a.b`), a file given directly at the root; its document may be any JSON value except at
 * the root, which takes objects. Two files that set the same path to different values are a
 * conflict, reported with both names.
 */
export function loadPaths(paths: string[], opts: LoadOptions = {}): Loaded {
  const out: Loaded = { sources: [], data: {} };
  const origins = new Map<string, string>();
  for (const root of paths) {
    const st = statSync(root, { throwIfNoEntry: false });
    if (!st) throw new LoadError(`no such file or directory: ${root}`);
    const ignored = ignoreMatcher(opts.ignore ?? []);
    const files = st.isDirectory() ? walk(root, ignored) : [root];
    for (const f of files.sort()) {
      const name = basename(f);
      if (name.endsWith(".rego")) {
        if (!opts.tests && name.endsWith("_test.rego")) continue;
        out.sources.push({ file: f, text: readFileSync(f, "utf8"), ...(opts.regoVersion === 0 ? { regoVersion: 0 as const } : {}) });
      } else if (opts.allData ? DATA_EXTENSIONS.test(name) : DATA_FILES.has(name)) {
        const at = st.isDirectory() ? relative(root, dirname(f)).split(sep).filter((p) => p !== "") : [];
        mergeAt(out.data, at, readData(f), f, origins);
      }
    }
  }
  return out;
}

function walk(dir: string, ignored: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules" || ignored(entry.name)) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p, ignored));
    else out.push(p);
  }
  return out;
}

/** Whether a name matches one of the patterns, as OPA's loader filter GlobExcludeName matches. */
function ignoreMatcher(patterns: string[]): (name: string) => boolean {
  const res = patterns.map(globRegex).filter((r): r is RegExp => r !== undefined);
  return (name) => res.some((r) => r.test(name));
}

/**
 * Go's filepath.Match pattern as a regular expression: `*` any run of characters, `?` one,
 * `[a-z]` and `[^a-z]` classes, `\` escaping the next character. A malformed pattern matches
 * nothing (Go's ErrBadPattern).
 */
function globRegex(pattern: string): RegExp | undefined {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "\\") {
      if (++i >= pattern.length) return undefined;
      re += escapeRegex(pattern[i]!);
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) return undefined;
      const body = pattern.slice(i + 1, end);
      re += `[${body.startsWith("^") ? "^" + escapeClass(body.slice(1)) : escapeClass(body)}]`;
      i = end;
    } else re += escapeRegex(c);
  }
  try {
    return new RegExp(`^${re}$`, "su");
  } catch {
    return undefined;
  }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const escapeClass = (s: string) => s.replace(/[\]\\^]/g, "\\$&");

/** Reads a JSON or YAML document; a malformed one is refused with its line and column. */
export function readData(file: string): unknown {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    try {
      return JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const pos = /at position (\d+)/.exec(message);
      const at = pos ? lineCol(text, Number(pos[1])) : lineCol(text, text.length);
      throw new LoadError(`${file}:${at.line}:${at.col}: invalid JSON: ${message.replace(/ in JSON at position \d+.*$/s, "")}`);
    }
  }
  // As `opa test` and `opa eval -d` read YAML: the first document of a stream (src/yaml.ts).
  try {
    return safeIntegers(firstYamlDocument(text));
  } catch (e) {
    if (!(e instanceof YamlSyntaxError)) throw e;
    throw new LoadError(`${file}:${e.line}:${e.col}: invalid YAML: ${e.message.replace(/ at line \d+, column \d+:?$/, "")}`);
  }
}

function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  return { line, col: pos - before.lastIndexOf("\n") };
}

/** YAML integers are read exactly (BigInt); those a double holds exactly become plain numbers. */
function safeIntegers(v: unknown): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(safeIntegers);
  if (typeof v === "object" && v !== null && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = safeIntegers(o[k]);
  }
  return v;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Merges `value` into the tree at `path`; the same path set to two different values is a conflict. */
function mergeAt(root: Record<string, unknown>, path: string[], value: unknown, file: string, origins: Map<string, string>): void {
  if (path.length === 0 && !isPlainObject(value)) throw new LoadError(`${file}: a data file at the root of data must hold an object`);
  let node = root;
  for (const [i, p] of path.slice(0, -1).entries()) {
    if (node[p] === undefined) node[p] = {};
    if (!isPlainObject(node[p])) throw conflict(path.slice(0, i + 1), file, origins);
    node = node[p] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return mergeObject(node, value as Record<string, unknown>, [], file, origins);
  if (node[last] === undefined) {
    node[last] = value;
    record(value, path, file, origins);
  } else if (isPlainObject(node[last]) && isPlainObject(value)) mergeObject(node[last] as Record<string, unknown>, value, path, file, origins);
  else throw conflict(path, file, origins);
}

function mergeObject(into: Record<string, unknown>, value: Record<string, unknown>, at: string[], file: string, origins: Map<string, string>): void {
  for (const [k, v] of Object.entries(value)) {
    const path = [...at, k];
    if (into[k] === undefined) {
      into[k] = v;
      record(v, path, file, origins);
    } else if (isPlainObject(into[k]) && isPlainObject(v)) mergeObject(into[k] as Record<string, unknown>, v, path, file, origins);
    else throw conflict(path, file, origins);
  }
}

/** Which file set each path (its leaves and the objects it introduced), for conflict messages. */
function record(value: unknown, path: string[], file: string, origins: Map<string, string>): void {
  origins.set(path.join("\0"), file);
  if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) record(v, [...path, k], file, origins);
}

function conflict(path: string[], file: string, origins: Map<string, string>): LoadError {
  let other: string | undefined;
  for (let n = path.length; n > 0 && other === undefined; n--) other = origins.get(path.slice(0, n).join("\0"));
  return new LoadError(`data conflict: ${file} and ${other ?? "another data file"} both set data.${path.join(".")} (merge error)`);
}
