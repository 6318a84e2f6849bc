// The compiler pipeline in one call: Rego sources to plan IR (parse → compile → plan).
import type { SourceFile } from "./engine.ts";
import type { Module } from "./syntax/ast.ts";
import type { Policy } from "./ir/ir.ts";
import { parseModule } from "./syntax/parser.ts";
import { compileModules, type CompileOptions, type CompiledPolicy } from "./compiler/compile.ts";
import { planEntrypoints } from "./planner/planner.ts";
import { RegoError, RegoErrors } from "./errors.ts";

export interface ParseOptions {
  regoVersion?: 0 | 1;
}

/** Parses every file, collecting the errors of all of them before failing. */
export function parseAll(files: SourceFile[], opts: ParseOptions = {}): Module[] {
  const modules: Module[] = [];
  const errors: RegoError[] = [];
  for (const f of files) {
    try {
      modules.push(parseModule(f.text, f.file, { regoVersion: f.regoVersion ?? opts.regoVersion ?? 1 }));
    } catch (e) {
      if (e instanceof RegoErrors) errors.push(...e.errors);
      else if (e instanceof RegoError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length > 0) throw new RegoErrors(errors);
  return modules;
}

/** Parses and compiles: the rule tree every later stage starts from. */
export function compileSources(files: SourceFile[], opts: ParseOptions & CompileOptions = {}): CompiledPolicy {
  return compileModules(parseAll(files, opts), opts);
}

/** Sources and entrypoints (`a/b` or `data.a.b`) to plan IR with one plan per entrypoint. */
export function planSources(files: SourceFile[], entrypoints: string[], opts: ParseOptions = {}): Policy {
  return planEntrypoints(compileSources(files, opts), entrypoints);
}
