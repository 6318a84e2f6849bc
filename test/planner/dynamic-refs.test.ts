// Refs with a dynamic key into the data tree, planned from a rule inside the tree they look at.
import { describe, expect, it } from "vitest";
import { query } from "../helpers.ts";

describe("data.pkg[name].rule planned from inside data.pkg", () => {
  const lib = "package lib\n\nviolations(name, xs) := [v | ds := data.t[name].deny with input.a as xs[_]; v := ds[_]]";
  const templates = ["package t.p\n\ndeny contains x if x := input.a\n\ntest_own if lib.violations(\"p\", [1, 2]) == [1, 2]\n\nimport data.lib", "package t.q\n\ndeny contains x if x := input.a"];

  it("reaches the rules of the package that holds the rule being planned", async () => {
    expect(await query([lib, ...templates], "x := data.t.p.test_own")).toEqual([{ x: true }]);
  });

  it("plans a function the same whichever rule first called it", async () => {
    const r = await query([lib, ...templates], "x := data.t.p.test_own; y := data.lib.violations(\"q\", [3])");
    expect(r).toEqual([{ x: true, y: [3] }]);
  });
});
