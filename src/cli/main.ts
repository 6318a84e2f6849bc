// The `warden` command line: routes to one command per file in ./commands (imported only when
// the command runs, so `--help` starts in milliseconds), prints --help and --version, checks
// flags with did-you-mean, and turns errors into one line and an exit code (0 success, 1 policy
// errors or failures, 2 usage errors and missing files). WARDEN_DEBUG=1 adds the stack.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";

interface Entry {
  summary: string;
  load(): Promise<Command>;
}

/** One line per command; the order is the order of `warden --help`. Summaries as each command's own. */
export const COMMANDS: Record<string, Entry> = {
  init: { summary: "write a documented warden.yaml deployment config here", load: async () => (await import("./commands/init.ts")).init },
  demo: { summary: "run the customer-support agent demo end to end (start here)", load: async () => (await import("./commands/demo.ts")).demo },
  check: { summary: "compile policies and report every error, located", load: async () => (await import("./commands/check.ts")).check },
  capabilities: { summary: "print Warden's built-ins in OPA's capabilities JSON form", load: async () => (await import("./commands/capabilities.ts")).capabilitiesCommand },
  plan: { summary: "print the plan IR of entrypoints (what the backends compile)", load: async () => (await import("./commands/plan.ts")).plan },
  eval: { summary: "evaluate a bundle's entrypoint (in-process WebAssembly), or a query against policies", load: async () => (await import("./commands/eval.ts")).evalCommand },
  audit: { summary: "verify, show or export the tamper-evident audit trail", load: async () => (await import("./commands/audit.ts")).audit },
  fmt: { summary: "format Rego canonically (Rego v1, tabs, comments kept)", load: async () => (await import("./commands/fmt.ts")).fmt },
  test: { summary: "run the policy's tests (test_* rules) through the WebAssembly engine", load: async () => (await import("./commands/test.ts")).test },
  build: { summary: "build a bundle (.tar.gz with policy.wasm, data, sources), optionally signed", load: async () => (await import("./commands/build.ts")).build },
  sign: { summary: "sign a bundle (OPA-compatible .signatures.json)", load: async () => (await import("./commands/sign.ts")).sign },
  verify: { summary: "verify a bundle's signature and that every file is exactly as signed", load: async () => (await import("./commands/verify.ts")).verify },
  publish: { summary: "store a bundle by revision in a bundle store (never overwrites)", load: async () => (await import("./commands/publish.ts")).publish },
  bundles: { summary: "list the bundles of a bundle store", load: async () => (await import("./commands/bundles.ts")).bundles },
  inspect: { summary: "show a bundle's manifest, files, entrypoints and signature", load: async () => (await import("./commands/inspect.ts")).inspect },
  approvals: { summary: "list, show, approve, modify or reject paused actions", load: async () => (await import("./commands/approvals.ts")).approvals },
  "kill-switch": { summary: "halt every governed action now, or reset the halt", load: async () => (await import("./commands/kill-switch.ts")).killSwitch },
  rollback: { summary: "undo an executed action (only over the exact state it left)", load: async () => (await import("./commands/rollback.ts")).rollback },
  recover: { summary: "list and resolve actions a crash left without an outcome", load: async () => (await import("./commands/recover.ts")).recover },
  principals: { summary: "the directory of agents, approvers and operators, and their roles", load: async () => (await import("./commands/principals.ts")).principals },
  replay: { summary: "re-evaluate audited decisions against the policy that made them (or a candidate)", load: async () => (await import("./commands/replay.ts")).replay },
  notify: { summary: "the 24-hour review queue of notify actions", load: async () => (await import("./commands/notify.ts")).notify },
  serve: { summary: "run the decision and approval service (HTTP API and approver inbox)", load: async () => (await import("./commands/serve.ts")).serve },
  "mcp-gateway": { summary: "an MCP server in front of an upstream MCP server, every tools/call governed", load: async () => (await import("./commands/mcp-gateway.ts")).mcpGateway },
  tokens: { summary: "issue, revoke and list the API tokens of warden serve (stored hashed)", load: async () => (await import("./commands/tokens.ts")).tokens },
  review: { summary: "the monthly governance review, from the audit trail (text, JSON or an HTML page with charts)", load: async () => (await import("./commands/review.ts")).review },
  report: { summary: "one part of the review: shadow calibration, least privilege, or a candidate's impact", load: async () => (await import("./commands/report.ts")).report },
};

