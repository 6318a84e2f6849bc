// The WebAssembly engine: parse, compile, plan, generate a module, and evaluate it through the
// stock @open-policy-agent/opa-wasm SDK. Built-ins the module does not implement natively are
// served to the SDK as custom built-ins from the shared TypeScript library.
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import type { Bindings, Engine, QueryRequest } from "../engine.ts";
import { compileWasm } from "../wasm/compile.ts";
import { hostBuiltins } from "../wasm/host.ts";
import { fromJSON, toJSON } from "../values/value.ts";
import { inputOf, planRequest } from "./request.ts";
import { RegoError, type ErrorCode } from "../errors.ts";

export const wasmEngine: Engine = {
  name: "wasm",
  async run(req: QueryRequest): Promise<Bindings[]> {
    // Strict built-in errors need the shared library's messages: every built-in is then served
    // by the host, which throws instead of answering undefined.
    const strict = req.strictBuiltinErrors ?? false;
    const module = await compileWasm(planRequest(req), { optimize: false, hostBuiltinsOnly: strict });
    const loaded = await loadPolicy(module.wasm, undefined, hostBuiltins(Object.keys(module.builtins), { strict }));
    loaded.setData((req.data ?? {}) as object);
    const input = inputOf(req);
    let results: Record<string, unknown>[];
    try {
      results = loaded.evaluate(input === undefined ? undefined : toJSON(input), "query") as Record<string, unknown>[];
    } catch (e) {
      throw asRegoError(e);
    }
    return results.map((r) => new Map(Object.entries(r).map(([k, v]) => [k, fromJSON(v)])));
  },
};

/**
 * The SDK throws what the module passed to opa_abort, a string in OPA's format
 * (`file:row: code: message`); errors of host built-ins arrive as thrown RegoErrors.
 */
function asRegoError(e: unknown): unknown {
  if (e instanceof RegoError || typeof e !== "string") return e;
  const m = /^(?:(.+?):(\d+): )?([a-z_]+_error): (.*)$/s.exec(e);
  if (!m) return new RegoError("eval_builtin_error", e);
  const loc = m[1] ? { file: m[1], row: Number(m[2]), col: 1 } : undefined;
  return new RegoError(m[3] as ErrorCode, m[4]!, loc);
}

