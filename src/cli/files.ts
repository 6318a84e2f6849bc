// Finding policy sources and data files on disk, as OPA's `-d` and bundle directories do.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep, basename, dirname } from "node:path";
import { parse as parseYaml } from "yaml";
import type { SourceFile } from "../engine.ts";
import { RegoError } from "../errors.ts";
import { UsageError } from "./command.ts";

export interface Loaded {
  sources: SourceFile[];
  /** Data documents merged at their directory's path (`a/b/data.json` is `data.a.b`). */
  data: Record<string, unknown>;
}

/** `--v0-compatible`, as OPA 1.x spells it: the policies are pre-1.0 Rego. */
export const V0_OPTION = { "v0-compatible": { type: "boolean" } } as const;
export const V0_HELP =
  "  --v0-compatible    read the policies as Rego v0 (pre-1.0: bodies without `if`, the built-ins OPA deprecated)";

export function regoVersionOf(v: Record<string, unknown>): 0 | 1 {
  return v["v0-compatible"] === true ? 0 : 1;
}

const DATA_FILES = new Set(["data.json", "data.yaml", "data.yml"]);

/** Loads every `.rego` file and data file under the given files or directories, sorted by path. */
export function loadPaths(paths: string[], opts: { tests?: boolean; regoVersion?: 0 | 1 } = {}): Loaded {
  const out: Loaded = { sources: [], data: {} };
  for (const root of paths) {
    const st = statSync(root, { throwIfNoEntry: false });
    if (!st) throw new UsageError(`no such file or directory: ${root}`);
    const files = st.isDirectory() ? walk(root) : [root];
    for (const f of files.sort()) {
      const name = basename(f);
      if (name.endsWith(".rego")) {
        if (!opts.tests && name.endsWith("_test.rego")) continue;
        out.sources.push({ file: f, text: readFileSync(f, "utf8"), ...(opts.regoVersion === 0 ? { regoVersion: 0 as const } : {}) });
      } else if (DATA_FILES.has(name)) {
        const at = st.isDirectory() ? relative(root, dirname(f)).split(sep).filter((p) => p !== "") : [];
        mergeAt(out.data, at, readData(f));
      }
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Reads a JSON or YAML document, with a located error when it is malformed. */
export function readData(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return file.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { intAsBigInt: true });
  } catch (e) {
    throw new RegoError("rego_parse_error", `${file}: ${(e as Error).message}`);
  }
}

function mergeAt(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root;
  for (const p of path) {
    const next = node[p];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) Object.assign(node, value);
  else if (path.length > 0) throw new UsageError(`data file under ${path.join("/")} must hold an object`);
}
