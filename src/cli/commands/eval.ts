import { UsageError, inputOption, type Command } from "../command.ts";
import { irEngine } from "../../engines/ir.ts";
import { toJSON } from "../../values/value.ts";
import { parseQuery } from "../../syntax/parser.ts";
import { formatExpr } from "../../syntax/format.ts";
import type { Expr } from "../../syntax/ast.ts";
import { V0_OPTION, loadPaths, regoVersionOf } from "../files.ts";
import { VERIFY_HELP, VERIFY_OPTIONS, bundleCommand, readBundleArg, verifyOptionsFrom } from "../bundle-options.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { EvaluationError, loadBundle } from "../../evaluator/evaluator.ts";

export const evalCommand: Command = {
  summary: "evaluate a bundle's entrypoint (in-process WebAssembly), or a query against policies",
  usage: `warden eval -b BUNDLE -e ENTRYPOINT [-i input.json | --input-json JSON | -I] [verification]
warden eval [-d PATH]... [-i input.json | --input-json JSON | -I] [-f FORMAT] [-S] [--strict-builtin-errors]
            [--fail | --fail-defined] [--v0-compatible] QUERY

With -b: loads the bundle into the evaluator (the stock OPA WebAssembly SDK) and prints
{"result": ..., "revision": ..., "decision_id": ..., "entrypoint": ..., "timings": ...} as JSON;
"result" is absent when the entrypoint is undefined for the input. A signed bundle needs
--verification-key; an unsigned one is evaluated with a warning on stderr.

Without -b: evaluates QUERY with the reference interpreter over the .rego files under each -d
PATH and the data there (every .json and .yaml at its directory's path, as opa eval -d), and
prints the results as opa eval does, by -f FORMAT:
  json (default)  {"result": [{"expressions": [{"value", "text", "location"}], "bindings": {...}}]},
                  {} when the query is undefined
  values          the expressions' values of each result: [[v1, ...], ...]
  bindings        the variables of each result: [{"x": ...}, ...]
  raw             each expression's value on its own line (strings without quotes)
  pretty          the value when the query is one expression and binds nothing, else json
-S, --strict compiles the policies in OPA's strict mode (unused imports, function arguments and
:= assignments are errors, as warden check --strict). --strict-builtin-errors makes a built-in's
error fail the evaluation instead of leaving its call undefined. --v0-compatible reads the
policies and the query as Rego v0.
--fail exits 1 when the query is undefined (no result); --fail-defined exits 1 when it has one.
-I (--stdin-input) reads the input document from standard input.

${VERIFY_HELP}`,
  options: {
    bundle: { type: "string", short: "b" },
    entrypoint: { type: "string", short: "e" },
    data: { type: "string", short: "d", multiple: true },
    input: { type: "string", short: "i" },
    "input-json": { type: "string" },
    strict: { type: "boolean", short: "S" },
    "strict-builtin-errors": { type: "boolean" },
    fail: { type: "boolean" },
    "fail-defined": { type: "boolean" },
    "stdin-input": { type: "boolean", short: "I" },
    format: { type: "string", short: "f" },
    ...V0_OPTION,
    ...VERIFY_OPTIONS,
  },
  async run(v, rest) {
    if (v.bundle !== undefined) return bundleCommand(() => evalBundle(v, rest));
    if (v.entrypoint !== undefined) throw new UsageError("-e ENTRYPOINT goes with -b BUNDLE; without a bundle, give a QUERY");
    if (rest.length !== 1) throw new UsageError("eval needs exactly one QUERY (or -b BUNDLE -e ENTRYPOINT)");
    const format = (v.format as string | undefined) ?? "json";
    if (!FORMATS.includes(format)) throw new UsageError(`unknown format ${JSON.stringify(format)}: use ${FORMATS.join(", ")}`);
    const regoVersion = regoVersionOf(v);
    // opa eval -d loads every .rego file, tests included: a test rule is queryable like any rule.
    const { sources, data } = loadPaths((v.data as string[] | undefined) ?? [], { regoVersion, allData: true, tests: true });
    if (v.fail && v["fail-defined"]) throw new UsageError("--fail and --fail-defined exclude each other");
    const input = inputOption(v);
    const query = valuedQuery(rest[0]!, regoVersion);
    const results = await irEngine.run({
      modules: sources,
      query: query.text,
      data,
      input,
      strictBuiltinErrors: v["strict-builtin-errors"] === true,
      strict: v.strict === true,
      regoVersion,
    });
    const rows = results.map((b) => ({
      expressions: query.exprs.map((e, i) => ({ value: e.valued ? toJSON(b.get(exprVar(i))!) : true, text: e.text, location: e.location })),
      bindings: Object.fromEntries([...b].filter(([k]) => !k.startsWith(EXPR_VAR)).map(([k, val]) => [k, toJSON(val)])),
    }));
    printResults(format, rows);
    if (v.fail && rows.length === 0) return 1;
    if (v["fail-defined"] && rows.length > 0) return 1;
    return 0;
  },
};

