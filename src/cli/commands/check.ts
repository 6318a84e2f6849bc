import { JSON_OPTION, UsageError, errorJSON, type Command } from "../command.ts";
import { V0_HELP, V0_OPTION, regoVersionOf } from "../files.ts";
import { loadPaths } from "../files.ts";
import type { Module } from "../../syntax/ast.ts";
import type { SourceFile } from "../../engine.ts";
import { parseModule } from "../../syntax/parser.ts";
import { compileModules, type CompileOptions } from "../../compiler/compile.ts";
import { RegoError, RegoErrors, displayError } from "../../errors.ts";
import { sourceExcerpt } from "../source-lines.ts";

export const check: Command = {
  summary: "compile policies and report every error, located",
  usage:
    "warden check [PATH...] [--json | -f json] [-S | --strict] [--v0-compatible]\n\nParses and compiles every .rego file under PATH (default: policy/), tests included, and\n" +
    "prints all errors as file:line:col: code: message. Exit 1 if there are any.\n" +
    "-S, --strict is OPA's strict mode: unused imports, unused function arguments and unused :=\n" +
    "assignments are errors too.\n" +
    "--json prints {\"files\": N, \"errors\": [{\"code\", \"message\", \"location\": {\"file\", \"row\", \"col\"}}]} instead.\n" +
    V0_HELP,
  options: { ...JSON_OPTION, format: { type: "string", short: "f" }, strict: { type: "boolean", short: "S" }, ...V0_OPTION },
  async run(v, paths) {
    const format = (v.format as string | undefined) ?? (v.json ? "json" : "pretty");
    if (format !== "json" && format !== "pretty") throw new UsageError(`unknown format ${JSON.stringify(format)}: use pretty or json`);
    const { sources } = loadPaths(paths.length ? paths : ["policy"], { tests: true, regoVersion: regoVersionOf(v) });
    const errors = checkSources(sources, { strict: v.strict === true });
    if (format === "json") {
      console.log(JSON.stringify({ files: sources.length, errors: errors.map(errorJSON) }));
      return errors.length > 0 ? 1 : 0;
    }
    for (const e of errors) console.error([displayError(e), ...sourceExcerpt(e.loc)].join("\n"));
    if (errors.length > 0) {
      console.error(`${errors.length} error${errors.length === 1 ? "" : "s"}`);
      return 1;
    }
    console.log(`${sources.length} file(s) checked, no errors`);
    return 0;
  },
};

/**
 * Every error of every file. The compiler reports the errors of all its stages in one run
 * (src/compiler/stages.ts); a file that does not parse is left out, and the errors that only its
 * absence causes (an undefined function of its package) are not reported.
 */
export function checkSources(sources: SourceFile[], opts: CompileOptions = {}): RegoError[] {
  const errors: RegoError[] = [];
  const seen = new Set<string>();
  const add = (e: RegoError) => {
    const key = displayError(e);
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(e);
    }
  };
  const modules: Module[] = [];
  /** Packages (`data.a.b`) of the files that do not parse, with their text. */
  const missing: { pkg: string; text: string }[] = [];
  for (const f of sources) {
    try {
      modules.push(parseModule(f.text, f.file, { regoVersion: f.regoVersion ?? 1 }));
    } catch (e) {
      asErrors(e).forEach(add);
      const pkg = /^\s*package\s+([\w.]+)/m.exec(f.text)?.[1];
      if (pkg) missing.push({ pkg: `data.${pkg}`, text: f.text });
    }
  }
  if (modules.length > 0) {
    try {
      compileModules(modules, opts);
    } catch (e) {
      const pkgOf = new Map(modules.map((m) => [m.file, `data.${m.package.path.join(".")}`]));
      for (const x of asErrors(e)) if (!causedByRemoval(x, missing, pkgOf)) add(x);
    }
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

/**
 * Whether an error only says that a file which did not parse is absent: a call or ref into its
 * package, or (from a file of the same package) a name one of its rules would have defined,
 * which reads as an unsafe var without it.
 */
function causedByRemoval(e: RegoError, missing: { pkg: string; text: string }[], pkgOf: Map<string, string>): boolean {
  const m = /undefined (?:function|ref) ([\w.]+)/.exec(e.detail);
  if (m !== null) return missing.some(({ pkg }) => m[1] === pkg || m[1]!.startsWith(`${pkg}.`));
  const v = /^var (\w+) is unsafe$/.exec(e.detail);
  if (v === null || e.loc === undefined) return false;
  const pkg = pkgOf.get(e.loc.file);
  const head = new RegExp(`^(?:default\\s+)?${v[1]}\\b`, "m");
  return missing.some((x) => x.pkg === pkg && head.test(x.text));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
