// The IR engine: parse, compile, plan, and run the plan in the reference interpreter.
import type { Bindings, Engine, QueryRequest } from "../engine.ts";
import { Interpreter } from "../interpreter/interpreter.ts";
import { ObjectValue, fromJSON } from "../values/value.ts";
import { inputOf, planRequest } from "./request.ts";

export const irEngine: Engine = {
  name: "ir",
  async run(req: QueryRequest): Promise<Bindings[]> {
    const results = new Interpreter(planRequest(req)).eval("query", {
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
