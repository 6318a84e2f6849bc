// The WebAssembly engine: parse, compile, plan, generate a module, and evaluate it through the
// stock @open-policy-agent/opa-wasm SDK. Built-ins the module does not implement natively are
// served to the SDK as custom built-ins from the shared TypeScript library (src/wasm/host.ts).
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import type { Bindings, Engine, QueryRequest } from "../engine.ts";
import { compileWasm } from "../wasm/compile.ts";
import { cString } from "../wasm/host.ts";
import { instantiateModule, sdkError, type WardenInstance } from "../wasm/sdk.ts";
import { ObjectValue, SetValue, toText, type Value } from "../values/value.ts";
import { parseTerm } from "../syntax/parser.ts";
import { constantValue, isConstant } from "../compiler/terms.ts";
import { inputOf, planRequest } from "./request.ts";
import { RegoError } from "../errors.ts";
import type { BuiltinContext } from "../builtins/builtin.ts";

export const wasmEngine: Engine = {
  name: "wasm",
  async run(req: QueryRequest): Promise<Bindings[]> {
    // Strict built-in errors need the shared library's messages: every built-in is then served
    // by the host, which throws instead of answering undefined.
    const strict = req.strictBuiltinErrors ?? false;
    const module = await compileWasm(planRequest(req), { optimize: false, hostBuiltinsOnly: strict, prefixHostNames: true });
    // One context for the evaluation: built-ins such as rand.intn and uuid.rfc4122 answer the same
    // within a query.
    const context: BuiltinContext = { nowNs: BigInt(Date.now()) * 1_000_000n, random: Math.random, cache: new Map() };
    const instance = await instantiateModule(module.wasm, { builtins: Object.keys(module.builtins), strict, callSites: module.callSites, context: () => context });
    const loaded = instance.policy;
    loaded.setData((req.data ?? {}) as object);
    const input = inputOf(req);
    let results: Value;
    try {
      results = evaluateExact(loaded, input, "query");
    } catch (e) {
      throw asRegoError(e, instance);
    }
    if (!(results instanceof SetValue)) throw new RegoError("internal_error", `the module's result set is ${toText(results).slice(0, 80)}`);
    return results.values().map((r) => {
      const b: Bindings = new Map();
      if (r instanceof ObjectValue) for (const [k, v] of r.entries()) b.set(k as string, v);
      return b;
    });
  },
};

interface AbiExports {
  opa_heap_ptr_set(p: number): void;
  opa_malloc(n: number): number;
  opa_value_parse(p: number, n: number): number;
  opa_value_dump(v: number): number;
  opa_eval_ctx_new(): number;
  opa_eval_ctx_set_input(ctx: number, v: number): void;
  opa_eval_ctx_set_data(ctx: number, v: number): void;
  opa_eval_ctx_set_entrypoint(ctx: number, id: number): void;
  eval(ctx: number): number;
  opa_eval_ctx_get_result(ctx: number): number;
}

/**
 * Evaluates on the instance the SDK loaded through the ABI's own calls, with the input and the
 * result as Rego value text (opa_value_parse, opa_value_dump) rather than the SDK's JSON: sets
 * stay sets, non-string keys stay keys, and integers beyond 2^53 stay exact (JSON.parse would
 * round them to doubles).
 */
function evaluateExact(loaded: LoadedPolicy, input: Value | undefined, entrypoint: string): Value {
  const instance = "instance" in loaded.wasmInstance ? loaded.wasmInstance.instance : loaded.wasmInstance;
  const x = instance.exports as unknown as AbiExports;
  const id = (loaded.entrypoints as Record<string, number>)[entrypoint];
  if (id === undefined) throw new Error(`entrypoint ${entrypoint} is not valid in this instance`);
  x.opa_heap_ptr_set(loaded.dataHeapPtr as number);
  const ctx = x.opa_eval_ctx_new();
  if (input !== undefined) {
    const bytes = new TextEncoder().encode(toText(input));
    const at = x.opa_malloc(bytes.length);
    new Uint8Array(loaded.mem.buffer).set(bytes, at);
    const value = x.opa_value_parse(at, bytes.length);
    if (value === 0) throw new Error("the module cannot read the input");
    x.opa_eval_ctx_set_input(ctx, value);
  }
  x.opa_eval_ctx_set_data(ctx, loaded.dataAddr);
  x.opa_eval_ctx_set_entrypoint(ctx, id);
  x.eval(ctx);
  const text = cString(loaded.mem, x.opa_value_dump(x.opa_eval_ctx_get_result(ctx)));
  const t = parseTerm(text, "result");
  if (!isConstant(t)) throw new Error(`internal error: the module dumped a non-constant result: ${text.slice(0, 80)}`);
  return constantValue(t);
}

/** What the SDK threw, coded (src/wasm/sdk.ts); other abort texts are built-in errors. */
function asRegoError(e: unknown, instance: WardenInstance): unknown {
  return sdkError(e, instance) ?? (typeof e === "string" ? new RegoError("eval_builtin_error", e) : e);
}
