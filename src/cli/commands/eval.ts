import { UsageError, inputOption, type Command } from "../command.ts";
import { irEngine } from "../../engines/ir.ts";
import { toJSON } from "../../values/value.ts";
import { loadPaths } from "../files.ts";

export const evalCommand: Command = {
  summary: "evaluate a query against policies and data (reference interpreter)",
  usage:
    "warden eval [-d PATH]... [-i input.json | --input-json JSON] QUERY\n\nPrints the query's results as JSON: a list of binding sets ([] when undefined).\n--strict makes built-in errors fail the evaluation.",
  options: {
    data: { type: "string", short: "d", multiple: true },
    input: { type: "string", short: "i" },
    "input-json": { type: "string" },
    strict: { type: "boolean" },
  },
  async run(v, rest) {
    if (rest.length !== 1) throw new UsageError("eval needs exactly one QUERY");
    const { sources, data } = loadPaths((v.data as string[] | undefined) ?? []);
    const input = inputOption(v);
    const results = await irEngine.run({ modules: sources, query: rest[0]!, data, input, strictBuiltinErrors: v.strict === true });
    const out = results.map((b) => Object.fromEntries([...b].map(([k, val]) => [k, toJSON(val)])));
    console.log(JSON.stringify(out, null, 2));
    return 0;
  },
};
