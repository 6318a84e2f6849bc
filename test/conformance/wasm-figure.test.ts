// The WebAssembly engine's conformance figure over all of OPA's cases, in-process (the regression
// check against test/conformance/baseline-wasm.txt is in conformance.test.ts; the same figure
// comes from `npm run conformance -- --engine wasm --json`).
// Opt-in, because it compiles ~1,250 modules: WARDEN_WASM_CONFORMANCE=1 npx vitest run test/conformance/wasm-figure.test.ts
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_ROOT, loadCases } from "../../src/conformance/cases.ts";
import { runCase } from "../../src/conformance/run.ts";
import { baselineFile, readBaseline } from "../../src/conformance/report.ts";
import { wasmEngine } from "../../src/engines/wasm.ts";

const reason = !process.env.WARDEN_WASM_CONFORMANCE
  ? "set WARDEN_WASM_CONFORMANCE=1 to run"
  : existsSync(DEFAULT_ROOT)
    ? undefined
    : `the cases are absent (${DEFAULT_ROOT})`;

(reason ? describe.skip : describe)(`conformance of the wasm engine${reason ? ` (skipped: ${reason})` : ""}`, () => {
  it("reports passed/total per folder and the cases that pass on ir but not on wasm", async () => {
    const irPasses = readBaseline(baselineFile("ir"));
    const irOnly: string[] = [];
    const cases = loadCases([DEFAULT_ROOT], DEFAULT_ROOT);
    const byFolder = new Map<string, { total: number; passed: number }>();
    const failures: string[] = [];
    for (const c of cases) {
      const r = await runCase(wasmEngine, c);
      const f = byFolder.get(c.folder) ?? { total: 0, passed: 0 };
      f.total++;
      if (r.status === "passed") f.passed++;
      else {
        failures.push(`${c.id}: ${r.status}: ${r.reason ?? ""}`.slice(0, 240));
        if (irPasses.has(c.id)) irOnly.push(c.id);
      }
      byFolder.set(c.folder, f);
    }
    const passed = [...byFolder.values()].reduce((n, f) => n + f.passed, 0);
    console.log(failures.join("\n"));
    console.log(JSON.stringify({ engine: "wasm", total: cases.length, passed, ir_only: irOnly.length, by_folder: Object.fromEntries(byFolder) }));
    // A floor at the figure this backend reached (1239 of 1247); it only ever rises.
    expect(passed).toBeGreaterThanOrEqual(1239);
    expect(irOnly).toEqual([]);
  }, 3_600_000);
});
