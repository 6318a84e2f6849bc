// array.concat, array.slice, array.reverse, array.flatten.
import type { Value } from "../values/value.ts";
import { checkElements, type BuiltinContext, type BuiltinDef } from "./builtin.ts";
import { ANY_ARRAY, arr, fn, int } from "./args.ts";
import { T } from "./types.ts";

/** The array with every nested array replaced by its members, at any depth. */
function flatten(args: Value[], ctx: BuiltinContext): Value {
  const out: Value[] = [];
  // An explicit stack, so deeply nested input cannot overflow the call stack.
  const stack: { items: Value[]; at: number }[] = [{ items: arr(args, 0), at: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.at === top.items.length) {
      stack.pop();
      continue;
    }
    const v = top.items[top.at++]!;
    if (Array.isArray(v)) stack.push({ items: v, at: 0 });
    else out.push(v);
  }
  checkElements(ctx, out.length);
  return out;
}

export const ARRAYS: BuiltinDef[] = [
  {
    name: "array.concat",
    signature: fn([ANY_ARRAY, ANY_ARRAY], ANY_ARRAY),
    impl: (args) => [...arr(args, 0), ...arr(args, 1)],
  },
  {
    name: "array.slice",
    signature: fn([ANY_ARRAY, T.number, T.number], ANY_ARRAY),
    impl: (args) => {
      const a = arr(args, 0);
      // Out-of-range indices are clamped, and a start past the stop gives an empty slice.
      const stop = Math.min(Math.max(int(args, 2), 0), a.length);
      const start = Math.min(Math.max(int(args, 1), 0), stop);
      return a.slice(start, stop);
    },
  },
  { name: "array.reverse", signature: fn([ANY_ARRAY], ANY_ARRAY), impl: (args) => [...arr(args, 0)].reverse() },
  { name: "array.flatten", signature: fn([ANY_ARRAY], ANY_ARRAY), impl: flatten },
];
