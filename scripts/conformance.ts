// `npm run conformance -- [options] [PATH...]`: runs OPA's conformance cases against a Warden engine.
// The command line and the final `--json` line are a contract (DESIGN.md, "Interfaces other tools
// rely on"). Results go to stdout, progress to stderr.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Engine } from "../src/engine.ts";
import { DEFAULT_ROOT, loadCases, type ConformanceCase } from "../src/conformance/cases.ts";
import {
  baselineFile,
  formatFailures,
  formatSkips,
  formatTable,
  grownBaseline,
  jsonLine,
  notRun,
  readBaseline,
  regressions,
  summarize,
  writeBaseline,
} from "../src/conformance/report.ts";
import { ENGINE_NAMES, engineRef, engineUnavailable, runIsolated, type CaseReport, type ProgressListener } from "../src/conformance/run.ts";

const HELP = `Usage: npm run conformance -- [options] [PATH...]

Runs OPA-format conformance cases (YAML files, searched recursively under each
PATH) against a Warden engine, and prints a table per folder, the failures and
the skipped cases with their reasons. PATH defaults to
${DEFAULT_ROOT}; if it does not exist, nothing runs (exit 0).

Options:
  --engine ir|wasm     engine to run (default: ir)
  --json               end the output with one line of JSON (the summary)
  --verbose            show the full results and errors of each failure
  --filter SUBSTRING   run only the cases whose id contains SUBSTRING
  --check-baseline     exit 1 if a case listed in test/conformance/baseline-<engine>.txt
                       did not pass
  --update-baseline    add the cases that passed to the baseline; refuses (exit 1)
                       if a baselined case no longer passes
  -h, --help           show this help

Case ids are <folder>/<file>#<note>. Exit code: 0, or 1 on a baseline regression,
or 2 on a usage error or an engine that cannot be loaded.`;

interface Options {
  engine: Engine["name"];
  json: boolean;
  verbose: boolean;
  filter?: string;
  checkBaseline: boolean;
  updateBaseline: boolean;
  paths: string[];
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === "help") {
    console.log(HELP);
    return 0;
  }
  if (typeof options === "string") {
    console.error(`conformance: ${options}\n\n${HELP}`);
    return 2;
  }
  const cases = casesToRun(options);
  const reports = await runCases(options.engine, cases);
  if (reports === undefined) return 2;
  printReport(options, reports);
  return baselineStep(options, reports);
}

function parseOptions(argv: string[]): Options | "help" | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        engine: { type: "string", default: "ir" },
        json: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        filter: { type: "string" },
        "check-baseline": { type: "boolean", default: false },
        "update-baseline": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return (e as Error).message;
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const engine = values.engine as Engine["name"];
  if (!ENGINE_NAMES.includes(engine)) return `unknown engine "${values.engine}" (expected ${ENGINE_NAMES.join(" or ")})`;
  const options: Options = {
    engine,
    json: values.json,
    verbose: values.verbose,
    checkBaseline: values["check-baseline"],
    updateBaseline: values["update-baseline"],
    paths: positionals.length > 0 ? positionals.map((p) => resolve(p)) : [DEFAULT_ROOT],
  };
  if (values.filter !== undefined) options.filter = values.filter;
  return options;
}

/**
 * The cases under the paths that exist. A missing path is reported and contributes nothing:
 * CI machines without ../shared then run zero cases and succeed, saying why.
 */
function casesToRun(options: Options): ConformanceCase[] {
  const present = options.paths.filter((p) => {
    if (existsSync(p)) return true;
    console.error(`conformance: ${p} does not exist: no cases to run from it`);
    return false;
  });
  const cases = loadCases(present, DEFAULT_ROOT);
  return options.filter === undefined ? cases : cases.filter((c) => c.id.includes(options.filter!));
}

/** Runs the cases, or says why the engine cannot run them (and returns undefined). */
async function runCases(engine: Engine["name"], cases: ConformanceCase[]): Promise<CaseReport[] | undefined> {
  const ref = engineRef(engine);
  // Skipped cases need no engine: with nothing runnable, a missing engine is no error.
  const missing = cases.some((c) => c.expect.kind !== "skip") ? engineUnavailable(ref) : undefined;
  if (missing) {
    console.error(`conformance: the ${engine} engine is not available: ${missing}`);
    return undefined;
  }
  try {
    return await runIsolated(ref, cases, progressMeter());
  } catch (e) {
    console.error(`conformance: cannot run the ${engine} engine: ${(e as Error).message}`);
    return undefined;
  }
}

/** A counter on stderr: rewritten in place on a terminal, a line every 100 cases in a log. */
function progressMeter(): ProgressListener {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const tty = process.stderr.isTTY;
  return (done, total, last) => {
    counts[last.status]++;
    const text = `[${done}/${total}] passed ${counts.passed}, failed ${counts.failed}, skipped ${counts.skipped}`;
    if (tty) process.stderr.write(`\r${text}${done === total ? "\n" : ""}`);
    else if (done % 100 === 0 || done === total) process.stderr.write(`${text}\n`);
  };
}

function printReport(options: Options, reports: CaseReport[]): void {
  const summary = summarize(options.engine, reports);
  const sections = [formatTable(summary), formatFailures(reports, options.verbose), formatSkips(reports)];
  console.log(sections.filter((s) => s.length > 0).join("\n\n"));
  if (options.json) console.log(jsonLine(summary));
}

/** --check-baseline / --update-baseline; returns the exit code. */
function baselineStep(options: Options, reports: CaseReport[]): number {
  if (!options.checkBaseline && !options.updateBaseline) return 0;
  const file = baselineFile(options.engine);
  const baseline = readBaseline(file);
  const lost = regressions(baseline, reports);
  const absent = notRun(baseline, reports);
  if (absent.length > 0) console.error(`conformance: ${absent.length} baselined case(s) were not run (filtered out or gone)`);
  if (lost.length > 0) {
    const verb = options.updateBaseline ? "refusing to update the baseline: " : "";
    console.error(`conformance: ${verb}${lost.length} baselined case(s) no longer pass:`);
    for (const r of lost) console.error(`  ${r.id}: ${r.reason ?? r.status}`);
    return 1;
  }
  if (options.updateBaseline) {
    const grown = grownBaseline(baseline, reports);
    writeBaseline(file, grown);
    console.error(`conformance: baseline ${file}: ${baseline.size} -> ${grown.size} case(s)`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
