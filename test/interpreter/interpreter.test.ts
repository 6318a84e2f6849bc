import { describe, expect, it } from "vitest";
import type { Block, Policy, Stmt } from "../../src/ir/ir.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { RegoError } from "../../src/errors.ts";
import { fromJSON, toJSON } from "../../src/values/value.ts";
import { query } from "../helpers.ts";

const L = (local: number) => ({ kind: "local" as const, local });
const S = (index: number) => ({ kind: "string" as const, index });
const block = (...stmts: Stmt[]): Block => ({ stmts });

/** A one-plan policy whose plan is `blocks`, with strings ["result"]. */
function run(locals: number, blocks: Block[], input?: unknown): unknown[] {
  const policy: Policy = { strings: ["result", "a"], builtins: [], funcs: [], plans: [{ name: "p", locals, blocks }] };
  return new Interpreter(policy).eval("p", { input: input === undefined ? undefined : fromJSON(input) }).map(toJSON);
}

describe("IR execution model", () => {
  it("a failing statement ends only the innermost block", () => {
    const out = run(4, [
      block(
        { type: "block", blocks: [block({ type: "dot", source: L(0), key: S(1), target: 2 }, { type: "resultsetadd", value: 2 })] },
        { type: "makenumberint", value: 7, target: 3 },
        { type: "resultsetadd", value: 3 },
      ),
    ], { b: 1 });
    expect(out).toEqual([7]);
  });

  it("scans in Rego order and `break 1` leaves the scan", () => {
    const out = run(5, [
      block({
        type: "scan",
        source: 0,
        key: 2,
        value: 3,
        block: block({ type: "resultsetadd", value: 2 }, { type: "equal", a: L(2), b: S(1) }, { type: "break", index: 1 }),
      }),
    ], { c: 1, a: 2, b: 3 });
    expect(out).toEqual(["a"]);
  });

  it("AssignVarOnce raises a located conflict for a second, different value", () => {
    const loc = { file: "x.rego", row: 3, col: 1 };
    const policy: Policy = {
      strings: [],
      builtins: [],
      funcs: [],
      plans: [
        {
          name: "p",
          locals: 4,
          blocks: [
            block(
              { type: "makenumberint", value: 1, target: 2 },
              { type: "assignvaronce", source: L(2), target: 3, message: "complete rules must not produce multiple outputs", loc },
              { type: "makenumberint", value: 2, target: 2 },
              { type: "assignvaronce", source: L(2), target: 3, message: "complete rules must not produce multiple outputs", loc },
            ),
          ],
        },
      ],
    };
    expect(() => new Interpreter(policy).eval("p")).toThrow(RegoError);
    expect(() => new Interpreter(policy).eval("p")).toThrow("x.rego:3: eval_conflict_error: complete rules must not produce multiple outputs");
  });
});

describe("planned programs", () => {
  it("does not reuse a cached rule value under `with`", async () => {
    const m = "package test\nr := input.n\np := [r, q]\nq := x if x := r with input.n as 9";
    expect(await query([m], "x := data.test.p", { input: { n: 1 } })).toEqual([{ x: [1, 9] }]);
  });

  it("specialises rules that a `with data…` replaces, transitively", async () => {
    const m = "package test\nbase := 1\nmid := base + 1\ntop := x if x := mid with data.test.base as 10";
    expect(await query([m], "x := data.test.top")).toEqual([{ x: 11 }]);
  });

  it("lets a replacement function call the function it replaces", async () => {
    const m = "package test\nf(x) := x + 1\ng(x) := f(x) * 10\np := y if y := f(1) with f as g";
    expect(await query([m], "x := data.test.p")).toEqual([{ x: 20 }]);
  });

  it("undefined conditions make the whole rule undefined, never false", async () => {
    const m = "package test\np if input.missing > 1\nq if not input.missing";
    expect(await query([m], "x := data.test", { input: {} })).toEqual([{ x: { q: true } }]);
  });
});
