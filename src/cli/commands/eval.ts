import { UsageError, inputOption, type Command } from "../command.ts";
import { irEngine } from "../../engines/ir.ts";
import { toJSON } from "../../values/value.ts";
import { V0_OPTION, loadPaths, regoVersionOf } from "../files.ts";
import { VERIFY_HELP, VERIFY_OPTIONS, bundleCommand, readBundleArg, verifyOptionsFrom } from "../../bundle/cli.ts";
import { readBundle } from "../../bundle/bundle.ts";
import { EvaluationError, loadBundle } from "../../evaluator/evaluator.ts";

export const evalCommand: Command = {
  summary: "evaluate a bundle's entrypoint (in-process WebAssembly), or a query against policies",
  usage: `warden eval -b BUNDLE -e ENTRYPOINT [-i input.json | --input-json JSON] [verification]
warden eval [-d PATH]... [-i input.json | --input-json JSON] [--v0-compatible] QUERY

With -b: loads the bundle into the evaluator (the stock OPA WebAssembly SDK) and prints
{"result": ..., "revision": ..., "decision_id": ..., "entrypoint": ..., "timings": ...} as JSON;
"result" is absent when the entrypoint is undefined for the input. A signed bundle needs
--verification-key; an unsigned one is evaluated with a warning on stderr.

Without -b: evaluates QUERY with the reference interpreter over the .rego and data files under
each -d PATH and prints a list of binding sets ([] when undefined). --strict makes built-in
errors fail the evaluation. --v0-compatible reads the policies and the query as Rego v0.

${VERIFY_HELP}`,
  options: {
    bundle: { type: "string", short: "b" },
    entrypoint: { type: "string", short: "e" },
    data: { type: "string", short: "d", multiple: true },
    input: { type: "string", short: "i" },
    "input-json": { type: "string" },
    strict: { type: "boolean" },
    ...V0_OPTION,
    ...VERIFY_OPTIONS,
  },
  async run(v, rest) {
    if (v.bundle !== undefined) return bundleCommand(() => evalBundle(v, rest));
    if (v.entrypoint !== undefined) throw new UsageError("-e ENTRYPOINT goes with -b BUNDLE; without a bundle, give a QUERY");
    if (rest.length !== 1) throw new UsageError("eval needs exactly one QUERY (or -b BUNDLE -e ENTRYPOINT)");
    const regoVersion = regoVersionOf(v);
    const { sources, data } = loadPaths((v.data as string[] | undefined) ?? [], { regoVersion, allData: true });
    const input = inputOption(v);
    const results = await irEngine.run({ modules: sources, query: rest[0]!, data, input, strictBuiltinErrors: v.strict === true, regoVersion });
    const out = results.map((b) => Object.fromEntries([...b].map(([k, val]) => [k, toJSON(val)])));
    console.log(JSON.stringify(out, null, 2));
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
