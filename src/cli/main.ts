// The `warden` command line: routes to one command per file in ./commands, prints --help, and
// turns errors into messages and exit codes (0 success, 1 policy errors or failures, 2 usage).
import { parseArgs } from "node:util";
import { RegoError, RegoErrors, displayError } from "../errors.ts";
import { UsageError, type Command } from "./command.ts";
import { demo } from "./commands/demo.ts";
import { check } from "./commands/check.ts";
import { plan } from "./commands/plan.ts";
import { evalCommand } from "./commands/eval.ts";
import { audit } from "./commands/audit.ts";
import { fmt } from "./commands/fmt.ts";
import { test } from "./commands/test.ts";
import { build } from "./commands/build.ts";
import { sign } from "./commands/sign.ts";
import { verify } from "./commands/verify.ts";
import { publish } from "./commands/publish.ts";
import { bundles } from "./commands/bundles.ts";
import { inspect } from "./commands/inspect.ts";
import { approvals } from "./commands/approvals.ts";
import { killSwitch } from "./commands/kill-switch.ts";
import { rollback } from "./commands/rollback.ts";
import { replay } from "./commands/replay.ts";
import { notify } from "./commands/notify.ts";
import { review } from "./commands/review.ts";
import { principals } from "./commands/principals.ts";
import { recover } from "./commands/recover.ts";

/** One line per command; the order is the order of `warden --help`. */
export const COMMANDS: Record<string, Command> = {
  demo,
  check,
  plan,
  eval: evalCommand,
  audit,
  fmt,
  test,
  build,
  sign,
  verify,
  publish,
  bundles,
  inspect,
  approvals,
  "kill-switch": killSwitch,
  rollback,
  recover,
  principals,
  replay,
  notify,
  review,
};

function help(): string {
  const lines = ["warden: governance for AI agents, as policy-as-code", "", "usage: warden COMMAND [OPTIONS]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
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
