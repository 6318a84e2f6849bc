// Hostile input (issue 10): what an untrusted input costs each engine. A ReDoS pattern on a
// 10,000-character input, through the IR interpreter and through the evaluator (the WebAssembly
// bundle via the stock SDK); both must stay linear (RE2 semantics, src/builtins/re2.ts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundleBytes } from "../../src/bundle/index.ts";
import { Evaluator } from "../../src/evaluator/evaluator.ts";
import { planSources } from "../../src/pipeline.ts";
import { Interpreter } from "../../src/interpreter/interpreter.ts";
import { fromJSON, ObjectValue } from "../../src/values/value.ts";

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
export async function hostileEvaluator(policy = HOSTILE_POLICY): Promise<Evaluator> {
  const dir = mkdtempSync(join(tmpdir(), "warden-hostile-"));
  try {
    writeFileSync(join(dir, "hostile.rego"), policy);
    const built = await buildBundleBytes({ paths: [dir] });
    return await Evaluator.load({ bytes: built.bytes }, { allowUnsigned: true });
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

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const c of await benchHostile()) {
    console.log(`${c.name.padEnd(8)} ${c.input_chars} chars: ir ${c.ir_ms.toFixed(1)} ms, wasm ${c.wasm_ms.toFixed(1)} ms (result ${JSON.stringify(c.result)})`);
  }
}
