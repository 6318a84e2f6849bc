// Hostile input (issue 10): what an untrusted input costs each engine. A ReDoS pattern on a
// 10,000-character input, through the IR interpreter and through the evaluator (the WebAssembly
// bundle via the stock SDK); both must stay linear (RE2 semantics, src/builtins/re2.ts).
// And what the evaluation budget costs when nobody is hostile: the same modules with and without
// the step checks through the stock SDK, and the evaluator's input boundary check.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator, type LoadOptions } from "../../src/evaluator/evaluator.ts";
import { planSources } from "../../src/pipeline.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { fromJSON, ObjectValue } from "../../src/values/value.ts";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { compileWasm } from "../../src/wasm/compile.ts";
import { DEFAULT_INPUT_LIMITS, encodeInput } from "../../src/evaluator/input.ts";
import { measure } from "./measure.ts";

export const HOSTILE_POLICY = `package hostile

# METADATA
# entrypoint: true
redos := regex.match("^(a+)+$", input.s)

# METADATA
# entrypoint: true
email := regex.match("^([a-zA-Z0-9])(([\\\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$", input.s)
`;

export interface HostileCase {
  name: string;
  input_chars: number;
  ir_ms: number;
  wasm_ms: number;
  result: unknown;
}

/** Builds the hostile policy into an unsigned bundle and loads it in an Evaluator. */
export async function hostileEvaluator(policy = HOSTILE_POLICY, opts: LoadOptions = {}): Promise<Evaluator> {
  const dir = mkdtempSync(join(tmpdir(), "warden-hostile-"));
  try {
    writeFileSync(join(dir, "hostile.rego"), policy);
    const built = await buildBundleBytes({ paths: [dir] });
    return await Evaluator.load({ bytes: built.bytes }, { allowUnsigned: true, ...opts });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The slowest of three runs (the first one included: hostile input needs no warm-up to hurt). */
function worst(f: () => unknown): { ms: number; value: unknown } {
  let ms = 0;
  let value: unknown;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    value = f();
    ms = Math.max(ms, performance.now() - t);
  }
  return { ms, value };
}

export async function benchHostile(): Promise<HostileCase[]> {
  const evaluator = await hostileEvaluator();
  const plan = planSources([{ file: "hostile.rego", text: HOSTILE_POLICY }], ["hostile/redos", "hostile/email"]);
  const interpreter = new Interpreter(plan);
  const cases = [
    { name: "redos", entrypoint: "hostile/redos", s: "a".repeat(10_000) + "!" },
    { name: "email", entrypoint: "hostile/email", s: "a".repeat(10_000) + "!" },
  ];
  const out: HostileCase[] = [];
  for (const c of cases) {
    const input = fromJSON({ s: c.s });
    const ir = worst(() => {
      const rs = interpreter.eval(c.entrypoint, { input, data: new ObjectValue() });
      return rs.length > 0 ? rs[0] : undefined;
    });
    const wasm = worst(() => evaluator.evaluate(c.entrypoint, { s: c.s }).result);
    out.push({ name: c.name, input_chars: c.s.length, ir_ms: ir.ms, wasm_ms: wasm.ms, result: wasm.value });
  }
  return out;
}

export interface BudgetOverhead {
  name: string;
  with_budget_per_sec: number;
  without_budget_per_sec: number;
  /** Relative slowdown, in percent (negative: within noise, faster). */
  overhead_pct: number;
}

const LOOPS = `package loops

scanned := count([x | some x in input.xs; x > 10])
`;

/**
 * The step budget's cost: each policy compiled with and without the step checks, evaluated in
 * alternating rounds through the stock SDK (best round of each). `authz` is a typical decision;
 * `loops` a loop over 1,000 elements, the worst case (a check per iteration).
 */
export async function benchBudgetOverhead(authz: { text: string; data: object; requests: object[] }, rounds = 3): Promise<BudgetOverhead[]> {
  const cases = [
    { name: "authz/allow (typical decision)", text: authz.text, entry: "authz/allow", data: authz.data, inputs: authz.requests },
    { name: "loop over 1,000 elements", text: LOOPS, entry: "loops/scanned", data: {}, inputs: [{ xs: Array.from({ length: 1000 }, (_, i) => i) }] },
  ];
  const out: BudgetOverhead[] = [];
  for (const c of cases) {
    const plan = planSources([{ file: "p.rego", text: c.text }], [c.entry]);
    const load = async (stepBudget: boolean) => {
      const p = await loadPolicy((await compileWasm(plan, { stepBudget })).wasm);
      p.setData(c.data);
      return p;
    };
    const [withBudget, without] = [await load(true), await load(false)];
    let i = 0;
    const next = () => c.inputs[i++ % c.inputs.length];
    let best = { with: 0, without: 0 };
    for (let r = 0; r < rounds; r++) {
      best.without = Math.max(best.without, measure("without", () => without.evaluate(next(), c.entry), 0.5).opsPerSec);
      best.with = Math.max(best.with, measure("with", () => withBudget.evaluate(next(), c.entry), 0.5).opsPerSec);
    }
    out.push({ name: c.name, with_budget_per_sec: best.with, without_budget_per_sec: best.without, overhead_pct: (best.without / best.with - 1) * 100 });
  }
  return out;
}

/** The input boundary's extra cost per evaluation, in µs, over the JSON encoding the SDK does anyway. */
export function benchInputCheck(input: object): { check_us: number; stringify_us: number } {
  const encoder = new TextEncoder();
  const check = measure("encodeInput", () => encodeInput(input, DEFAULT_INPUT_LIMITS), 0.5);
  const plain = measure("stringify", () => encoder.encode(JSON.stringify(input)), 0.5);
  return { check_us: 1e6 / check.opsPerSec, stringify_us: 1e6 / plain.opsPerSec };
}

// Run alone (`node --import ./src/wasm/load-binaryen-natively.mjs --import tsx scripts/bench/hostile.ts`):
// the hostile cases, then the budget overhead on the bench's authz decision and the input check.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const c of await benchHostile()) {
    console.log(`${c.name.padEnd(8)} ${c.input_chars} chars: ir ${c.ir_ms.toFixed(1)} ms, wasm ${c.wasm_ms.toFixed(1)} ms (result ${JSON.stringify(c.result)})`);
  }
  const { readFileSync } = await import("node:fs");
  const { authzData, authzRequests } = await import("./authz.ts");
  const text = readFileSync(new URL("./authz.rego", import.meta.url), "utf8");
  const requests = authzRequests();
  for (const b of await benchBudgetOverhead({ text, data: authzData(), requests }, Number(process.env.ROUNDS ?? 7))) {
    console.log(`${b.name.padEnd(32)} ${b.with_budget_per_sec.toFixed(0).padStart(9)}/s with, ${b.without_budget_per_sec.toFixed(0).padStart(9)}/s without: ${b.overhead_pct.toFixed(1)} %`);
  }
  const check = benchInputCheck(requests[0]!);
  console.log(`input check ${check.check_us.toFixed(2)} µs per request (JSON encoding alone ${check.stringify_us.toFixed(2)} µs)`);
}
