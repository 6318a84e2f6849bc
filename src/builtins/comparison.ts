// Comparison operators: any two values compare, by Rego's total order across types.
import { compare, equal, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { fn } from "./args.ts";
import { T } from "./types.ts";

const SIG = fn([T.any, T.any], T.boolean);

function comparison(name: string, infix: string, test: (a: Value, b: Value) => boolean): BuiltinDef {
  return { name, infix, signature: SIG, impl: ([a, b]) => test(a!, b!) };
}

export const COMPARISON: BuiltinDef[] = [
  comparison("equal", "==", equal),
  comparison("neq", "!=", (a, b) => !equal(a, b)),
  comparison("lt", "<", (a, b) => compare(a, b) < 0),
  comparison("lte", "<=", (a, b) => compare(a, b) <= 0),
  comparison("gt", ">", (a, b) => compare(a, b) > 0),
  comparison("gte", ">=", (a, b) => compare(a, b) >= 0),
];
