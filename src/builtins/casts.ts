// to_number: null, booleans, numbers and numeric strings as numbers; and the casts OPA deprecated
// (cast_array, cast_set, cast_string, cast_boolean, cast_null, cast_object), for v0 modules only.
import { ObjectValue, SetValue, isNumber, parseNumber, type Value } from "../values/value.ts";
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

/** The deprecated casts (v0 only): the value itself when it has the type, else a type error. */
function castTo(expected: string, ok: (x: Value) => boolean) {
  return ([x]: Value[]): Value => {
    if (!ok(x!)) throw typeError(1, x!, expected);
    return x!;
  };
}

function castArray([x]: Value[]): Value {
  if (Array.isArray(x)) return x;
  if (x instanceof SetValue) return x.values();
  throw typeError(1, x!, "array", "set");
}

function castSet([x]: Value[]): Value {
  if (Array.isArray(x)) return SetValue.of(x);
  if (x instanceof SetValue) return x;
  throw typeError(1, x!, "array", "set");
}

export const CASTS: BuiltinDef[] = [
  { name: "to_number", signature: fn([T.union(T.null, T.boolean, T.number, T.string)], T.number), impl: toNumber },
  { name: "cast_array", signature: fn([T.any], T.arrayOf(T.any)), impl: castArray, deprecated: true },
  { name: "cast_set", signature: fn([T.any], T.setOf(T.any)), impl: castSet, deprecated: true },
  { name: "cast_string", signature: fn([T.any], T.string), impl: castTo("string", (x) => typeof x === "string"), deprecated: true },
  { name: "cast_boolean", signature: fn([T.any], T.boolean), impl: castTo("boolean", (x) => typeof x === "boolean"), deprecated: true },
  { name: "cast_null", signature: fn([T.any], T.null), impl: castTo("null", (x) => x === null), deprecated: true },
  { name: "cast_object", signature: fn([T.any], T.objectOf(T.any, T.any)), impl: castTo("object", (x) => x instanceof ObjectValue), deprecated: true },
];
