// Line coverage from probes (probes.ts): a line of a policy is covered when an expression on it
// was evaluated, or a rule whose head is on it produced a value, during some test; it is not
// covered when it holds expressions or rule heads and none of them was. Test files are left out:
// the figure is about the policy under test.
import type { Probe } from "./probes.ts";

export interface FileCoverage {
  file: string;
  covered: number[];
  notCovered: number[];
  /** Percentage of the file's relevant lines that are covered (100 for a file with none). */
  percent: number;
}

export interface CoverageReport {
  files: FileCoverage[];
  covered: number;
  total: number;
  percent: number;
}

export function isTestFile(file: string): boolean {
  return file.endsWith("_test.rego");
}

export function coverageReport(probes: Probe[], hits: ReadonlySet<number>): CoverageReport {
  const byFile = new Map<string, { all: Set<number>; hit: Set<number> }>();
  for (const p of probes) {
    if (isTestFile(p.file)) continue;
    let f = byFile.get(p.file);
    if (!f) byFile.set(p.file, (f = { all: new Set(), hit: new Set() }));
    f.all.add(p.row);
    if (hits.has(p.id)) f.hit.add(p.row);
  }
  const files: FileCoverage[] = [];
  let covered = 0;
  let total = 0;
  for (const [file, f] of [...byFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rows = [...f.all].sort((a, b) => a - b);
    const cov = rows.filter((r) => f.hit.has(r));
    const not = rows.filter((r) => !f.hit.has(r));
    covered += cov.length;
    total += rows.length;
    files.push({ file, covered: cov, notCovered: not, percent: percent(cov.length, rows.length) });
  }
  return { files, covered, total, percent: percent(covered, total) };
}

function percent(n: number, of: number): number {
  return of === 0 ? 100 : Math.round((n / of) * 10000) / 100;
}

/** Rows as ranges: [3, 4, 5, 9] is "3-5, 9". */
export function rowRanges(rows: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j + 1 < rows.length && rows[j + 1] === rows[j]! + 1) j++;
    out.push(i === j ? `${rows[i]}` : `${rows[i]}-${rows[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}
