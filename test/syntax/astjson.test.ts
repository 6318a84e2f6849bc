// OPA's AST JSON for the constructs rego.parse_module cases do not show: defaults, else chains,
// every, object comprehensions, sets and exact big numbers.
import { describe, expect, it } from "vitest";
import { parseModule } from "../../src/syntax/parser.ts";
import { moduleJSON } from "../../src/syntax/astjson.ts";
import { BigNumber } from "../../src/values/value.ts";

const rules = (src: string) => (moduleJSON(parseModule(`package t\n\n${src}\n`, "t.rego")) as { rules: unknown[] }).rules;
const v = (name: string) => ({ type: "var", value: name });
const n = (x: number) => ({ type: "number", value: x });

describe("moduleJSON", () => {
  it("marks defaults and nests else branches with the rule's name and arguments", () => {
    expect(rules("default p := false")[0]).toEqual({
      default: true,
      head: { name: "p", ref: [v("p")], value: { type: "boolean", value: false }, assign: true },
      body: [{ index: 0, terms: { type: "boolean", value: true } }],
    });
    const [f] = rules("f(x) := 1 if x > 0 else := 2") as { else: { head: unknown } }[];
    expect(f!.else.head).toEqual({ name: "f", ref: [v("f")], args: [v("x")], value: n(2), assign: true });
  });

  it("lays out every, object comprehensions, sets and big numbers", () => {
    const [p] = rules("p if every k, x in [1] { x > k }") as { body: { terms: unknown }[] }[];
    expect(p!.body[0]!.terms).toMatchObject({ key: v("k"), value: v("x"), domain: { type: "array", value: [n(1)] } });
    const [q] = rules("q := {k: 1 | some k in {2}}") as { head: { value: { type: string; value: { key: unknown; body: { terms: unknown }[] } } } }[];
    expect(q!.head.value.type).toBe("objectcomp");
    expect(q!.head.value.value.key).toEqual(v("k"));
    const [s] = rules('s := {"b", 2, "a", null}') as { head: { value: { value: unknown[] } } }[];
    expect(s!.head.value.value).toEqual([{ type: "null", value: null }, n(2), { type: "string", value: "a" }, { type: "string", value: "b" }]);
    const [r] = rules("r := 123456789012345678901234567890") as { head: { value: { value: unknown } } }[];
    expect(r!.head.value.value).toEqual(new BigNumber("123456789012345678901234567890", 123456789012345678901234567890n));
  });

  it("gives comments as Go prints ast.Comment: location and base64 text after the #", () => {
    const m = moduleJSON(parseModule("package t\n\n# hello\np := 1 # tail\n", "t.rego")) as { comments: unknown[] };
    expect(m.comments).toEqual([
      { Location: { file: "t.rego", row: 3, col: 1 }, Text: Buffer.from(" hello").toString("base64") },
      { Location: { file: "t.rego", row: 4, col: 8 }, Text: Buffer.from(" tail").toString("base64") },
    ]);
  });
});
