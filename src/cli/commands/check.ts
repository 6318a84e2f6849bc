import type { Command } from "../command.ts";
import { loadPaths } from "../files.ts";
import type { Module, Rule } from "../../syntax/ast.ts";
import { parseModule } from "../../syntax/parser.ts";
import { compileModules } from "../../compiler/compile.ts";
import { RegoError, RegoErrors, displayError } from "../../errors.ts";

export const check: Command = {
  summary: "compile policies and report every error, located",
  usage:
    "warden check [PATH...]\n\nParses and compiles every .rego file under PATH (default: policy/), tests included, and\n" +
    "prints all errors as file:line:col: code: message. Exit 1 if there are any.",
  options: {},
  async run(_v, paths) {
    const { sources } = loadPaths(paths.length ? paths : ["policy"], { tests: true });
    const errors = checkSources(sources);
    for (const e of errors) console.error(displayError(e));
    if (errors.length > 0) {
      console.error(`${errors.length} error${errors.length === 1 ? "" : "s"}`);
      return 1;
    }
    console.log(`${sources.length} file(s) checked, no errors`);
    return 0;
  },
};

/** How many times compilation is retried without the rules that had errors. */
const ROUNDS = 8;

/**
 * Every error of every file. The compiler stops after the first stage that finds errors, and a
 * file that does not parse stops everything; to report the errors behind those, the files that
 * parse are compiled without the rules already found wrong, again, until no new error shows up.
 * Errors that only the removal causes (an undefined function that was removed) are left out.
 */
export function checkSources(sources: { file: string; text: string }[]): RegoError[] {
  const errors: RegoError[] = [];
  const seen = new Set<string>();
  const add = (e: RegoError) => {
    const key = displayError(e);
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(e);
    }
  };
  let modules: Module[] = [];
  /** Paths (`data.a.b`) whose rules or packages are missing from what is compiled. */
  const missing: string[] = [];
  for (const f of sources) {
    try {
      modules.push(parseModule(f.text, f.file));
    } catch (e) {
      asErrors(e).forEach(add);
      const pkg = /^\s*package\s+([\w.]+)/m.exec(f.text)?.[1];
      if (pkg) missing.push(`data.${pkg}`);
    }
  }
  for (let round = 0; round < ROUNDS && modules.length > 0; round++) {
    let found: RegoError[];
    try {
      compileModules(modules);
      break;
    } catch (e) {
      found = asErrors(e);
    }
    for (const e of found) if (!causedByRemoval(e, missing)) add(e);
    const next = modules.map((m) => withoutBrokenRules(m, found, missing));
    if (next.every((m, i) => m.rules.length === modules[i]!.rules.length)) break;
    modules = next;
  }
  return errors.sort(
    (a, b) => cmp(a.loc?.file ?? "", b.loc?.file ?? "") || (a.loc?.row ?? 0) - (b.loc?.row ?? 0) || (a.loc?.col ?? 0) - (b.loc?.col ?? 0),
  );
}

function asErrors(e: unknown): RegoError[] {
  if (e instanceof RegoErrors) return e.errors;
  if (e instanceof RegoError) return [e];
  throw e;
}

function causedByRemoval(e: RegoError, missing: string[]): boolean {
  const m = /undefined (?:function|ref) ([\w.]+)/.exec(e.detail);
  return m !== null && missing.some((p) => m[1] === p || m[1]!.startsWith(`${p}.`));
}

/** The module without the rules an error points into (a rule spans the rows up to the next one). */
function withoutBrokenRules(m: Module, errors: RegoError[], missing: string[]): Module {
  const rows = errors.filter((e) => e.loc?.file === m.file).map((e) => e.loc!.row);
  if (rows.length === 0) return m;
  const keep: Rule[] = [];
  m.rules.forEach((r, i) => {
    const end = m.rules[i + 1]?.loc.row ?? Infinity;
    if (rows.some((row) => row >= r.loc.row && row < end)) {
      const head = r.head.ref[0];
      if (head?.type === "var") missing.push(["data", ...m.package.path, head.name].join("."));
    } else keep.push(r);
  });
  return { ...m, rules: keep };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