async function evalBundle(v: Record<string, unknown>, rest: string[]): Promise<number> {
  if (rest.length > 0) throw new UsageError("with -b, give -e ENTRYPOINT instead of a QUERY");
  if (v.data !== undefined) throw new UsageError("-d does not go with -b: the bundle holds its data");
  const entrypoint = v.entrypoint as string | undefined;
  if (entrypoint === undefined) throw new UsageError("eval -b needs -e ENTRYPOINT");
  const bytes = readBundleArg(v.bundle as string, "eval");
  const verification = verifyOptionsFrom(v);
  if (!verification) {
    if (readBundle(bytes).signed) throw new UsageError(`${v.bundle as string} is signed: pass --verification-key to check it`);
    console.error(`warning: ${v.bundle as string} is not signed; evaluating it unverified`);
  }
  const loaded = await loadBundle({ bytes }, verification ? { verification } : { allowUnsigned: true });
  let d;
  try {
    d = loaded.evaluate(entrypoint, inputOption(v));
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
    // A coded engine error already reads `[file:row: ]code: message`; a boundary refusal does not.
    console.error(`warden: ${e.message.includes(`${e.code}: `) ? e.message : `${e.code}: ${e.message}`}`);
    return 1;
  }
  const { recorded: _recorded, ...shown } = d;
  console.log(JSON.stringify(shown, null, 2));
  return 0;
}

const FORMATS = ["json", "values", "bindings", "raw", "pretty"];
const EXPR_VAR = "wardenexpr";
const exprVar = (i: number) => `${EXPR_VAR}${i}__`;

interface QueryExpr {
  text: string;
  location: { row: number; col: number };
  /** A term whose value is reported (`data.x`); other expressions report true, as OPA's do. */
  valued: boolean;
}

/**
 * The query with each plain value expression (a ref, a var, a literal, a comprehension: not a
 * call, which is a test) bound to a generated var, so its value can be reported as
 * `opa eval` reports expression values.
 */
function valuedQuery(text: string, regoVersion: 0 | 1): { text: string; exprs: QueryExpr[] } {
  const body = parseQuery(text, "query.rego", { regoVersion });
  const exprs: QueryExpr[] = [];
  const lines = body.map((e, i) => {
    const valued = e.kind === "term" && e.term.type !== "call" && !e.negated && e.with.length === 0;
    exprs.push({ text: formatExpr(e), location: { row: e.loc.row, col: e.loc.col }, valued });
    if (!valued) return formatExpr(e);
    const unify: Expr = { kind: "unify", left: { type: "var", name: exprVar(i), loc: e.loc }, right: (e as Extract<Expr, { kind: "term" }>).term, negated: false, with: [], loc: e.loc };
    return formatExpr(unify);
  });
  return { text: lines.join("\n"), exprs };
}

type Row = { expressions: { value: unknown; text: string; location: { row: number; col: number } }[]; bindings: Record<string, unknown> };

function printResults(format: string, rows: Row[]): void {
  const json = (x: unknown) => JSON.stringify(x, null, 2);
  switch (format) {
    case "bindings":
      return console.log(json(rows.map((r) => r.bindings)));
    case "values":
      return console.log(json(rows.map((r) => r.expressions.map((e) => e.value))));
    case "raw":
      for (const r of rows) for (const e of r.expressions) console.log(typeof e.value === "string" ? e.value : JSON.stringify(e.value));
      return;
    case "pretty":
      if (rows.length === 1 && rows[0]!.expressions.length === 1 && Object.keys(rows[0]!.bindings).length === 0) return console.log(json(rows[0]!.expressions[0]!.value));
      if (rows.length === 0) return console.log("undefined");
  }
  const result = rows.map((r) => (Object.keys(r.bindings).length > 0 ? r : { expressions: r.expressions }));
  console.log(json(rows.length === 0 ? {} : { result }));
}
