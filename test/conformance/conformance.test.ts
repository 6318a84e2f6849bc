// The engines against OPA's conformance cases and Warden's own: every case in an engine's baseline
// must still pass. Grow a baseline with
// `npm run conformance -- --engine <ir|wasm> --update-baseline ../shared/conformance test/rego-cases`.
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

// The WebAssembly engine (modules through the stock SDK) on the same cases: each case costs a
// module generation with binaryen, so this is the slowest suite; it runs in its own child process
// alongside the IR suites.
describe("conformance of the wasm engine", () => {
  const baseline = readBaseline(baselineFile("wasm"));
  const root = fileURLToPath(new URL("../rego-cases", import.meta.url));

  it("baselines every case the IR engine passes", () => {
    const missing = [...readBaseline(baselineFile("ir"))].filter((id) => !baseline.has(id));
    expect(missing).toEqual([]);
  });

  it(`still passes the ${baseline.size} baselined case(s)`, async () => {
    const paths = existsSync(DEFAULT_ROOT) ? [DEFAULT_ROOT, root] : [root];
    const cases = loadCases(paths, DEFAULT_ROOT).filter((c) => baseline.has(c.id));
    expect(cases.length).toBeGreaterThan(0);
    const reports = await runIsolated(engineRef("wasm"), cases);
    const lost = regressions(baseline, reports).map((r) => `${r.id}: ${r.reason ?? r.status}`);
    expect(lost).toEqual([]);
  }, 900_000);
});
