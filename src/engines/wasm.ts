// The WebAssembly engine: parse, compile, plan, generate a module, and evaluate it through the
// stock @open-policy-agent/opa-wasm SDK. Built-ins the module does not implement natively are
// served to the SDK as custom built-ins from the shared TypeScript library.
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import type { Bindings, Engine, QueryRequest } from "../engine.ts";
import { parseQuery } from "../syntax/parser.ts";
import { compileQuery } from "../compiler/compile.ts";
import { compileSources } from "../pipeline.ts";
import { planQuery } from "../planner/planner.ts";
import { compileWasm } from "../wasm/compile.ts";
import { hostBuiltins } from "../wasm/host.ts";
import { fromJSON, toJSON } from "../values/value.ts";
import { inputOf } from "./ir.ts";

export const wasmEngine: Engine = {
  name: "wasm",
  async run(req: QueryRequest): Promise<Bindings[]> {
    const version = req.regoVersion ?? 1;
    const policy = compileSources(req.modules, { regoVersion: version });
    const query = compileQuery(policy, parseQuery(req.query, "query.rego", { regoVersion: version }));
    const module = await compileWasm(planQuery(policy, query), { optimize: false });
    const loaded = await loadPolicy(module.wasm, undefined, hostBuiltins(Object.keys(module.builtins)));
    loaded.setData((req.data ?? {}) as object);
    const input = inputOf(req);
    const results = loaded.evaluate(input === undefined ? undefined : toJSON(input), "query") as Record<string, unknown>[];
    return results.map((r) => new Map(Object.entries(r).map(([k, v]) => [k, fromJSON(v)])));
  },
};

