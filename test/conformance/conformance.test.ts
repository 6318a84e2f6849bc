// The IR engine against OPA's conformance cases: every case in the baseline must still pass.
// Grow the baseline with `npm run conformance -- --update-baseline`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
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
    expect(cases.length).toBeGreaterThan(0);
    const reports = await runIsolated(engine, cases);
    const lost = regressions(baseline, reports).map((r) => `${r.id}: ${r.reason ?? r.status}`);
    expect(lost).toEqual([]);
  }, 600_000);
});

// Warden's own cases (test/rego-cases) live in the repository, so they always run.
describe("Warden's own Rego cases on the IR engine", () => {
  const root = fileURLToPath(new URL("../rego-cases", import.meta.url));
  const baseline = readBaseline(baselineFile("ir"));

  it("still passes every baselined case", async () => {
    // Ids as the CLI computes them (relative to the default root), so one baseline serves both.
    const cases = loadCases([root], DEFAULT_ROOT).filter((c) => baseline.has(c.id));
    expect(cases.length).toBeGreaterThan(0);
    const reports = await runIsolated(engineRef("ir"), cases);
    const lost = regressions(baseline, reports).map((r) => `${r.id}: ${r.reason ?? r.status}`);
    expect(lost).toEqual([]);
  }, 600_000);
});
