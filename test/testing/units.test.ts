// The runner's small parts: durations as OPA prints them, coverage ranges, and probes that leave
// a policy's meaning unchanged.
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../src/testing/report.ts";
import { rowRanges } from "../../src/testing/coverage.ts";
import { parseDuration } from "../../src/testing/duration.ts";
import { attachProbes, instrument, splitResults } from "../../src/testing/probes.ts";
import { parseModule } from "../../src/syntax/parser.ts";
import { compileModules } from "../../src/compiler/compile.ts";
import { planEntrypoints } from "../../src/planner/planner.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { fromJSON, toJSON } from "../../src/values/value.ts";

describe("parseDuration", () => {
  it("reads Go durations, as --timeout takes them, and refuses other text", () => {
    expect(parseDuration("5s")).toBe(5e9);
    expect(parseDuration("1m30s")).toBe(90e9);
    expect(parseDuration("250ms")).toBe(250e6);
    expect(parseDuration("1.5h")).toBe(5400e9);
    expect(parseDuration("10us")).toBe(10e3);
    expect(parseDuration("0")).toBe(0);
    for (const bad of ["", "5", "5x", "s", "5s ", "-1s", "1e3s"]) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("writes Go durations", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(812)).toBe("812ns");
    expect(formatDuration(279_875)).toBe("279.875µs");
    expect(formatDuration(1_200_000)).toBe("1.2ms");
    expect(formatDuration(1_234_567)).toBe("1.234567ms");
    expect(formatDuration(2_500_000_000)).toBe("2.5s");
  });
});

describe("rowRanges", () => {
  it("joins consecutive rows", () => {
    expect(rowRanges([3, 4, 5, 9, 11, 12])).toBe("3-5, 9, 11-12");
    expect(rowRanges([])).toBe("");
  });
});

describe("probes", () => {
  const src = `package p

xs := [1, 2, 3]

big contains x if {
	some x in xs
	x > 1
}

total := sum([x | some x in big])

all_small if every x in xs { x < 10 }

f(x) := y if {
	y := x * 2
} else := 0

out := [total, all_small, f(1), count({k | some k, _ in {"a": 1}})]
`;
  const m = parseModule(src, "p.rego");

  function evaluate(modules = [m], probed = false) {
    let policy = planEntrypoints(compileModules(modules), ["p/out"]);
    if (probed) policy = attachProbes(policy);
    const rs = new Interpreter(policy).eval("p/out", { data: fromJSON({}) });
    return splitResults(rs);
  }

  it("leave results unchanged and report the expressions reached", () => {
    const plain = evaluate();
    const inst = instrument([m]);
    const probed = evaluate(inst.modules, true);
    expect(probed.results.map(toJSON)).toEqual(plain.results.map(toJSON));
    expect(plain.hits.size).toBe(0);
    const rows = new Set(inst.probes.filter((p) => probed.hits.has(p.id)).map((p) => p.row));
    expect([...rows].sort((a, b) => a - b)).toEqual([3, 5, 6, 7, 10, 12, 14, 15, 18]);
    // The else branch (row 16) is never needed.
    expect(inst.probes.some((p) => p.row === 16)).toBe(true);
    expect(rows.has(16)).toBe(false);
  });
});
