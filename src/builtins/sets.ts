// Set algebra: & and | on two sets, intersection and union of a set of sets.
import { SetValue, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { ANY_SET, fn, set, typeError } from "./args.ts";
import { T } from "./types.ts";

function intersect(a: SetValue, b: SetValue): SetValue {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  return SetValue.of(small.values().filter((x) => large.has(x)));
}

function unite(a: SetValue, b: SetValue): SetValue {
  const out = a.copy();
  for (const x of b.values()) out.add(x);
  return out;
}

/** The member sets of a set-of-sets operand. */
function memberSets(args: Value[]): SetValue[] {
  return set(args, 0)
    .values()
    .map((s) => {
      if (!(s instanceof SetValue)) throw typeError(1, s, "set");
      return s;
    });
}

const SET_OF_SETS = T.setOf(ANY_SET);

export const SETS: BuiltinDef[] = [
  { name: "and", infix: "&", signature: fn([ANY_SET, ANY_SET], ANY_SET), impl: (args) => intersect(set(args, 0), set(args, 1)) },
  { name: "or", infix: "|", signature: fn([ANY_SET, ANY_SET], ANY_SET), impl: (args) => unite(set(args, 0), set(args, 1)) },
  {
    name: "intersection",
    signature: fn([SET_OF_SETS], ANY_SET),
    impl: (args) => {
      const sets = memberSets(args);
      return sets.length === 0 ? new SetValue() : sets.reduce(intersect);
    },
  },
  { name: "union", signature: fn([SET_OF_SETS], ANY_SET), impl: (args) => memberSets(args).reduce(unite, new SetValue()) },
  {
    name: "set_diff", // deprecated: `a - b` (v0 modules only)
    signature: fn([ANY_SET, ANY_SET], ANY_SET),
    deprecated: true,
    impl: (args) => {
      const [a, b] = [set(args, 0), set(args, 1)];
      return SetValue.of(a.values().filter((x) => !b.has(x)));
    },
  },
];
