// The source line of a located error and a caret under its column, as `opa` prints them after
// the error (a tab, the line without its leading tabs; a tab, spaces to the column, `^`).
import { readFileSync } from "node:fs";
import type { Location } from "../syntax/ast.ts";

const files = new Map<string, string[] | null>();

function lines(file: string): string[] | null {
  let ls = files.get(file);
  if (ls === undefined) {
    try {
      ls = readFileSync(file, "utf8").split(/\r?\n/);
    } catch {
      ls = null; // not a file on disk (a bundle member, a query): the error stands alone
    }
    files.set(file, ls);
  }
  return ls;
}

/** The two lines to print under an error at `loc`, or [] when its source cannot be read. */
export function sourceExcerpt(loc: Location | undefined): string[] {
  if (!loc) return [];
  const line = lines(loc.file)?.[loc.row - 1];
  if (line === undefined || line.length > 400) return [];
  const text = line.replace(/^\t+/, "");
  const indent = Math.max(0, loc.col - 1 - (line.length - text.length));
  // Tabs before the column stay tabs, so the caret lines up however wide a tab is shown.
  const pad = text.slice(0, indent).replace(/[^\t]/g, " ");
  return [`\t${text}`, `\t${pad}^`];
}
