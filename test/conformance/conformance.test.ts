// The IR engine against OPA's conformance cases: every case in the baseline must still pass.
// Grow the baseline with `npm run conformance -- --update-baseline`.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_ROOT, loadCases } from "../../src/conformance/cases.ts";
import { baselineFile, readBaseline, regressions } from "../../src/conformance/report.ts";
import { engineRef, engineUnavailable, runIsolated } from "../../src/conformance/run.ts";

const engine = engineRef("ir");
const absent = existsSync(DEFAULT_ROOT) ? engineUnavailable(engine) : `the cases are absent (${DEFAULT_ROOT} does not exist)`;
const suite = absent === undefined ? describe : describe.skip;

suite(`conformance of the IR engine${absent === undefined ? "" : ` (skipped: ${absent})`}`, () => {
  const baseline = readBaseline(baselineFile("ir"));

  // Only baselined cases run here, to keep the test quick; `npm run conformance` runs them all.
  it(`still passes the ${baseline.size} baselined case(s)`, async () => {
    const cases = loadCases([DEFAULT_ROOT], DEFAULT_ROOT).filter((c) => baseline.has(c.id));
    const reports = await runIsolated(engine, cases);
    const lost = regressions(baseline, reports).map((r) => `${r.id}: ${r.reason ?? r.status}`);
    expect(lost).toEqual([]);
  }, 600_000);
});