function help(): string {
  const lines = ["warden: governance for AI agents, as policy-as-code", "", "usage: warden COMMAND [OPTIONS]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
  lines.push("", "Run `warden COMMAND --help` for a command's options; `warden --version` for the version.");
  return lines.join("\n");
}

export function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(version());
    return 0;
  }
  try {
    const entry = COMMANDS[name];
    if (!entry) {
      const near = closest(name, Object.keys(COMMANDS));
      throw new UsageError(`unknown command ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ""}: see warden --help`);
    }
    const cmd = await entry.load();
    if (args.includes("--help") || args.includes("-h")) {
      console.log(cmd.usage);
      return 0;
    }
    checkFlags(name, args, cmd.options);
    const { values, positionals } = parseArgs({ args, options: cmd.options, allowPositionals: true, strict: true });
    return await cmd.run(values, positionals);
  } catch (e) {
    return report(e);
  }
}

/** Unknown flags, with the nearest known one; parseArgs's own messages cover the rest. */
function checkFlags(command: string, args: string[], options: Command["options"]): void {
  const longs = Object.keys(options);
  const shorts = new Map(Object.entries(options).flatMap(([k, o]) => (o.short ? [[o.short, k] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") return;
    if (a.startsWith("--")) {
      const flag = a.slice(2).split("=")[0]!;
      if (!longs.includes(flag)) {
        const near = closest(flag, longs);
        throw new UsageError(`${command}: unknown option --${flag}${near ? ` (did you mean --${near}?)` : ""}: see warden ${command} --help`);
      }
      if (options[flag]!.type === "string" && !a.includes("=")) i++;
    } else if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
      const flag = a[1]!;
      if (!shorts.has(flag)) throw new UsageError(`${command}: unknown option -${flag}: see warden ${command} --help`);
      if (options[shorts.get(flag)!]!.type === "string" && a.length === 2) i++;
    }
  }
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 1 : distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Every error as one line on stderr; the exit code says what kind. */
async function report(e: unknown): Promise<number> {
  if (process.env.WARDEN_DEBUG) console.error(e);
  const { RegoError, RegoErrors, displayError } = await import("../errors.ts");
  const { sourceExcerpt } = await import("./source-lines.ts");
  const show = (err: InstanceType<typeof RegoError>) => console.error([displayError(err), ...sourceExcerpt(err.loc)].join("\n"));
  if (e instanceof RegoErrors) {
    e.errors.forEach(show);
    console.error(`${e.errors.length} error${e.errors.length === 1 ? "" : "s"}`);
    return 1;
  }
  if (e instanceof RegoError) {
    show(e);
    return 1;
  }
  const err = e as { code?: unknown; message?: unknown; path?: unknown; name?: unknown };
  const message = typeof err?.message === "string" ? err.message.split("\n")[0]! : String(e);
  if (e instanceof UsageError || (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS"))) {
    console.error(`warden: ${message}`);
    return 2;
  }
  if (err.code === "ENOENT" || err.code === "ENOTDIR" || err.code === "EISDIR") {
    console.error(`warden: ${typeof err.path === "string" ? `${err.path}: ` : ""}${err.code === "ENOENT" ? "no such file or directory" : err.code === "EISDIR" ? "is a directory" : "not a directory"}`);
    return 2;
  }
  if (e instanceof SyntaxError) {
    console.error(`warden: invalid JSON: ${message}`);
    return 2;
  }
  if (err.name === "DeploymentError" || err.name === "LoadError") {
    console.error(`warden: ${message}`);
    return 2;
  }
  console.error(`warden: ${message}${process.env.WARDEN_DEBUG ? "" : " (WARDEN_DEBUG=1 for the stack)"}`);
  return 1;
}
