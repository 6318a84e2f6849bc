import { JSON_OPTION, UsageError, type Command } from "../command.ts";
import { V0_HELP, V0_OPTION, loadPaths, regoVersionOf } from "../files.ts";
import { counts, jsonReport, prettyReport } from "../../testing/report.ts";
import { RegoError, RegoErrors } from "../../errors.ts";
import { checkSources } from "./check.ts";
import { parseDuration } from "../../testing/duration.ts";

export const test: Command = {
  summary: "run the policy's tests (test_* rules) through the WebAssembly engine",
  usage:
    "warden test [PATH...] [-v] [--run REGEX] [-f pretty|json | --json] [--timeout DURATION] [--var-values] [--coverage] [--threshold N] [--bench [--benchtime D]] [--ignore PATTERN] [--v0-compatible]\n\n" +
    "Runs every rule named test_* found in the .rego files under PATH (default: policy/), with the\n" +
    "data files there, as `opa test` does; todo_test_* rules are reported as skipped. A test passes\n" +
    "when its rule is defined and true; a test_x[name] or test_x contains name rule is parametrised:\n" +
    "each name is a case, and a case its body did not complete for fails it. Exit 1 on any\n" +
    "failure, error or compile error.\n" +
    "  -v, --verbose      every test with its time, its cases and its print() output\n" +
    "  -r, --run REGEX    only tests whose full name (data.pkg.test_x) matches\n" +
    "  -f, --format FMT   pretty (default) or json (opa test -f json: an array of {location, package, name, fail, error, skip, duration, output}; --json too)\n" +
    "  --var-values       with a failing expression, the values its variables had there\n" +
    "  -t, --timeout D    wall time per test, a Go duration (default 5s, 0 for none): past it, eval_cancel_error\n" +
    "  -c, --coverage     line coverage of the policy files (measured on the reference interpreter);\n" +
    "                     with -f json, OPA's coverage report instead of the tests ({files, covered_lines, not_covered_lines, coverage})\n" +
    "  --threshold N      exit 1 when coverage is below N percent (implies --coverage)\n" +
    "  --bench            benchmark each passing test (opa test --bench): evaluations and ns/op;\n" +
    "                     in json, benchmark_result {N, T} (allocations are not counted)\n" +
    "  --benchtime D      how long each benchmark runs at least, a Go duration (default 1s)\n" +
    "  --ignore PATTERN   leave out the files and directories of that name below PATH (a shell\n" +
    "                     pattern such as '*.yaml'; repeated, or comma-separated, for several)\n" +
    V0_HELP,
  options: {
    ...JSON_OPTION,
    verbose: { type: "boolean", short: "v" },
    run: { type: "string", short: "r" },
    format: { type: "string", short: "f" },
    coverage: { type: "boolean", short: "c" },
    threshold: { type: "string" },
    timeout: { type: "string", short: "t" },
    "var-values": { type: "boolean" },
    bench: { type: "boolean" },
    benchtime: { type: "string" },
    ignore: { type: "string", multiple: true },
    ...V0_OPTION,
  },
  async run(v, paths) {
    const format = (v.format as string | undefined) ?? (v.json ? "json" : "pretty");
    if (format !== "pretty" && format !== "json") throw new UsageError(`unknown format ${JSON.stringify(format)}: use pretty or json`);
    let run: RegExp | undefined;
    if (v.run !== undefined) {
      try {
        run = new RegExp(v.run as string);
      } catch (e) {
        throw new UsageError(`--run: ${(e as Error).message}`);
      }
    }
    let threshold: number | undefined;
    if (v.threshold !== undefined) {
      threshold = Number(v.threshold);
      if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) throw new UsageError("--threshold takes a percentage, 0 to 100");
    }
    const timeoutNs = parseDuration((v.timeout as string | undefined) ?? "5s");
    if (timeoutNs === undefined) throw new UsageError(`--timeout takes a duration such as 5s, 500ms or 1m: got ${JSON.stringify(v.timeout)}`);
    if (v.benchtime !== undefined && v.bench !== true) throw new UsageError("--benchtime goes with --bench");
    const benchNs = parseDuration((v.benchtime as string | undefined) ?? "1s");
    if (benchNs === undefined || benchNs <= 0) throw new UsageError(`--benchtime takes a duration above zero such as 1s or 200ms: got ${JSON.stringify(v.benchtime)}`);
    // A string slice flag in OPA: each value may list several, comma-separated.
    const ignore = ((v.ignore as string[] | undefined) ?? []).flatMap((p) => p.split(","));
    const { sources, data } = loadPaths(paths.length ? paths : ["policy"], { tests: true, regoVersion: regoVersionOf(v), allData: true, ignore });
    let result;
    try {
      // The runner pulls in the compiler and binaryen: loaded only when tests run (bin/warden.mjs).
      const { runTests } = await import("../../testing/run.ts");
      result = await runTests(sources, data, {
        ...(run ? { run } : {}),
        coverage: v.coverage === true || threshold !== undefined,
        ...(timeoutNs > 0 ? { timeoutNs } : {}),
        varValues: v["var-values"] === true,
        ...(v.bench === true ? { bench: { timeNs: benchNs } } : {}),
        onSlowBuild: () => console.error("warden: building the WebAssembly runtime (first run only, about 40 s; cached in build/)"),
      });
    } catch (e) {
      // A policy that does not compile: report every error, as `warden check` does.
      if (!(e instanceof RegoErrors || e instanceof RegoError)) throw e;
      const all = checkSources(sources);
      throw all.length > 0 ? new RegoErrors(all) : e;
    }
    process.stdout.write(format === "json" ? jsonReport(result) : prettyReport(result, { verbose: v.verbose === true }));
    const c = counts(result);
    if (c.total === 0) console.error("warden: no tests found");
    let code = c.fail > 0 || c.error > 0 ? 1 : 0;
    if (threshold !== undefined && result.coverage && result.coverage.percent < threshold) {
      console.error(`warden: code coverage threshold not met: got ${result.coverage.percent.toFixed(2)} instead of ${threshold.toFixed(2)}`);
      code = 1;
    }
    return code;
  },
};
