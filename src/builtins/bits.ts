// Bitwise operations on integers of any size (two's complement semantics, as Go's big.Int).
import { intValue, type Value } from "../values/value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { bigint, builtinError, fn, operandError } from "./args.ts";
import { T } from "./types.ts";

/** Shifts beyond this would build numbers too large to be useful (or to fit in memory). */
const MAX_SHIFT = 1n << 20n;

function binary(name: string, op: (a: bigint, b: bigint) => bigint): BuiltinDef {
  return {
    name,
    signature: fn([T.number, T.number], T.number),
    impl: (args) => intValue(op(bigint(args, 0), bigint(args, 1))),
  };
}

function shift(name: string, op: (a: bigint, s: bigint) => bigint): BuiltinDef {
  return {
    name,
    signature: fn([T.number, T.number], T.number),
    impl: (args: Value[]) => {
      const x = bigint(args, 0);
      const s = bigint(args, 1);
      if (s < 0n) throw operandError(2, "must be an unsigned integer number but got a negative integer");
      if (s > MAX_SHIFT) throw builtinError("shift amount too large");
      return intValue(op(x, s));
    },
  };
}

export const BITS: BuiltinDef[] = [
  binary("bits.and", (a, b) => a & b),
  binary("bits.or", (a, b) => a | b),
  binary("bits.xor", (a, b) => a ^ b),
  { name: "bits.negate", signature: fn([T.number], T.number), impl: (args) => intValue(~bigint(args, 0)) },
  shift("bits.lsh", (a, s) => a << s),
  shift("bits.rsh", (a, s) => a >> s),
];
