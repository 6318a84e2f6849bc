// Aggregates over collections: count, sum, product, max, min, sort, all, any.
import { ObjectValue, SetValue, compare, isNumber, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { ANY_ARRAY, ANY_OBJECT, ANY_SET, elementError, fn, members, typeError, type Num } from "./args.ts";
import { plus, times } from "./numbers.ts";
import { T } from "./types.ts";

/** Code points in a string: Rego counts runes, not UTF-16 units. */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || !isHighSurrogate(s.charCodeAt(i - 1))) n++;
  }
  return n;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

function count([x]: Value[]): Value {
  if (typeof x === "string") return runeCount(x);
  if (Array.isArray(x)) return x.length;
  if (x instanceof ObjectValue || x instanceof SetValue) return x.size;
  throw typeError(1, x!, "array", "object", "set", "string");
}

/** Folds the numbers of an array or set operand. */
function fold(start: Num, f: (a: Num, b: Num) => Num) {
  return (args: Value[]): Value => {
    let acc = start;
    for (const x of members(args, 0)) {
      if (!isNumber(x)) throw elementError(1, args[0]!, x, "number");
      acc = f(acc, x);
    }
    return acc;
  };
}

/** The greatest (or least) member by Rego order; undefined for an empty collection. */
function extreme(sign: 1 | -1) {
  return (args: Value[]): Value | undefined => {
    let best: Value | undefined;
    for (const x of members(args, 0)) if (best === undefined || sign * compare(x, best) > 0) best = x;
    return best;
  };
}

const ANY_COLLECTION = T.union(ANY_SET, ANY_ARRAY);
const NUMBER_COLLECTION = T.union(T.setOf(T.number), T.arrayOf(T.number));

export const AGGREGATES: BuiltinDef[] = [
  {
    name: "count",
    signature: fn([T.union(T.string, ANY_ARRAY, ANY_OBJECT, ANY_SET)], T.number),
    impl: count,
  },
  { name: "sum", signature: fn([NUMBER_COLLECTION], T.number), impl: fold(0, plus) },
  { name: "product", signature: fn([NUMBER_COLLECTION], T.number), impl: fold(1, times) },
  { name: "max", signature: fn([ANY_COLLECTION], T.any), impl: extreme(1) },
  { name: "min", signature: fn([ANY_COLLECTION], T.any), impl: extreme(-1) },
  {
    name: "sort",
    signature: fn([ANY_COLLECTION], ANY_ARRAY),
    impl: (args) => [...members(args, 0)].sort(compare),
  },
  // Deprecated in OPA: v0 modules only.
  { name: "all", signature: fn([ANY_COLLECTION], T.boolean), impl: (args) => members(args, 0).every((x) => x === true), deprecated: true },
  { name: "any", signature: fn([ANY_COLLECTION], T.boolean), impl: (args) => members(args, 0).some((x) => x === true), deprecated: true },
];
