// The IR engine: parse, compile, plan, and run the plan in the reference interpreter.
import type { Bindings, Engine, QueryRequest } from "../engine.ts";
import { parseQuery, parseTerm } from "../syntax/parser.ts";
import { compileQuery } from "../compiler/compile.ts";
import { compileSources } from "../pipeline.ts";
import { constantValue, isConstant } from "../compiler/terms.ts";
import { planQuery } from "../planner/planner.ts";
import { Interpreter } from "../interpreter/interpreter.ts";
import { RegoError } from "../errors.ts";
import { ObjectValue, fromJSON, type Value } from "../values/value.ts";

export const irEngine: Engine = {
  name: "ir",
  async run(req: QueryRequest): Promise<Bindings[]> {
    const version = req.regoVersion ?? 1;
    const policy = compileSources(req.modules, { regoVersion: version });
    const query = compileQuery(policy, parseQuery(req.query, "query.rego", { regoVersion: version }));
    const ir = planQuery(policy, query);
    const results = new Interpreter(ir).eval("query", {
      input: inputOf(req),
      data: fromJSON(req.data ?? {}),
      strictBuiltinErrors: req.strictBuiltinErrors ?? false,
    });
    return results.map((r) => {
      const b: Bindings = new Map();
      for (const [k, v] of (r as ObjectValue).entries()) b.set(k as string, v);
      return b;
    });
  },
};

export function inputOf(req: QueryRequest): Value | undefined {
  if (req.inputTerm !== undefined) {
    const t = parseTerm(req.inputTerm, "input");
    if (!isConstant(t)) throw new RegoError("rego_parse_error", "input term must be a constant", t.loc);
    return constantValue(t);
  }
  return req.input === undefined ? undefined : fromJSON(req.input);
}
