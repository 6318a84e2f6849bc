// The bench's OPA-built reference modules (scripts/bench/reference.ts): measured when their files
// are in scripts/bench/reference/ (git-ignored; a clean clone has none), else named as missing.
// Where present, Warden's build must give OPA's answers first (benchReference throws otherwise).
import { expect, it } from "vitest";
import { benchReference } from "../../scripts/bench/reference.ts";

it("measures each reference module that is present and names each one that is not", async () => {
  const r = await benchReference(1);
  expect(r.results.length + r.missing.length).toBe(2);
  for (const x of r.results) {
    expect(x.rows.map((row) => row.name)).toContain("Warden's build, driver");
    for (const row of x.rows) expect(row.per_cpu_sec).toBeGreaterThan(0);
  }
  for (const m of r.missing) expect(m).toMatch(/policy\.wasm and \w+\.rego/);
}, 60_000);
