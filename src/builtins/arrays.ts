// array.concat, array.slice, array.reverse.
import type { BuiltinDef } from "./builtin.ts";
import { ANY_ARRAY, arr, fn, int } from "./args.ts";
import { T } from "./types.ts";

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
];
