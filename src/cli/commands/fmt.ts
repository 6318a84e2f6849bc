import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { JSON_OPTION, UsageError, errorJSON, type Command } from "../command.ts";
import { loadPaths } from "../files.ts";
import { formatSource } from "../../syntax/format.ts";
import { RegoError, RegoErrors } from "../../errors.ts";

export const fmt: Command = {
  summary: "format Rego canonically (Rego v1, tabs, comments kept)",
  usage:
    "warden fmt [PATH...] [-l | -d | -w] [--fail] [--v0-compatible] [--json]\n\n" +
    "Formats every .rego file under PATH (default: policy/), tests included.\n" +
    "  (default)  print the formatted files\n" +
    "  -l, --list   print the names of the files whose formatting would change\n" +
    "  -d, --diff   print a unified diff of each file that would change\n" +
    "  -w, --write  rewrite the files that change, in place (atomically)\n" +
    "  --fail       exit 1 if any file would change (as opa fmt --fail; -l, -d and -w exit 0 otherwise)\n" +
    "  --v0-compatible  read pre-1.0 Rego, as opa fmt --v0-compatible (the output is Rego v1; --v0 is the same)\n" +
    "  --json     print {\"files\": [{\"file\", \"changed\"}], \"changed\": N, \"errors\": [...]}, not the text\n" +
    "A file that does not parse is reported (file:line:col) and makes the exit code 1.",
  options: {
    diff: { type: "boolean", short: "d" },
    list: { type: "boolean", short: "l" },
    fail: { type: "boolean" },
    write: { type: "boolean", short: "w" },
    v0: { type: "boolean" },
    "v0-compatible": { type: "boolean" },
    ...JSON_OPTION,
  },
  async run(v, paths) {
    if ([v.diff, v.write, v.list].filter(Boolean).length > 1) throw new UsageError("give one of --list, --diff and --write");
    const { sources } = loadPaths(paths.length ? paths : ["policy"], { tests: true });
    const errors: RegoError[] = [];
    let changed = 0;
    const report: { file: string; changed: boolean }[] = [];
    for (const { file, text } of sources) {
      let formatted: string;
      try {
        formatted = formatSource(text, file, { regoVersion: v.v0 || v["v0-compatible"] ? 0 : 1 });
      } catch (e) {
        if (e instanceof RegoErrors) errors.push(...e.errors);
        else if (e instanceof RegoError) errors.push(e);
        else throw e;
        continue;
      }
      if (formatted !== text) changed++;
      report.push({ file, changed: formatted !== text });
      if (v.json) {
        if (v.write && formatted !== text) writeAtomically(file, formatted);
      } else if (v.list) {
        if (formatted !== text) console.log(file);
      } else if (v.diff) {
        if (formatted !== text) process.stdout.write(unifiedDiff(file, text, formatted));
      } else if (v.write) {
        if (formatted !== text) writeAtomically(file, formatted);
      } else {
        process.stdout.write(sources.length > 1 ? `# ${file}\n${formatted}` : formatted);
      }
    }
    if (v.json) {
      console.log(JSON.stringify({ files: report, changed, errors: errors.map(errorJSON) }));
      return errors.length > 0 || (v.fail && changed > 0) ? 1 : 0;
    }
    if (errors.length > 0) throw new RegoErrors(errors);
    if (v.write) console.error(`${changed} of ${sources.length} file(s) reformatted`);
    return v.fail && changed > 0 ? 1 : 0;
  },
};

/** Writes next to the file, then renames over it: readers see the old or the new text, never half. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.fmt.tmp`;
  try {
    writeFileSync(tmp, text, { mode: statSync(file).mode });
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}


type Op = { kind: " " | "-" | "+"; line: string };

/** A unified diff (`diff -u` format, three lines of context) of two texts. */
export function unifiedDiff(file: string, a: string, b: string): string {
  const ops = diffLines(splitLines(a), splitLines(b));
  const out = [`--- ${file}\n`, `+++ ${file} (formatted)\n`];
  const CONTEXT = 3;
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === " ") {
      i++;
      continue;
    }
    // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
    // that is at most 2*CONTEXT unchanged lines away.
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== " ") end = j;
      else if (j - end > 2 * CONTEXT) break;
    }
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    let aLine = 1;
    let bLine = 1;
    for (let j = 0; j < start; j++) {
      if (ops[j]!.kind !== "+") aLine++;
      if (ops[j]!.kind !== "-") bLine++;
    }
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.kind !== "+").length;
    const bCount = hunk.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@\n`);
    for (const o of hunk) out.push(`${o.kind}${o.line}\n`);
    i = stop;
  }
  return out.join("");
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Line diff by longest common subsequence (policy files are small). */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: "-", line: a[i++]! });
    } else {
      ops.push({ kind: "+", line: b[j++]! });
    }
  }
  return ops;
}
