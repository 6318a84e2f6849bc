// What every engine does with a QueryRequest before evaluating: plan its query, read its input.
import type { QueryRequest } from "../engine.ts";
import type { Policy } from "../ir/ir.ts";
import { parseQuery, parseTerm } from "../syntax/parser.ts";
import { compileQuery } from "../compiler/compile.ts";
import { constantValue, isConstant } from "../compiler/terms.ts";
import { compileSources } from "../pipeline.ts";
import { planQuery } from "../planner/planner.ts";
import { RegoError } from "../errors.ts";
import { fromJSON, type Value } from "../values/value.ts";

/** The request's modules and query as plan IR, with one plan named "query". */
export function planRequest(req: QueryRequest): Policy {
  const regoVersion = req.regoVersion ?? 1;
  const policy = compileSources(req.modules, { regoVersion, strict: req.strict === true });
  return planQuery(policy, compileQuery(policy, parseQuery(req.query, "query.rego", { regoVersion }), regoVersion));
}

/** The input document: `inputTerm` (a constant Rego term) or `input` (JSON); undefined if neither. */
export function inputOf(req: QueryRequest): Value | undefined {
  if (req.inputTerm !== undefined) {
    const t = parseTerm(req.inputTerm, "input");
    if (!isConstant(t)) throw new RegoError("rego_parse_error", "input term must be a constant", t.loc);
    return constantValue(t);
  }
  return req.input === undefined ? undefined : fromJSON(req.input);
}
