// Budgets and input limits (issue 10): over its budget an evaluation fails with a coded error and
// the evaluator serves the next one; hostile inputs are refused at the boundary. (Timings are in
// scripts/bench/hostile.ts, not here.)
import { beforeAll, describe, expect, it } from "vitest";
import { Evaluator, EvaluationError } from "../../src/evaluator/evaluator.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import type { LoadOptions } from "../../src/evaluator/evaluator.ts";
import { planSources } from "../../src/pipeline.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { fromJSON, ObjectValue } from "../../src/values/value.ts";
import { RegoError } from "../../src/errors.ts";

const POLICY = `package b

# METADATA
# entrypoint: true
range_count := count(numbers.range(1, input.n))

# METADATA
# entrypoint: true
pairs := count({[x, y] | some x in input.xs; some y in input.xs})

# METADATA
# entrypoint: true
redos := regex.match("^(a+)+$", input.s)

# METADATA
# entrypoint: true
echo := input
`;

async function hostileEvaluator(policy: string, opts: LoadOptions = {}): Promise<Evaluator> {
  const dir = mkdtempSync(join(tmpdir(), "warden-budget-"));
  try {
    writeFileSync(join(dir, "b.rego"), policy);
    const built = await buildBundleBytes({ paths: [dir] });
    return await Evaluator.load({ bytes: built.bytes }, { allowUnsigned: true, ...opts });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let ev: Evaluator;
let small: Evaluator;
beforeAll(async () => {
  ev = await hostileEvaluator(POLICY);
  small = await hostileEvaluator(POLICY, { budget: { steps: 1000 } });
});

function failure(f: () => unknown): EvaluationError {
  try {
    f();
  } catch (e) {
    if (e instanceof EvaluationError) return e;
    throw e;
  }
  throw new Error("expected an EvaluationError");
}

describe("evaluation budget (WebAssembly evaluator)", () => {
  it("refuses numbers.range(1, 1e9) from input and serves the next evaluation", () => {
    const e = failure(() => ev.evaluate("b/range_count", { n: 1e9 }));
    expect(e.code).toBe("eval_budget_exceeded");
    expect(e.message).toContain("numbers.range");
    expect(ev.evaluate("b/range_count", { n: 10 }).result).toBe(10);
  });

  it("ends a loop over its step budget, then evaluates normally", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const e = failure(() => small.evaluate("b/pairs", { xs }));
    expect(e.code).toBe("eval_budget_exceeded");
    expect(e.message).toContain("more than 1000 steps");
    expect(small.evaluate("b/pairs", { xs: [1, 2] }).result).toBe(4);
    expect(ev.evaluate("b/pairs", { xs }).result).toBe(10_000);
  });

  it("matches a ReDoS pattern correctly on a long input", () => {
    expect(ev.evaluate("b/redos", { s: "a".repeat(10_000) + "!" }).result).toBe(false);
    expect(ev.evaluate("b/redos", { s: "a".repeat(10_000) }).result).toBe(true);
  });

  it("ends an evaluation that outgrows the memory maximum, and the next one works", async () => {
    const tiny = await hostileEvaluator(POLICY, { maxMemoryBytes: 8 * 1024 * 1024, budget: { builtinElements: 10_000_000 } });
    const e = failure(() => tiny.evaluate("b/range_count", { n: 2_000_000 }));
    expect(e.code).toBe("eval_budget_exceeded");
    expect(e.message).toContain("memory");
    expect(tiny.evaluate("b/range_count", { n: 5 }).result).toBe(5);
  });
});

describe("input limits", () => {
  it("refuses non-finite numbers (input_invalid)", () => {
    for (const bad of [{ a: Infinity }, { a: [1, -Infinity] }, { a: { b: NaN } }, JSON.parse('{"refund": 1e400}')]) {
      expect(failure(() => ev.evaluate("b/echo", bad)).code).toBe("input_invalid");
    }
    expect(failure(() => ev.evaluate("b/echo", JSON.parse('{"refund": 1e400}'))).message).toContain("input.refund");
  });

  it("refuses a 50 MB input by default, and deep or many-keyed ones", () => {
    const e = failure(() => ev.evaluate("b/echo", { s: "x".repeat(50 * 1024 * 1024) }));
    expect(e.code).toBe("input_invalid");
    expect(e.message).toContain("limits.maxBytes");
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(failure(() => ev.evaluate("b/echo", deep)).message).toContain("limits.maxDepth");
    const wide = Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`k${i}`, 1]));
    expect(failure(() => ev.evaluate("b/echo", wide)).message).toContain("limits.maxKeys");
    expect(ev.evaluate("b/echo", { a: 1, b: [true, null, "x"] }).result).toEqual({ a: 1, b: [true, null, "x"] });
  });

  it("checks objects of every kind as JSON.stringify writes them", () => {
    // Null prototype, a class instance, inherited enumerable keys (which JSON leaves out), toJSON.
    const bare = Object.assign(Object.create(null), { a: 1 });
    class Box {
      constructor(readonly v: unknown) {}
    }
    const child = Object.assign(Object.create({ inherited: Infinity }), { own: 2 });
    const dated = { at: new Date(0), custom: { toJSON: () => "x" } };
    expect(ev.evaluate("b/echo", { bare, box: new Box(3), child, dated }).result).toEqual({ bare: { a: 1 }, box: { v: 3 }, child: { own: 2 }, dated: { at: "1970-01-01T00:00:00.000Z", custom: "x" } });
    // The limits hold inside such objects too.
    expect(failure(() => ev.evaluate("b/echo", { box: new Box(NaN) })).message).toContain("input.box.v");
    expect(failure(() => ev.evaluate("b/echo", Object.assign(Object.create(null), { n: -Infinity }))).message).toContain("input.n");
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = new Box(deep);
    expect(failure(() => ev.evaluate("b/echo", deep)).message).toContain("limits.maxDepth");
  });

  it("evaluates an input whose getter evaluates another input meanwhile, each as written", () => {
    let inner: unknown;
    const outer = {
      a: 1,
      get b() {
        inner = ev.evaluate("b/echo", { x: "inner", n: [3, 4] }).result;
        return "outer";
      },
      c: [1, 2],
    };
    expect(ev.evaluate("b/echo", outer).result).toEqual({ a: 1, b: "outer", c: [1, 2] });
    expect(inner).toEqual({ x: "inner", n: [3, 4] });
  });

  it("honours limits given as options", async () => {
    const strict = await hostileEvaluator(POLICY, { inputLimits: { maxBytes: 100 } });
    expect(failure(() => strict.evaluate("b/echo", { s: "x".repeat(200) })).code).toBe("input_invalid");
    expect(strict.evaluate("b/echo", { s: "x" }).result).toEqual({ s: "x" });
  });
});

describe("evaluation budget (IR interpreter)", () => {
  const plan = planSources([{ file: "b.rego", text: POLICY }], ["b/range_count", "b/pairs"]);
  const ip = new Interpreter(plan);
  const run = (name: string, input: unknown, steps?: number) =>
    ip.eval(name, { input: fromJSON(input), data: new ObjectValue(), budget: steps === undefined ? undefined : { steps } });
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof RegoError ? e.code : String(e);
    }
    return "none";
  };

  it("refuses numbers.range(1, 1e9) even without strict built-in errors", () => {
    expect(code(() => run("b/range_count", { n: 1e9 }))).toBe("eval_budget_exceeded");
    expect(run("b/range_count", { n: 3 })).toHaveLength(1);
  });

  it("counts loop iterations against the step budget", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(code(() => run("b/pairs", { xs }, 1000))).toBe("eval_budget_exceeded");
    expect(code(() => run("b/pairs", { xs }))).toBe("none");
  });
});
