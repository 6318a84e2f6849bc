// What every `warden` command is: a summary for the command list, a usage text for --help,
// its options (node:util parseArgs), and a run function returning the exit code.
// Exit codes scripts can rely on: 0 success, 1 policy errors or failures found, 2 usage errors.
import type { ParseArgsConfig } from "node:util";
import { readFileSync } from "node:fs";

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {}

/** The input document from `-i FILE`, `--input-json JSON` or `-I` (standard input), undefined when none is given. */
export function inputOption(v: Record<string, unknown>): unknown {
  const given = [v.input !== undefined, v["input-json"] !== undefined, v["stdin-input"] === true].filter(Boolean).length;
  if (given > 1) throw new UsageError("give one of -i, --input-json and -I (standard input)");
  if (v["stdin-input"] === true) return parseJSON(readFileSync(0, "utf8"), "standard input");
  if (v.input !== undefined) return parseJSON(readFileSync(v.input as string, "utf8"), v.input as string);
  if (v["input-json"] !== undefined) return parseJSON(v["input-json"] as string, "--input-json");
  return undefined;
}

function parseJSON(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: invalid JSON: ${(e as Error).message}`);
  }
}

/** `--json`: every command that has a report prints it as one JSON document on stdout. */
export const JSON_OPTION = { json: { type: "boolean" } } as const;

/** A located Rego error as --json output gives it: OPA's fields (code, message, location). */
export function errorJSON(e: { code: string; detail: string; loc?: { file: string; row: number; col: number } }): Record<string, unknown> {
  return { code: e.code, message: e.detail, ...(e.loc ? { location: { file: e.loc.file, row: e.loc.row, col: e.loc.col } } : {}) };
}
