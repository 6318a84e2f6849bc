// to_number: null, booleans, numbers and numeric strings as numbers.
import { isNumber, parseNumber, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinError, fn, typeError } from "./args.ts";
import { T } from "./types.ts";

/** What Go's strconv.ParseFloat accepts in decimal: optional sign, optional digits either side. */
const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function toNumber([x]: Value[]): Value {
  if (x === null) return 0;
  if (typeof x === "boolean") return x ? 1 : 0;
  if (isNumber(x!)) return x;
  if (typeof x !== "string") throw typeError(1, x!, "null", "boolean", "number", "string");
  if (/^[+-]?(inf|infinity|nan)$/i.test(x)) throw typeError(1, x, "valid number string");
  if (!DECIMAL.test(x)) throw builtinError(`strconv.ParseFloat: parsing ${JSON.stringify(x)}: invalid syntax`);
  const text = normalise(x);
  if (!Number.isFinite(Number(text))) {
    throw builtinError(`strconv.ParseFloat: parsing ${JSON.stringify(x)}: value out of range`);
  }
  return parseNumber(text)!;
}

/** Rewrites Go's looser spellings ("+1", ".5", "5.") in the JSON form parseNumber reads. */
function normalise(s: string): string {
  return s
    .replace(/^\+/, "")
    .replace(/^(-?)\./, "$10.")
    .replace(/\.(?=[eE]|$)/, "")
    .replace(/^(-?)0+(?=[0-9])/, "$1");
}

export const CASTS: BuiltinDef[] = [
  { name: "to_number", signature: fn([T.union(T.null, T.boolean, T.number, T.string)], T.number), impl: toNumber },
];
