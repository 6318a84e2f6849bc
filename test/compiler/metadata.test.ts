// Stage "metadata calls": the folding works on the compiler's copies, never on the parsed modules
// (which `fmt`, `check` and a second compile reuse).
import { describe, expect, it } from "vitest";
import { compileModules } from "../../src/compiler/compile.ts";
import { parseAll } from "../../src/pipeline.ts";
import { nodeAt } from "../../src/compiler/rules.ts";

const SOURCE = `package t

# METADATA
# title: P
p := [rego.metadata.rule().title, x] if x := 1

`;

describe("metadata calls", () => {
  it("folds the call in the compiled rule and leaves the parsed module as written", () => {
    const modules = parseAll([{ file: "t.rego", text: SOURCE }]);
    const before = JSON.stringify(modules);
    const first = compileModules(modules);
    expect(JSON.stringify(modules)).toBe(before);
    const value = nodeAt(first.root, ["t", "p"], false)!.complete[0]!.value;
    const text = JSON.stringify(value, (k, v) => (k === "loc" ? undefined : v));
    expect(text).not.toContain("metadata");
    expect(text).toContain('{"type":"string","value":"title"},{"type":"string","value":"P"}');
    // A second compile of the same modules folds again from the untouched source.
    const second = nodeAt(compileModules(modules).root, ["t", "p"], false)!.complete[0]!.value;
    expect(second).toEqual(value);
  });
});
