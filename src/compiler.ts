// `import … from "warden/compiler"`: building policy bundles from code, as `warden build` does.
// This entry loads the Rego compiler and binaryen (seconds to start); services that only load
// signed bundles import "warden" instead.
export { buildBundle, buildBundleBytes } from "./bundle/build.ts";
export type { BuildOptions, BuildResult } from "./bundle/build.ts";
export type { Manifest, WasmResolver } from "./bundle/manifest.ts";
export { signBundle, packFiles, contentRevision } from "./bundle/index.ts";
export type { SignOptions, BundleFiles } from "./bundle/index.ts";
export { compileSources, planSources, parseAll } from "./pipeline.ts";
export type { ParseOptions } from "./pipeline.ts";
export type { CompiledPolicy, CompileOptions } from "./compiler/compile.ts";
export type { Module as RegoModule, Location } from "./syntax/ast.ts";
export type { Policy as PlanPolicy } from "./ir/ir.ts";
export type { SourceFile } from "./engine.ts";
export { formatSource } from "./syntax/format.ts";
export type { FormatOptions } from "./syntax/format.ts";
export { runTests } from "./testing/run.ts";
export type { TestRun, TestResult, RunOptions as TestOptions, Failure as TestFailure, Outcome as TestOutcome } from "./testing/run.ts";
export type { TestCase } from "./testing/discover.ts";
export type { CaseResult as TestCaseResult } from "./testing/cases.ts";
export type { CoverageReport, FileCoverage } from "./testing/coverage.ts";
export { RegoError, RegoErrors, displayError } from "./errors.ts";
