// Turns case reports into what people and tools read: a table per folder, the failures and skips
// with their reasons, the one-line JSON summary (a contract, see DESIGN.md), and the baseline of
// cases known to pass, which may only grow.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CaseReport } from "./run.ts";

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export interface Summary extends Counts {
  engine: string;
  by_folder: Record<string, Counts>;
}

export function summarize(engine: string, reports: CaseReport[]): Summary {
  const summary: Summary = { engine, ...zero(), by_folder: {} };
  for (const r of [...reports].sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0))) {
    const folder = (summary.by_folder[r.folder] ??= zero());
    for (const counts of [summary, folder]) {
      counts.total++;
      counts[r.status]++;
    }
  }
  return summary;
}

function zero(): Counts {
  return { total: 0, passed: 0, failed: 0, skipped: 0 };
}

/** The final line of `--json` output: exactly one line, keys as DESIGN.md promises. */
export function jsonLine(s: Summary): string {
  const { engine, total, passed, failed, skipped, by_folder } = s;
  return JSON.stringify({ engine, total, passed, failed, skipped, by_folder });
}

export function formatTable(s: Summary): string {
  const rows = Object.entries(s.by_folder).map(([folder, c]) => row(folder, c));
  const header = ["folder", "total", "passed", "failed", "skipped", "%"];
  const all = [header, ...rows, row("TOTAL", s)];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line), rule, line(all[all.length - 1]!)].join("\n");
}

/** Percentage passed of all cases, skipped ones included: a skip is not a pass. */
function row(folder: string, c: Counts): string[] {
  const pct = c.total === 0 ? "-" : ((100 * c.passed) / c.total).toFixed(1);
  return [folder, String(c.total), String(c.passed), String(c.failed), String(c.skipped), pct];
}

/** Failures, one line each; with verbose, the full got/want under each. */
export function formatFailures(reports: CaseReport[], verbose: boolean): string {
  const failed = reports.filter((r) => r.status === "failed");
  if (failed.length === 0) return "";
  const lines = [`FAILED (${failed.length}):`];
  for (const r of failed) {
    lines.push(`  ${r.id}: ${r.reason ?? ""}`);
    if (verbose && r.got !== undefined) lines.push(indent("got:  ", r.got));
    if (verbose && r.want !== undefined) lines.push(indent("want: ", r.want));
  }
  return lines.join("\n");
}

function indent(label: string, text: string): string {
  return text
    .split("\n")
    .map((l, i) => `      ${i === 0 ? label : " ".repeat(label.length)}${l}`)
    .join("\n");
}

export function formatSkips(reports: CaseReport[]): string {
  const skipped = reports.filter((r) => r.status === "skipped");
  if (skipped.length === 0) return "";
  return [`SKIPPED (${skipped.length}):`, ...skipped.map((r) => `  ${r.id}: ${r.reason ?? ""}`)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Baseline: the sorted ids of cases that passed. It only grows, so a regression is always visible.

export function baselineFile(engine: string): string {
  return fileURLToPath(new URL(`../../test/conformance/baseline-${engine}.txt`, import.meta.url));
}

export function readBaseline(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  return new Set(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.length > 0),
  );
}

export function writeBaseline(file: string, ids: Set<string>): void {
  writeFileSync(file, [...ids].sort().map((id) => `${id}\n`).join(""));
}

/** Baselined cases that ran and did not pass. Cases not run (filtered out, or gone) are not judged. */
export function regressions(baseline: Set<string>, reports: CaseReport[]): CaseReport[] {
  return reports.filter((r) => baseline.has(r.id) && r.status !== "passed");
}

/** Baselined ids that were not among the cases run. */
export function notRun(baseline: Set<string>, reports: CaseReport[]): string[] {
  const ran = new Set(reports.map((r) => r.id));
  return [...baseline].filter((id) => !ran.has(id)).sort();
}

/** The new baseline: the old one plus every case that passed now. */
export function grownBaseline(baseline: Set<string>, reports: CaseReport[]): Set<string> {
  return new Set([...baseline, ...reports.filter((r) => r.status === "passed").map((r) => r.id)]);
}
