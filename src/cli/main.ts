// The `warden` command line. Each command is a small function; `main` routes to it.
// Exit codes scripts can rely on: 0 success, 1 policy errors or failures found, 2 usage errors.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { readFileSync } from "node:fs";
import { RegoError, RegoErrors, displayError } from "../errors.ts";
import { compileSources } from "../pipeline.ts";
import { planEntrypoints } from "../planner/planner.ts";
import { printPolicy } from "../ir/printer.ts";
import { irEngine } from "../engines/ir.ts";
import { toJSON } from "../values/value.ts";
import { loadPaths, UsageError } from "./files.ts";

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  check: {
    summary: "compile policies and report every error, located",
    usage: "warden check [PATH...]\n\nParses and compiles every .rego file under PATH (default: policy/) and prints all\nerrors as file:line:col: code: message. Exit 1 if there are any.",
    options: {},
    async run(_v, paths) {
      const { sources } = loadPaths(paths.length ? paths : ["policy"], { tests: true });
      compileSources(sources);
      console.log(`${sources.length} file(s) checked, no errors`);
      return 0;
    },
  },
  plan: {
    summary: "print the plan IR of entrypoints (what the backends compile)",
    usage: "warden plan [PATH...] -e ENTRYPOINT...\n\nENTRYPOINT is a path such as authz/allow or data.authz.allow.",
    options: { entrypoint: { type: "string", short: "e", multiple: true } },
    async run(v, paths) {
      const eps = (v.entrypoint as string[] | undefined) ?? [];
      if (eps.length === 0) throw new UsageError("plan needs at least one -e ENTRYPOINT");
      const { sources } = loadPaths(paths.length ? paths : ["policy"]);
      console.log(printPolicy(planEntrypoints(compileSources(sources), eps)));
      return 0;
    },
  },
  eval: {
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
      let input: unknown;
      if (v.input !== undefined) input = JSON.parse(readFileSync(v.input as string, "utf8"));
      if (v["input-json"] !== undefined) input = JSON.parse(v["input-json"] as string);
      const results = await irEngine.run({ modules: sources, query: rest[0]!, data, input, strictBuiltinErrors: v.strict === true });
      const out = results.map((b) => Object.fromEntries([...b].map(([k, val]) => [k, toJSON(val)])));
      console.log(JSON.stringify(out, null, 2));
      return 0;
    },
  },
};

function help(): string {
  const lines = ["warden: governance for AI agents, as policy-as-code", "", "usage: warden COMMAND [OPTIONS]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push("", "Run `warden COMMAND --help` for a command's options.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`warden: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({ args, options: cmd.options, allowPositionals: true, strict: true });
    return await cmd.run(values, positionals);
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  if (e instanceof RegoErrors) {
    for (const err of e.errors) console.error(displayError(err));
    console.error(`${e.errors.length} error${e.errors.length === 1 ? "" : "s"}`);
    return 1;
  }
  if (e instanceof RegoError) {
    console.error(displayError(e));
    return 1;
  }
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`warden: ${(e as Error).message}`);
    return 2;
  }
  if (e instanceof SyntaxError) {
    console.error(`warden: invalid JSON: ${e.message}`);
    return 2;
  }
  throw e;
}
