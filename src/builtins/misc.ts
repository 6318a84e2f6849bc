// trace, opa.runtime, http.send (for mocking), and the membership operators `x in xs` and `k, v in xs`.
import { ObjectValue, SetValue, equal, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { ANY_OBJECT, STRING_OBJECT, builtinError, fn, str } from "./args.ts";
import { T } from "./types.ts";

/** `x in xs`: a member of a set, an element of an array, a value of an object; else false. */
function member([x, xs]: Value[]): Value {
  if (xs instanceof SetValue) return xs.has(x!);
  if (Array.isArray(xs)) return xs.some((e) => equal(e, x!));
  if (xs instanceof ObjectValue) return xs.values().some((v) => equal(v, x!));
  return false;
}

/** `k, v in xs`: `xs[k]` is `v`, for arrays and objects; a set member is its own key. */
function memberWithKey([k, v, xs]: Value[]): Value {
  if (xs instanceof ObjectValue) {
    const found = xs.get(k!);
    return found !== undefined && equal(found, v!);
  }
  if (Array.isArray(xs)) {
    const i = typeof k === "number" && Number.isInteger(k) ? xs[k] : undefined;
    return i !== undefined && equal(i, v!);
  }
  if (xs instanceof SetValue) return equal(k!, v!) && xs.has(k!);
  return false;
}

export const MISC: BuiltinDef[] = [
  {
    name: "trace",
    signature: fn([T.string], T.boolean),
    // The engine records the note for explanations; the call itself always succeeds.
    impl: (args) => {
      str(args, 0);
      return true;
    },
  },
  { name: "opa.runtime", signature: fn([], STRING_OBJECT), impl: () => new ObjectValue() },
  {
    name: "http.send",
    signature: fn([STRING_OBJECT], ANY_OBJECT),
    // Declared so that policies type-check and tests can replace it (`with http.send as mock`);
    // evaluation is synchronous and offline, so a real request is refused.
    impl: () => {
      throw builtinError("network access is not available to policies");
    },
    nondeterministic: true,
  },
  { name: "internal.member_2", infix: "in", signature: fn([T.any, T.any], T.boolean), impl: member },
  { name: "internal.member_3", infix: "in", signature: fn([T.any, T.any, T.any], T.boolean), impl: memberWithKey },
];
